import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigView } from './config-view';
import { CONFIG_VIEW_OPTIONS, ConfigViewFollower, type ConfigViewOptions } from './config-view.follower';

/**
 * Provides the ConfigView and its ConfigViewFollower. Needs KafkaModule, MetricsModule and
 * HealthModule (global in every service). The service calls `follower.follow()` once its
 * topics exist, and usually waits for it before consuming anything that needs the view.
 */
@Module({})
export class ConfigViewModule {
  static forRoot(options: ConfigViewOptions): DynamicModule {
    return {
      module: ConfigViewModule,
      providers: [{ provide: CONFIG_VIEW_OPTIONS, useValue: options }, ConfigView, ConfigViewFollower],
      exports: [ConfigView, ConfigViewFollower],
    };
  }
}
