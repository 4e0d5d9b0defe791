export * from './schemas';
export * from './topics';
export * from './events';
export * from './fields';
export * from './generated/avro-types';
export * from './errors';
export * from './time-format';
export * from './ids';
