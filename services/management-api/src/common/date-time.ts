import { ValidateBy, type ValidationOptions } from 'class-validator';

// RFC 3339's date-time, which is what OpenAPI's `format: date-time` means: a full date, a time with
// optional fractions, and Z or a numeric offset (any minutes), either case of T and Z.
const RFC3339_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-](\d{2}):(\d{2}))$/;

/** The instant of an RFC 3339 date-time, or null when the text is not one (leap seconds read as :59). */
export function parseDateTime(text: unknown): Date | null {
  if (typeof text !== 'string') return null;
  const m = RFC3339_DATE_TIME.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, , , oh, om] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > new Date(Date.UTC(Number(y), month, 0)).getUTCDate()) return null;
  if (Number(h) > 23 || Number(mi) > 59 || Number(s) > 60) return null;
  if (oh !== undefined && (Number(oh) > 23 || Number(om) > 59)) return null;
  // Date.parse reads the upper-case form; a leap second (:60) is read as the second before it
  const normalised = text.toUpperCase().replace(/:60(?=[.Z+-])/, ':59');
  const ms = Date.parse(normalised);
  return Number.isNaN(ms) ? null : new Date(ms);
}

/** The field is an RFC 3339 date-time (the OpenAPI document says `format: date-time`). */
export function IsDateTime(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy({ name: 'isDateTime', validator: { validate: (v) => parseDateTime(v) !== null, defaultMessage: () => 'must be an RFC 3339 date-time' } }, options);
}
