import 'reflect-metadata';
import { startKafkaConsumers } from '@callhooks/kafka';
import { bootstrapService, runMain } from '@callhooks/observability';
import { AppModule } from './app.module';
import { loadDispatcherConfig } from './config/dispatcher.config';

runMain('dispatcher', async () => {
  const config = loadDispatcherConfig();
  await bootstrapService(AppModule.register(config), { service: config.service, ...config.http, shutdownTimeoutMs: config.shutdownTimeoutMs, configure: startKafkaConsumers });
});
