import 'reflect-metadata';
import { bootstrapService, runMain } from '@callhooks/observability';
import { AppModule } from './app.module';
import { loadManagementApiConfig } from './config/management-api.config';

runMain('management-api', async () => {
  const config = loadManagementApiConfig();
  await bootstrapService(AppModule.register(config), { service: config.service, ...config.http });
});
