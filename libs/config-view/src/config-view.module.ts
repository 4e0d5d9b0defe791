import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigView } from './config-view';
import { CONFIG_VIEW_OPTIONS, ConfigViewFollower, type ConfigViewOptions } from './config-view.follower';

/**
 * Provides the ConfigView and its ConfigViewFollower, globally (a service keeps one view).
 * Needs KafkaModule, MetricsModule and HealthModule (global in every service). The service
 * calls `follower.follow()` once its topics exist, and usually waits for it before consuming
 * anything that needs the view.
 */
@Module({})
export class ConfigViewModule {
  static forRoot(options: ConfigViewOptions): DynamicModule {
    return {
      module: ConfigViewModule,
      // one view per service, read by several of its features
      global: true,
      providers: [{ provide: CONFIG_VIEW_OPTIONS, useValue: options }, ConfigView, ConfigViewFollower],
      exports: [ConfigView, ConfigViewFollower],
    };
  }
}
