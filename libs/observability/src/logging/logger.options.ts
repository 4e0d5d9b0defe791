import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RequestMethod } from '@nestjs/common';
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

/** Query parameters whose values are credentials, whatever a client put in them. */
const CREDENTIAL_PARAMS = /^(access_token|token|api[_-]?key|key|secret|password|auth|authorization)$/i;
/** A customer API key anywhere in a URL. */
const API_KEY_IN_TEXT = /chk_[A-Za-z0-9_-]+/g;

/**
 * A request URL fit for the logs: credential query parameters (`?access_token=…`, `?api_key=…`)
 * and anything shaped like an API key are replaced by "[redacted]". Clients should send keys
 * in the Authorization header; one that puts it in the URL must not leak it into the logs.
 */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const path = (q < 0 ? url : url.slice(0, q)).replace(API_KEY_IN_TEXT, '[redacted]');
  if (q < 0) return path;
  const query = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair.replace(API_KEY_IN_TEXT, '[redacted]');
      let name = pair.slice(0, eq);
      try {
        name = decodeURIComponent(name);
      } catch {
        // keep the name as sent
      }
      return CREDENTIAL_PARAMS.test(name) ? `${pair.slice(0, eq)}=[redacted]` : pair.replace(API_KEY_IN_TEXT, '[redacted]');
    })
    .join('&');
  return `${path}?${query}`;
}

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

/** The routes of the operators' probes and scrapes, on every service (their access lines are not logged either). */
export const OPS_ROUTES = ['metrics', 'healthz', 'readyz'];

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
    autoLogging: { ignore: (req) => OPS_ROUTES.some((route) => req.url === `/${route}`) },
    serializers: {
      req: (req: { id: string; method: string; url: string }) => ({ id: req.id, method: req.method, url: redactUrl(req.url) }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
  };
  const stream = destination(format);
  // Not for the probes and scrapes: nestjs-pino runs each request it logs in an AsyncLocalStorage,
  // and the first one turns on a promise hook for the rest of the process. In the pipeline services,
  // which serve nothing else, that hook was 3-4% of the dispatcher's CPU at saturation (cpu profile).
  return { pinoHttp: stream ? [options, stream] : options, exclude: OPS_ROUTES.map((path) => ({ path, method: RequestMethod.ALL })) };
}
