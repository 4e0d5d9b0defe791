import { Module, type DynamicModule } from '@nestjs/common';
import { serviceFoundation } from '@callhooks/kafka';
import { ENRICHER_CONFIG, type EnricherConfig } from './config/enricher.config';
import { EnrichmentModule } from './enrichment/enrichment.module';

@Module({})
export class AppModule {
  static register(config: EnricherConfig): DynamicModule {
    return {
      module: AppModule,
      global: true,
      imports: [
        ...serviceFoundation(config),
        EnrichmentModule,
      ],
      providers: [{ provide: ENRICHER_CONFIG, useValue: config }],
      exports: [ENRICHER_CONFIG],
    };
  }
}
