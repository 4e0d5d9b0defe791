/** Platform ids (customers, environments): letters, digits, dot, dash, underscore; no colon, which separates the parts of config keys. */
export const PLATFORM_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
export const PLATFORM_ID_MESSAGE = 'must be 1-64 letters, digits, dots, dashes or underscores, starting with a letter or digit';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return UUID.test(value);
}

/** A filter value that no stored id can match: control characters (U+0000 included) are refused by name. */
export const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]*$/;
export const NO_CONTROL_CHARACTERS_MESSAGE = 'must not contain control characters';
