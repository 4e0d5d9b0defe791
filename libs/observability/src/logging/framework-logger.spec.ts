import type { LoggerService } from '@nestjs/common';
import { FrameworkLogger } from './framework-logger';

describe('FrameworkLogger', () => {
  it("puts Nest's wiring lines at debug and keeps the others", () => {
    const calls: Array<[string, unknown[]]> = [];
    const record = (level: string) => (...args: unknown[]) => void calls.push([level, args]);
    const inner: LoggerService = { log: record('log'), error: record('error'), warn: record('warn'), debug: record('debug'), verbose: record('verbose') };
    const logger = new FrameworkLogger(inner);
    logger.log('AppModule dependencies initialized', 'InstanceLoader');
    logger.log('Mapped {/metrics, GET} route', 'RouterExplorer');
    logger.log('Nest application successfully started', 'NestApplication');
    logger.warn('slow', 'Something');
    logger.fatal('down', 'Something');
    expect(calls).toEqual([
      ['debug', ['AppModule dependencies initialized', 'InstanceLoader']],
      ['debug', ['Mapped {/metrics, GET} route', 'RouterExplorer']],
      ['log', ['Nest application successfully started', 'NestApplication']],
      ['warn', ['slow', 'Something']],
      ['error', ['down', 'Something']],
    ]);
  });
});
