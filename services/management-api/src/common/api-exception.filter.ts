import { ArgumentsHost, Catch, HttpException, HttpStatus, Logger, NotFoundException, type ExceptionFilter } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { randomUUID } from 'node:crypto';
import { ConflictError, DomainError, NotFoundError, RetryableError, ValidationError, type FieldProblem } from '@callhooks/contracts';
import { redactUrl } from '@callhooks/observability';
import { ERROR_CODES, MalformedJsonError, UnauthorizedError, UnsupportedMediaTypeError, type ApiErrorBody, type ErrorCode } from './api-error';
import { isDuplicateKey } from '../database/duplicate-key';
import { isMongoUnavailable } from '../database/mongo-errors';

interface Mapped {
  status: number;
  code: string;
  message: string;
  fields: FieldProblem[];
}

/**
 * The one place errors become HTTP answers. Domain errors keep their code and fields;
 * framework errors (unknown route, rate limit, body parser) get the same shape; anything
 * else is a 500 `internal` whose details go to the log only, never to the client.
 */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiExceptionFilter');

  /** `allowedMethods(path)`: the methods routed on a path (allowed-methods.ts), to answer 405 rather than 404. */
  constructor(private readonly allowedMethods: (path: string) => string[] = () => []) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest<Request>();
    const res = http.getResponse<Response>();
    // /readyz answers 503 with the health check's own details (which dependency is down): an
    // operator's body, not an API error, so it passes through as terminus wrote it
    if (exception instanceof HttpException && exception.getStatus() === HttpStatus.SERVICE_UNAVAILABLE && req.path === '/readyz') {
      if (!res.headersSent) res.status(HttpStatus.SERVICE_UNAVAILABLE).json(exception.getResponse());
      return;
    }
    const mapped = this.methodNotAllowed(exception, req, res) ?? this.map(exception);
    if (mapped.status >= 500) {
      this.logger.error(
        { err: exception, method: req.method, url: redactUrl(req.originalUrl) },
        `request failed: ${(exception as Error)?.message ?? String(exception)}`,
      );
    }
    if (res.headersSent) return;
    const body: ApiErrorBody = {
      error: { code: mapped.code, message: mapped.message, fields: mapped.fields },
      request_id: requestIdOf(req, res),
    };
    res.status(mapped.status).json(body);
  }

  private map(exception: unknown): Mapped {
    if (exception instanceof ValidationError) return { status: 400, code: exception.code, message: exception.message, fields: exception.fields };
    if (exception instanceof NotFoundError) return this.of('not_found', exception.message, fieldsOf(exception));
    if (exception instanceof ConflictError) return this.of('conflict', exception.message, fieldsOf(exception));
    if (exception instanceof UnauthorizedError) return this.of('unauthorized', exception.message);
    if (exception instanceof MalformedJsonError) return this.of('malformed_json', exception.message);
    if (exception instanceof UnsupportedMediaTypeError) return this.of('unsupported_media_type', exception.message);
    if (exception instanceof RetryableError) return this.of('unavailable', exception.message);
    if (exception instanceof DomainError) return this.of('internal', 'internal error');
    if (exception instanceof ThrottlerException) return this.of('rate_limited', 'too many requests: retry after the Retry-After delay');
    if (exception instanceof HttpException) return this.fromHttpException(exception);
    const bodyParserError = exception as { type?: string; status?: number };
    if (bodyParserError?.type === 'entity.too.large') return this.of('payload_too_large', 'the request body is too large');
    if (isDuplicateKey(exception)) return this.of('conflict', 'the resource already exists');
    if (isMongoUnavailable(exception)) return this.of('unavailable', 'the database is temporarily unavailable');
    return this.of('internal', 'internal error');
  }

  /** No route matched the request, but the path exists with other methods (TRACE, OPTIONS, PUT on a GET route…). */
  private methodNotAllowed(exception: unknown, req: Request, res: Response): Mapped | null {
    if (!(exception instanceof NotFoundException)) return null;
    const allowed = this.allowedMethods(req.path);
    // a route of this method that answered 404 itself is a real 404
    if (allowed.length === 0 || allowed.includes(req.method)) return null;
    if (!res.headersSent) res.setHeader('Allow', allowed.join(', '));
    return this.of('method_not_allowed', `${req.method} is not allowed on ${req.path}; allowed: ${allowed.join(', ')}`);
  }

  private fromHttpException(exception: HttpException): Mapped {
    const status = exception.getStatus();
    switch (status) {
      case HttpStatus.NOT_FOUND:
        return this.of('not_found', exception.message);
      case HttpStatus.UNAUTHORIZED:
        return this.of('unauthorized', 'missing or invalid credentials');
      case HttpStatus.PAYLOAD_TOO_LARGE:
        return this.of('payload_too_large', 'the request body is too large');
      case HttpStatus.TOO_MANY_REQUESTS:
        return this.of('rate_limited', 'too many requests: retry after the Retry-After delay');
      default:
        if (status >= 500) return this.of('internal', 'internal error');
        return { status, code: 'validation_failed', message: exception.message, fields: [] };
    }
  }

  private of(code: ErrorCode, message: string, fields: FieldProblem[] = []): Mapped {
    return { status: ERROR_CODES[code].status, code, message, fields };
  }
}

/** Domain errors other than ValidationError may name fields in `details.fields` (e.g. the unknown webhook ids of a subscription). */
function fieldsOf(err: DomainError): FieldProblem[] {
  const fields = err.details.fields;
  return Array.isArray(fields) ? (fields as FieldProblem[]) : [];
}

function requestIdOf(req: Request, res: Response): string {
  // pino-http sets req.id (and the header) for every request that reached the logger middleware
  const id: unknown = (req as { id?: unknown }).id;
  if (typeof id === 'string') return id;
  const header = res.getHeader('x-request-id');
  if (typeof header === 'string') return header;
  // failed before the logging middleware ran (body parser): give the answer an id of its own
  const generated = randomUUID();
  if (!res.headersSent) res.setHeader('X-Request-Id', generated);
  return generated;
}
