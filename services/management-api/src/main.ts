import 'reflect-metadata';
import { Logger } from 'nestjs-pino';
import { exitAfterShutdownTimeout, runMain } from '@callhooks/observability';
import { AppModule } from './app.module';
import { createHttpApp } from './common/http-app';
import { loadManagementApiConfig } from './config/management-api.config';

runMain('management-api', async () => {
  const config = loadManagementApiConfig();
  const app = await createHttpApp(AppModule.register(config));
  // SIGTERM: stop taking requests, let the publisher finish its batch, close Kafka and MongoDB
  app.enableShutdownHooks();
  exitAfterShutdownTimeout(config.service, config.shutdownTimeoutMs);
  await app.listen(config.http.port, config.http.host);
  app.get(Logger).log(`${config.service} listening on http://${config.http.host}:${config.http.port}`);
});
