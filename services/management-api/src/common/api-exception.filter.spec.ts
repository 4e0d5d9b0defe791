import { BadRequestException, Logger, NotFoundException, type ArgumentsHost } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import { ConflictError, NonRetryableError, NotFoundError, RetryableError, ValidationError } from '@callhooks/contracts';
import { MalformedJsonError, UnauthorizedError, type ApiErrorBody } from './api-error';
import { ApiExceptionFilter } from './api-exception.filter';

function answer(exception: unknown, requestId = 'req-1'): { status: number; body: ApiErrorBody } {
  const out = { status: 0, body: undefined as unknown as ApiErrorBody };
  const headers = new Map<string, string>([['x-request-id', requestId]]);
  const res = {
    headersSent: false,
    getHeader: (name: string) => headers.get(name.toLowerCase()),
    setHeader: (name: string, value: string) => headers.set(name.toLowerCase(), value),
    status(code: number) {
      out.status = code;
      return this;
    },
    json(body: ApiErrorBody) {
      out.body = body;
    },
  };
  const req = { id: requestId, method: 'GET', originalUrl: '/x' };
  const host = { switchToHttp: () => ({ getRequest: () => req, getResponse: () => res }) } as unknown as ArgumentsHost;
  new ApiExceptionFilter().catch(exception, host);
  return out;
}

beforeAll(() => Logger.overrideLogger(false));

describe('ApiExceptionFilter', () => {
  it('keeps the code and fields of a validation error', () => {
    const { status, body } = answer(new ValidationError('invalid webhook', [{ field: 'url', message: 'bad' }]));
    expect(status).toBe(400);
    expect(body).toEqual({ error: { code: 'validation_failed', message: 'invalid webhook', fields: [{ field: 'url', message: 'bad' }] }, request_id: 'req-1' });
  });

  it.each([
    [new NotFoundError('webhook w not found'), 404, 'not_found'],
    [new NotFoundError('webhooks not found: a', { fields: [{ field: 'webhook_ids[0]', message: 'no webhook a' }] }), 404, 'not_found'],
    [new ConflictError('taken'), 409, 'conflict'],
    [new UnauthorizedError('no key'), 401, 'unauthorized'],
    [new MalformedJsonError('not JSON'), 400, 'malformed_json'],
    [new RetryableError('later'), 503, 'unavailable'],
    [new ThrottlerException(), 429, 'rate_limited'],
    [new NotFoundException('Cannot GET /nope'), 404, 'not_found'],
    [new BadRequestException('Failed to decode param'), 400, 'validation_failed'],
    [Object.assign(new Error('E11000 duplicate key'), { code: 11000 }), 409, 'conflict'],
    [Object.assign(new Error('connection refused'), { name: 'MongoServerSelectionError' }), 503, 'unavailable'],
    [Object.assign(new Error('Operation `webhooks.findOne()` buffering timed out after 10000ms'), { name: 'MongooseError' }), 503, 'unavailable'],
    [Object.assign(new Error('too big'), { type: 'entity.too.large', status: 413 }), 413, 'payload_too_large'],
  ])('maps %p to %i %s', (exception, status, code) => {
    const r = answer(exception);
    expect(r.status).toBe(status);
    expect(r.body.error.code).toBe(code);
    expect(r.body.request_id).toBe('req-1');
  });

  it('names the fields of a not-found subscription', () => {
    const r = answer(new NotFoundError('webhooks not found: a', { fields: [{ field: 'webhook_ids[0]', message: 'no webhook a' }] }));
    expect(r.body.error.fields).toEqual([{ field: 'webhook_ids[0]', message: 'no webhook a' }]);
  });

  it('answers anything unexpected with a bare 500 that leaks nothing', () => {
    for (const exception of [
      new TypeError("Cannot read properties of undefined (reading 'secrets')"),
      new NonRetryableError('poison at /srv/app.js:12'),
      'a string thrown',
    ]) {
      const r = answer(exception);
      expect(r.status).toBe(500);
      expect(r.body.error).toEqual({ code: 'internal', message: 'internal error', fields: [] });
    }
  });
});
