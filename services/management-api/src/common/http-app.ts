import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { ApiExceptionFilter } from './api-exception.filter';
import { setupOpenApi } from './openapi';
import { createValidationPipe } from './validation';

/** Room for a 64 KiB body template escaped in JSON, plus headers and the rest. */
const JSON_BODY_LIMIT = '512kb';

/**
 * The management API as an HTTP application, configured the same way for main.ts, the
 * e2e tests and the benchmark: JSON body limit, the validation pipe, the one exception
 * filter, OpenAPI at /docs.
 */
export async function createHttpApp(module: DynamicModule): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, { bufferLogs: true, bodyParser: false });
  app.useLogger(app.get(Logger));
  configureHttpApp(app);
  return app;
}

export function configureHttpApp(app: NestExpressApplication): void {
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ApiExceptionFilter());
  app.disable('x-powered-by');
  setupOpenApi(app);
}
