import { DomainError, type FieldProblem } from '@callhooks/contracts';

/** The one error shape of the API: `{"error": {"code", "message", "fields"}, "request_id"}`. */
export interface ApiErrorBody {
  error: { code: string; message: string; fields: FieldProblem[] };
  request_id: string;
}

/**
 * Every code the API answers with, its HTTP status and when it happens. Clients branch on
 * the code (stable), not on the message (for humans). API.md lists the same table.
 */
export const ERROR_CODES = {
  validation_failed: { status: 400, meaning: 'The request has bad input: the fields say which, and why.' },
  malformed_json: { status: 400, meaning: 'The request body is not valid JSON, or cannot be read (a broken compressed stream, a wrong length).' },
  unauthorized: { status: 401, meaning: 'The bearer credential is missing, unknown or revoked.' },
  not_found: { status: 404, meaning: 'No such resource for this customer (unknown ids and other customers\u2019 ids alike), or no such route.' },
  method_not_allowed: { status: 405, meaning: 'The path exists but not with this method: the Allow header lists those it has.' },
  conflict: { status: 409, meaning: 'The resource already exists (e.g. a customer id taken).' },
  payload_too_large: { status: 413, meaning: 'The request body is larger than the API accepts.' },
  unsupported_media_type: { status: 415, meaning: 'The body is not UTF-8 JSON, or its Content-Encoding is not one of identity, gzip, deflate, br.' },
  rate_limited: { status: 429, meaning: 'Too many requests for this API key, or too many failed sign-ins from this client address: wait Retry-After seconds.' },
  internal: { status: 500, meaning: 'An unexpected failure; the request id identifies it in the logs.' },
  unavailable: { status: 503, meaning: 'A dependency (MongoDB) is temporarily unavailable: retry later.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Missing, unknown or revoked credentials. */
export class UnauthorizedError extends DomainError {
  readonly code = 'unauthorized';
}

/** The request body is not JSON (body-parser's entity.parse.failed). */
export class MalformedJsonError extends DomainError {
  readonly code = 'malformed_json';
}

/** The body's charset or Content-Encoding is not one the API reads (body-parser's 415s). */
export class UnsupportedMediaTypeError extends DomainError {
  readonly code = 'unsupported_media_type';
}
