import { type DynamicModule, type INestApplication, type Type } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { ConfigError, startupLogFormat } from '@callhooks/config';
import { FrameworkLogger } from './logging/framework-logger';
import { createLogger } from './logging/logger.options';

export interface BootstrapOptions {
  service: string;
  host: string;
  port: number;
  /** How long a graceful shutdown may take before the process exits anyway (SHUTDOWN_TIMEOUT_MS). */
  shutdownTimeoutMs: number;
  /** Extra set-up before listen (pipes, filters, OpenAPI). */
  configure?: (app: INestApplication) => void | Promise<void>;
}

/**
 * Starts a service: JSON logs from the first line, shutdown hooks so SIGTERM drains
 * consumers before exit, and one clear line on a failed start instead of a stack dump.
 */
export async function bootstrapService(module: Type | DynamicModule, options: BootstrapOptions): Promise<INestApplication> {
  const app = await NestFactory.create(module, { bufferLogs: true });
  app.useLogger(new FrameworkLogger(app.get(Logger)));
  app.enableShutdownHooks();
  exitAfterShutdownTimeout(options.service, options.shutdownTimeoutMs);
  await options.configure?.(app);
  await app.listen(options.port, options.host);
  app.get(Logger).log(`${options.service} listening on http://${options.host}:${options.port}`);
  return app;
}

/**
 * Bounds the graceful shutdown: from the first SIGTERM or SIGINT, the process exits (code 1,
 * with a line saying so) once the timeout has passed, whatever the drain still waits for. A
 * second signal changes nothing: Nest ignores it while it shuts down.
 */
export function exitAfterShutdownTimeout(service: string, timeoutMs: number): void {
  const arm = (signal: NodeJS.Signals) => {
    process.removeListener('SIGTERM', arm).removeListener('SIGINT', arm);
    setTimeout(() => {
      createLogger(service, 'info', startupLogFormat()).error({ signal, timeoutMs }, `${service}: graceful shutdown took longer than SHUTDOWN_TIMEOUT_MS, exiting`);
      setImmediate(() => process.exit(1));
    }, timeoutMs).unref();
  };
  process.once('SIGTERM', arm).once('SIGINT', arm);
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
