export * from './target-address';
