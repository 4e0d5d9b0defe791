export * from './avro-serde';
// the runtime's parts (group, commit, retries, pauses, locks, supervision, lag) stay inside: services declare @KafkaConsumer handlers
export { ConsumerRuntime, type BatchContext, type BatchHandler, type ConsumedRecord, type ConsumerRuntimeOptions } from './consumer-runtime';
export * from './dead-letter';
export * from './kafka.client';
export * from './kafka.metrics';
export * from './kafka.module';
export * from './record-publisher';
export * from './topic-provisioner';
export * from './topic-reader';
export * from './service-foundation';
export * from './transport';
