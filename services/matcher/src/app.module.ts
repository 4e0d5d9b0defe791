import { Module, type DynamicModule } from '@nestjs/common';
import { ConfigViewModule } from '@callhooks/config-view';
import { serviceFoundation } from '@callhooks/kafka';
import { MATCHER_CONFIG, type MatcherConfig } from './config/matcher.config';
import { MatchingModule } from './matching/matching.module';

@Module({})
export class AppModule {
  static register(config: MatcherConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        ...serviceFoundation(config),
        ConfigViewModule.forRoot({ purpose: 'matcher-config-view' }),
        MatchingModule,
      ],
      providers: [{ provide: MATCHER_CONFIG, useValue: config }],
      exports: [MATCHER_CONFIG],
    };
  }
}
