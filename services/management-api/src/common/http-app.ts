import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { startKafkaConsumers } from '@callhooks/kafka';
import { FrameworkLogger, httpServerSpans } from '@callhooks/observability';
import { allowedMethodsOf } from './allowed-methods';
import { ApiExceptionFilter } from './api-exception.filter';
import { setupOpenApi } from './openapi';
import { checkRawJson, JSON_BODY_LIMIT, refuseForbiddenKeys, translateBodyParserError } from './request-body';
import { createValidationPipe } from './validation';

/**
 * The management API as an HTTP application, configured the same way for main.ts, the
 * e2e tests and the benchmark: JSON body limit, the validation pipe, the one exception
 * filter, OpenAPI at /docs; initialised, with its Kafka consumers started (the delivery log's
 * joins in the background: the API serves without Kafka).
 */
export async function createHttpApp(module: DynamicModule): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, { bufferLogs: true, bodyParser: false });
  app.useLogger(new FrameworkLogger(app.get(Logger)));
  // Nest flushes buffered logs in listen(); in-process tests only init(), so flush here too
  app.flushLogs();
  configureHttpApp(app);
  await startKafkaConsumers(app);
  return app;
}

export function configureHttpApp(app: NestExpressApplication): void {
  // first, so a request's span covers its parsing too
  app.use(httpServerSpans());
  // size, charset and depth are checked on the raw bytes before JSON.parse (request-body.ts)
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT, verify: checkRawJson });
  app.use(translateBodyParserError);
  app.use(refuseForbiddenKeys);
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ApiExceptionFilter(allowedMethodsOf(app.getHttpAdapter().getInstance())));
  app.disable('x-powered-by');
  setupOpenApi(app);
}
