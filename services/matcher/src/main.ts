import 'reflect-metadata';
import { startKafkaConsumers } from '@callhooks/kafka';
import { bootstrapService, runMain } from '@callhooks/observability';
import { AppModule } from './app.module';
import { loadMatcherConfig } from './config/matcher.config';

runMain('matcher', async () => {
  const config = loadMatcherConfig();
  await bootstrapService(AppModule.register(config), { service: config.service, ...config.http, shutdownTimeoutMs: config.shutdownTimeoutMs, configure: startKafkaConsumers });
});
