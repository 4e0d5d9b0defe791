export * from './servers';
export * from './topic-collector';
export * from './recording-receiver';
export * from './service-process';
export * from './management-client';
export * from './prometheus-text';
export * from './prometheus-server';
export * from './dashboard-queries';
