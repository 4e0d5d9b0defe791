import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import type { Options as PinoHttpOptions } from 'pino-http';
import pino, { type DestinationStream, type LoggerOptions } from 'pino';
import type { LogFormat } from '@callhooks/config';
import { prettyLogStream } from './pretty-log-stream';

/**
 * Paths never written to logs: credentials, signing secrets, API keys. pino replaces
 * them with "[redacted]" before serialising, so a careless log call cannot leak them.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.secret',
  '*.secrets',
  '*.signing_secret',
  '*.api_key',
  '*.apiKey',
  '*.token',
  'headers.authorization',
  'headers["webhook-signature"]',
];

export function baseLoggerOptions(service: string, level: string): LoggerOptions {
  return {
    level,
    base: { service },
    messageKey: 'msg',
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
}

/** Where a logger writes: stdout as JSON, or through the pretty printer for a terminal. */
function destination(format: LogFormat): DestinationStream | undefined {
  return format === 'pretty' ? prettyLogStream() : undefined;
}

/** A plain pino logger for code outside Nest's container (CLIs, benchmarks, bootstrap errors). */
export function createLogger(service: string, level = 'info', format: LogFormat = 'json') {
  const stream = destination(format);
  return stream ? pino(baseLoggerOptions(service, level), stream) : pino(baseLoggerOptions(service, level));
}

/**
 * nestjs-pino settings: JSON logs (or pretty ones for a terminal), one line per HTTP request with a request id taken from
 * `X-Request-Id` (or made here) and echoed back in the response.
 */
export function nestLoggerParams(service: string, level: string, format: LogFormat = 'json'): Params {
  const options: PinoHttpOptions = {
    ...baseLoggerOptions(service, level),
    genReqId: (req: IncomingMessage, res: ServerResponse) => {
      const given = req.headers['x-request-id'];
      const id = typeof given === 'string' && /^[\w.-]{1,128}$/.test(given) ? given : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
    autoLogging: { ignore: (req) => ['/metrics', '/healthz', '/readyz'].includes(req.url ?? '') },
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: req.url }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
  const stream = destination(format);
  return { pinoHttp: stream ? [options, stream] : options };
}
