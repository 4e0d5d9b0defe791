import { type DynamicModule, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { ConfigError, startupLogFormat } from '@callhooks/config';
import { createLogger } from './logging/logger.options';

export interface BootstrapOptions {
  service: string;
  host: string;
  port: number;
  /** Extra set-up before listen (pipes, filters, OpenAPI). */
  configure?: (app: INestApplication) => void | Promise<void>;
}

/**
 * Starts a service: JSON logs from the first line, shutdown hooks so SIGTERM drains
 * consumers before exit, and one clear line on a failed start instead of a stack dump.
 */
export async function bootstrapService(module: Type | DynamicModule, options: BootstrapOptions): Promise<INestApplication> {
  const app = await NestFactory.create(module, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  await options.configure?.(app);
  await app.listen(options.port, options.host);
  app.get(Logger).log(`${options.service} listening on http://${options.host}:${options.port}`);
  return app;
}

/** Runs a service's main(), turning configuration errors and start-up failures into one readable exit. */
export function runMain(service: string, main: () => Promise<unknown>): void {
  main().catch((err: unknown) => {
    const log = createLogger(service, 'info', startupLogFormat());
    if (err instanceof ConfigError) {
      log.fatal({ problems: err.problems }, err.message);
    } else {
      log.fatal({ err }, `${service} failed to start: ${(err as Error)?.message ?? String(err)}`);
    }
    // give pino's stdout a tick to flush before exiting
    setImmediate(() => process.exit(1));
  });
}
