import { z } from 'zod';

/**
 * Environment variable parsers. Booleans accept only true/false/1/0/yes/no, so "false"
 * never turns into true (the trap of coercing any non-empty string).
 */
export const env = {
  string: () => z.string().trim().min(1),
  optionalString: () =>
    z
      .string()
      .trim()
      .optional()
      .transform((v) => (v === '' ? undefined : v)),
  int: (min = 0, max = Number.MAX_SAFE_INTEGER) => z.coerce.number().int().min(min).max(max),
  port: () => z.coerce.number().int().min(1).max(65535),
  bool: () => z.stringbool({ truthy: ['true', '1', 'yes'], falsy: ['false', '0', 'no'] }),
  url: () => z.url(),
  /** Unset or empty (a compose file's `${VAR:-}`): undefined; otherwise a URL. */
  optionalUrl: () => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.url().optional()),
  list: () =>
    z
      .string()
      .trim()
      .min(1)
      .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean)),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
};
