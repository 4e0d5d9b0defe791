import type { DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { FrameworkLogger, httpServerSpans } from '@callhooks/observability';
import type { NextFunction, Request, Response } from 'express';
import { MalformedJsonError } from './api-error';
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
  app.useLogger(new FrameworkLogger(app.get(Logger)));
  // Nest flushes buffered logs in listen(); in-process tests only init(), so flush here too
  app.flushLogs();
  configureHttpApp(app);
  return app;
}

export function configureHttpApp(app: NestExpressApplication): void {
  // first, so a request's span covers its parsing too
  app.use(httpServerSpans());
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT });
  // Nest turns body-parser's SyntaxError into a bare 400; name it here so the filter gives it its own code
  app.use((err: unknown, _req: Request, _res: Response, next: NextFunction) => {
    next(
      (err as { type?: string })?.type === 'entity.parse.failed'
        ? new MalformedJsonError(`the request body is not valid JSON: ${(err as Error).message}`)
        : err,
    );
  });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ApiExceptionFilter());
  app.disable('x-powered-by');
  setupOpenApi(app);
}
