import ipaddr from 'ipaddr.js';

export const MAX_URL_LENGTH = 2048;

/** Host names that reach the host itself, the local network or a cloud metadata service. */
const INTERNAL_NAMES = new Set(['localhost', 'metadata', 'metadata.google.internal', 'instance-data']);
const INTERNAL_SUFFIXES = ['.localhost', '.local', '.localdomain', '.internal', '.intranet', '.lan', '.home.arpa'];

/**
 * Why a webhook URL is refused, or null when it is acceptable. At save time the check is on
 * the URL as written: the scheme, credentials, and host names or IP literals of private,
 * loopback, link-local, shared (CGNAT), multicast, reserved and metadata ranges (in any
 * spelling the URL parser accepts: 2130706433, 0x7f.1, [::ffff:127.0.0.1], …). A public
 * name that resolves to a private address is the dispatcher's to refuse, at connect time.
 * `allowPrivate` (MANAGEMENT_ALLOW_PRIVATE_TARGETS) lifts the address rules for tests and demos.
 */
export function urlProblem(raw: string, allowPrivate: boolean): string | null {
  if (raw.length > MAX_URL_LENGTH) return `must be at most ${MAX_URL_LENGTH} characters`;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a valid absolute URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return `must use http or https, not ${url.protocol.replace(/:$/, '')}`;
  if (url.username || url.password) return 'must not carry credentials; send them in a custom Authorization header';
  if (!url.hostname) return 'has no host';
  if (allowPrivate) return null;

  const host = url.hostname
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '')
    .toLowerCase();
  if (ipaddr.isValid(host)) {
    const range = publicRangeOf(ipaddr.parse(host));
    return range === 'unicast' ? null : `points at a ${describe(range)} address (${host}); only public addresses are allowed`;
  }
  if (INTERNAL_NAMES.has(host) || INTERNAL_SUFFIXES.some((s) => host.endsWith(s)))
    return `points at an internal host name (${host}); only public hosts are allowed`;
  if (!host.includes('.')) return `host "${host}" is not a fully qualified domain name`;
  return null;
}

/** The range of an address, looking through IPv4-mapped IPv6 (::ffff:a.b.c.d). */
function publicRangeOf(address: ipaddr.IPv4 | ipaddr.IPv6): string {
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) return (address as ipaddr.IPv6).toIPv4Address().range();
  return address.range();
}

function describe(range: string): string {
  switch (range) {
    case 'private':
    case 'uniqueLocal':
      return 'private';
    case 'loopback':
      return 'loopback';
    case 'linkLocal':
      return 'link-local (or cloud metadata)';
    case 'carrierGradeNat':
      return 'shared (carrier-grade NAT or cloud metadata)';
    case 'unspecified':
      return 'unspecified';
    case 'broadcast':
    case 'multicast':
      return range;
    default:
      return `non-public (${range})`;
  }
}
