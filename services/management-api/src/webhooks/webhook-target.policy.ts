import { isIP } from 'node:net';
import { classifyAddress, describeRange } from '@callhooks/net';

export const MAX_URL_LENGTH = 2048;

/** Host names that reach the host itself, the local network or a cloud metadata service. */
const INTERNAL_NAMES = new Set(['localhost', 'metadata', 'metadata.google.internal', 'instance-data']);
const INTERNAL_SUFFIXES = ['.localhost', '.local', '.localdomain', '.internal', '.intranet', '.lan', '.home.arpa'];

/** What a URL must not contain as written: spaces and control characters (the URL parser would drop or encode them silently). */
const UNSAFE_URL_CHARACTERS = /[\u0000-\u0020\u007f]/;

/**
 * Why a webhook URL is refused, or null when it is acceptable. At save time (and in a
 * preview) the check is on the URL as written: no spaces or control characters, the scheme,
 * credentials, port, and host names or IP literals that are not globally routable (in any
 * spelling the URL parser accepts: 2130706433, 0x7f.1, [::ffff:127.0.0.1], [::127.0.0.1], …),
 * judged by the classifier the dispatcher uses at connect time (libs/net). A public name
 * that resolves to a private address is the dispatcher's to refuse, at connect time.
 * `allowPrivate` (MANAGEMENT_ALLOW_PRIVATE_TARGETS) lifts the private-range and host-name
 * rules for tests and demos; metadata and special addresses stay refused.
 */
export function urlProblem(raw: string, allowPrivate: boolean): string | null {
  if (raw.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a valid absolute URL';
  }
  if (UNSAFE_URL_CHARACTERS.test(raw)) return 'must not contain spaces or control characters (percent-encode them)';
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `must use http or https, not ${url.protocol.replace(/:$/, '')}`;
  if (url.username || url.password) return 'must not carry credentials; send them in a custom Authorization header';
  if (!url.hostname) return 'has no host';
  if (url.port === '0') return 'must not use port 0';

  const host = url.hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  if (isIP(host) !== 0) {
    const verdict = classifyAddress(host, allowPrivate);
    return verdict.allowed ? null : `points at a ${describeRange(verdict.range)} address (${host}); only globally routable addresses are allowed`;
  }
  if (allowPrivate) return null;
  if (INTERNAL_NAMES.has(host) || INTERNAL_SUFFIXES.some((s) => host.endsWith(s)))
    return `points at an internal host name (${host}); only public hosts are allowed`;
  if (!host.includes('.')) return `host "${host}" is not a fully qualified domain name`;
  return null;
}
