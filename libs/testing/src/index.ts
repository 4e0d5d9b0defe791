export * from './servers';
export * from './topic-collector';
export * from './recording-receiver';
