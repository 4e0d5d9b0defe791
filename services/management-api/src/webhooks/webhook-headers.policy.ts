import type { FieldProblem } from '@callhooks/contracts';

export const MAX_HEADERS = 20;
export const MAX_HEADER_NAME_LENGTH = 100;
export const MAX_HEADER_VALUE_LENGTH = 4096;

/** RFC 7230 token. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/**
 * What HTTP carries as written: visible ASCII, spaces and tabs. No CR, LF or other controls
 * (header injection), and nothing beyond ASCII: Node would send "€" or a lone surrogate as
 * some other byte, or cut the value, so the receiver would not see what the admin wrote.
 */
const FIELD_VALUE = /^[\t\x20-\x7e]*$/;
/** Receivers strip whitespace around a value (RFC 9110 5.5), so a value with it would arrive changed. */
const EDGE_WHITESPACE = /^[\t ]|[\t ]$/;
/** The value rules as one pattern, for the OpenAPI document: visible ASCII at both ends, spaces and tabs inside. */
export const HEADER_VALUE_PATTERN = '^[!-~]([\\t -~]*[!-~])?$';

/**
 * Headers the dispatcher sets itself (the Standard Webhooks signature headers, framing and
 * routing): a webhook may not override them. Authorization is allowed on purpose:
 * receivers often want a token.
 */
const RESERVED = new Set([
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
  'content-type',
  'content-length',
  'content-encoding',
  'host',
  'user-agent',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'forwarded',
  'proxy-authorization',
  'proxy-connection',
]);
const RESERVED_PREFIXES = ['x-forwarded-', 'proxy-'];

/** Problems with a webhook's custom headers (a map of name to value), each under `headers.<name>`. */
export function headerProblems(headers: unknown): FieldProblem[] {
  if (headers === null || typeof headers !== 'object' || Array.isArray(headers))
    return [{ field: 'headers', message: 'must be an object of header names to string values' }];
  const entries = Object.entries(headers as Record<string, unknown>);
  const problems: FieldProblem[] = [];
  if (entries.length > MAX_HEADERS) problems.push({ field: 'headers', message: `at most ${MAX_HEADERS} headers` });
  const seen = new Set<string>();
  for (const [name, value] of entries) {
    const field = `headers.${name}`;
    const lower = name.toLowerCase();
    if (!TOKEN.test(name)) problems.push({ field, message: "is not a valid header name (RFC 7230 token: letters, digits and !#$%&'*+.^_`|~-)" });
    else if (name.length > MAX_HEADER_NAME_LENGTH) problems.push({ field, message: `header name longer than ${MAX_HEADER_NAME_LENGTH} characters` });
    else if (RESERVED.has(lower) || RESERVED_PREFIXES.some((p) => lower.startsWith(p)))
      problems.push({ field, message: 'is set by the webhook sender and cannot be overridden' });
    else if (seen.has(lower)) problems.push({ field, message: 'is given twice (header names are case-insensitive)' });
    seen.add(lower);
    if (typeof value !== 'string') problems.push({ field, message: 'value must be a string' });
    else if (value.length === 0) problems.push({ field, message: 'value must not be empty' });
    else if (value.length > MAX_HEADER_VALUE_LENGTH) problems.push({ field, message: `value longer than ${MAX_HEADER_VALUE_LENGTH} characters` });
    else if (/[\x00-\x08\x0a-\x1f\x7f]/.test(value)) problems.push({ field, message: 'value must not contain line breaks or control characters' });
    else if (!FIELD_VALUE.test(value))
      problems.push({ field, message: 'value must be visible ASCII characters, spaces and tabs: HTTP cannot carry other characters as written' });
    else if (EDGE_WHITESPACE.test(value)) problems.push({ field, message: 'value must not start or end with whitespace (HTTP strips it)' });
  }
  return problems;
}
