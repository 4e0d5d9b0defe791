import 'reflect-metadata';
import { startKafkaConsumers } from '@callhooks/kafka';
import { bootstrapService, runMain } from '@callhooks/observability';
import { AppModule } from './app.module';
import { loadEnricherConfig } from './config/enricher.config';

runMain('enricher', async () => {
  const config = loadEnricherConfig();
  await bootstrapService(AppModule.register(config), { service: config.service, ...config.http, shutdownTimeoutMs: config.shutdownTimeoutMs, configure: startKafkaConsumers });
});
