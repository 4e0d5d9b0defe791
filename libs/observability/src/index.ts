export * from './logging/logger.options';
export * from './logging/framework-logger';
export * from './metrics/metrics.module';
export * from './health/readiness';
export * from './health/health.module';
export * from './bootstrap';
export * from './tracing/tracing';
