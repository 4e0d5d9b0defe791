import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigViewModule } from '@callhooks/config-view';
import { serviceFoundation } from '@callhooks/kafka';
import { DISPATCHER_CONFIG, type DispatcherConfig } from './config/dispatcher.config';
import { DeliveryModule } from './delivery/delivery.module';

@Module({})
export class AppModule {
  static register(config: DispatcherConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        ...serviceFoundation(config),
        ConfigViewModule.forRoot({ purpose: 'dispatcher-config-view' }),
        DeliveryModule,
      ],
      providers: [{ provide: DISPATCHER_CONFIG, useValue: config }],
      exports: [DISPATCHER_CONFIG],
    };
  }
}
