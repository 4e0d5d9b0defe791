import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { ValidationError } from '@callhooks/contracts';
import { MalformedJsonError, UnsupportedMediaTypeError } from './api-error';

/** Room for a 64 KiB body template escaped in JSON, plus headers and the rest. */
export const JSON_BODY_LIMIT = '512kb';

/**
 * The deepest nesting a request body may have. The API's own bodies nest two levels (a
 * webhook's `headers`); the limit is generous but keeps every later recursive step (class
 * transformation, validation, error flattening) shallow and cheap.
 */
export const MAX_JSON_DEPTH = 16;

/** Keys that reach an object's prototype machinery: refused, never silently dropped. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * The most values (array items and object members) a request body may hold. The largest body
 * the API takes is a subscription list of 1,000 ids; 512 KiB of tiny arrays would be ~100,000
 * values, tens of milliseconds of JSON.parse and far more in the validation after it.
 */
export const MAX_JSON_VALUES = 5_000;

const COMMA = 0x2c;

/**
 * Why raw JSON is too deep or too big to parse, or null: one pass over the bytes, counting
 * brackets and commas outside strings, stopping at the first limit crossed. It runs before
 * JSON.parse, so a 400 KB body nested 200,000 levels costs a scan of its first bytes, not a
 * parse and a recursion. Works on UTF-8 (multi-byte sequences never contain ASCII bytes);
 * malformed JSON is left for the parser to refuse.
 */
export function jsonShapeProblem(raw: Buffer, maxDepth = MAX_JSON_DEPTH, maxValues = MAX_JSON_VALUES): string | null {
  let depth = 0;
  let values = 0;
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i];
    // skip a string to its closing quote (a native search: a 500 KB template costs well under a millisecond)
    if (b === QUOTE) i = closingQuote(raw, i + 1);
    else if (b === OPEN_BRACE || b === OPEN_BRACKET) {
      if (++depth > maxDepth) return `the request body nests deeper than ${maxDepth} levels`;
      if (++values > maxValues) return `the request body holds more than ${maxValues} values`;
    } else if (b === CLOSE_BRACE || b === CLOSE_BRACKET) depth--;
    else if (b === COMMA && ++values > maxValues) return `the request body holds more than ${maxValues} values`;
  }
  return null;
}

/** The index of the quote closing a string whose content starts at `from` (raw.length if none). */
function closingQuote(raw: Buffer, from: number): number {
  for (let q = raw.indexOf(QUOTE, from); q !== -1; q = raw.indexOf(QUOTE, q + 1)) {
    let backslashes = 0;
    while (raw[q - 1 - backslashes] === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return q;
  }
  return raw.length;
}

class BodyTooComplexError extends Error {
  readonly type = 'entity.too.complex';
}

class UnsupportedCharsetError extends Error {
  readonly type = 'charset.unsupported';
}

/**
 * body-parser's `verify` hook: sees the decoded bytes after the size limit and before
 * JSON.parse (jsonShapeProblem). JSON is UTF-8 (RFC 8259); other charsets are refused here, which also keeps
 * the byte scan above sound.
 */
export function checkRawJson(_req: IncomingMessage, _res: ServerResponse, raw: Buffer, encoding: string): void {
  if (encoding.toLowerCase() !== 'utf-8' && encoding.toLowerCase() !== 'utf8') throw new UnsupportedCharsetError(`unsupported charset "${encoding}"`);
  const problem = jsonShapeProblem(raw);
  if (problem) throw new BodyTooComplexError(problem);
}

/** The paths of every forbidden key in a parsed body (its depth is bounded by checkRawJson). */
export function forbiddenKeyPaths(value: unknown, path = ''): string[] {
  if (value === null || typeof value !== 'object') return [];
  const found: string[] = [];
  if (Array.isArray(value)) {
    value.forEach((item, i) => found.push(...forbiddenKeyPaths(item, `${path}[${i}]`)));
    return found;
  }
  for (const key of Object.keys(value)) {
    const at = path ? `${path}.${key}` : key;
    if (FORBIDDEN_KEYS.has(key)) found.push(at);
    else found.push(...forbiddenKeyPaths((value as Record<string, unknown>)[key], at));
  }
  return found;
}

/** Refuses bodies with `__proto__`, `constructor` or `prototype` keys, naming each. */
export function refuseForbiddenKeys(req: Request, _res: Response, next: NextFunction): void {
  const paths = forbiddenKeyPaths(req.body);
  if (paths.length === 0) return next();
  next(
    new ValidationError(
      `invalid request: ${paths.map((p) => `${p}: is not an allowed property name`).join('; ')}`,
      paths.map((field) => ({ field, message: 'is not an allowed property name' })),
    ),
  );
}

/**
 * body-parser's errors (http-errors with a `type`) as the API's own: bad JSON, a body too
 * deep, an unsupported charset or Content-Encoding, a broken compressed stream or length.
 * Anything else passes through to the exception filter as it is.
 */
export function translateBodyParserError(err: unknown, _req: Request, _res: Response, next: NextFunction): void {
  const { type, status, message } = (err ?? {}) as { type?: unknown; status?: unknown; message?: string };
  if (typeof status !== 'number' || !(err instanceof Error)) return next(err);
  switch (type) {
    case 'entity.too.large':
      return next(err);
    case 'entity.parse.failed':
      return next(new MalformedJsonError(`the request body is not valid JSON: ${message}`));
    case 'entity.too.complex':
      return next(new ValidationError(message ?? 'the request body is too deep or holds too many values', []));
    case 'charset.unsupported':
      return next(new UnsupportedMediaTypeError(`${message}: send UTF-8 JSON`));
    case 'encoding.unsupported':
      return next(new UnsupportedMediaTypeError(`${message}: send the body uncompressed, or with gzip, deflate or br`));
    default:
      // a broken compressed stream, a length that does not match, an aborted request
      if (status >= 400 && status < 500) return next(new MalformedJsonError(`the request body cannot be read: ${message}`));
      return next(err);
  }
}
