export * from './config-view';
export * from './config-view.follower';
export * from './config-view.module';
