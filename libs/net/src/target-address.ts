import ipaddr from 'ipaddr.js';

export type AddressVerdict = { allowed: true; range: string } | { allowed: false; range: string };

/** Cloud metadata endpoints: never a target, whatever the configuration says. */
const METADATA_ADDRESSES = new Set(['169.254.169.254', 'fd00:ec2::254', '100.100.100.200', '169.254.170.2']);

/** Non-global ranges that a deployment may open for local targets (`*_ALLOW_PRIVATE_TARGETS`: tests, the demo). */
const PRIVATE_RANGES = new Set(['private', 'loopback', 'linkLocal', 'uniqueLocal', 'carrierGradeNat', 'deprecatedSiteLocal']);

/**
 * ipaddr.js names for blocks that the IANA special-purpose registries mark globally reachable
 * (AS112 and AMT anycast, ORCHIDv2, drone remote id): ordinary public targets.
 */
const GLOBAL_RANGES = new Set(['unicast', 'as112', 'amt', 'as112v6', 'orchid2', 'droneRemoteIdProtocolEntityTags']);

/** IPv6 global unicast (2000::/3): everything else in IPv6 is not routable on the internet. */
const IPV6_GLOBAL_UNICAST = ipaddr.parseCIDR('2000::/3');

/**
 * Classifies an IP address as a webhook target: the one rule of the management API (at save
 * time, for IP literals in a URL) and the dispatcher (at connect time, for every resolved
 * address). Only globally routable addresses are allowed; private, loopback, link-local,
 * unique-local and CGNAT ones also when `allowPrivate`. Metadata endpoints, unspecified,
 * broadcast, multicast, documentation, benchmarking, reserved and the IPv6 transition forms
 * (IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`, 6to4, Teredo, NAT64, which embed
 * an IPv4 address a stack may connect to) are never allowed; an embedded private IPv4 address
 * is judged as that address, so `::ffff:127.0.0.1` is loopback.
 */
export function classifyAddress(address: string, allowPrivate: boolean): AddressVerdict {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address.replace(/^\[|\]$/g, ''));
  } catch {
    return { allowed: false, range: 'unparsable' };
  }
  if (parsed instanceof ipaddr.IPv6) {
    const embedded = embeddedIPv4(parsed);
    if (embedded) {
      const inner = classifyParsed(embedded.address, allowPrivate);
      // a public IPv4 address in a transition form is still not a global IPv6 target
      return inner.range === 'unicast' ? { allowed: false, range: embedded.form } : inner;
    }
  }
  return classifyParsed(parsed, allowPrivate);
}

function classifyParsed(parsed: ipaddr.IPv4 | ipaddr.IPv6, allowPrivate: boolean): AddressVerdict {
  if (METADATA_ADDRESSES.has(canonical(parsed))) return { allowed: false, range: 'metadata' };
  const range = rangeOf(parsed);
  if (GLOBAL_RANGES.has(range)) return { allowed: true, range };
  if (PRIVATE_RANGES.has(range)) return { allowed: allowPrivate, range };
  return { allowed: false, range };
}

function rangeOf(parsed: ipaddr.IPv4 | ipaddr.IPv6): string {
  const range = parsed.range();
  if (parsed instanceof ipaddr.IPv6 && GLOBAL_RANGES.has(range) && !parsed.match(IPV6_GLOBAL_UNICAST)) return 'reserved';
  return range;
}

/** The IPv4 address inside an IPv4-mapped (::ffff:0:0/96) or IPv4-compatible (::/96, deprecated) IPv6 address. */
function embeddedIPv4(address: ipaddr.IPv6): { address: ipaddr.IPv4; form: string } | null {
  const p = address.parts;
  if (p[0] !== 0 || p[1] !== 0 || p[2] !== 0 || p[3] !== 0 || p[4] !== 0) return null;
  const v4 = () => new ipaddr.IPv4([p[6] >> 8, p[6] & 0xff, p[7] >> 8, p[7] & 0xff]);
  if (p[5] === 0xffff) return { address: v4(), form: 'ipv4Mapped' };
  // :: and ::1 are the IPv6 unspecified and loopback addresses, not IPv4-compatible ones
  if (p[5] === 0 && (p[6] !== 0 || p[7] > 1)) return { address: v4(), form: 'ipv4Compatible' };
  return null;
}

function canonical(parsed: ipaddr.IPv4 | ipaddr.IPv6): string {
  return parsed instanceof ipaddr.IPv6 ? parsed.toString() : parsed.toNormalizedString();
}

/** A short human description of a refused range, for error messages. */
export function describeRange(range: string): string {
  switch (range) {
    case 'private':
    case 'uniqueLocal':
    case 'deprecatedSiteLocal':
      return 'private';
    case 'loopback':
      return 'loopback';
    case 'linkLocal':
      return 'link-local';
    case 'carrierGradeNat':
      return 'shared (carrier-grade NAT)';
    case 'metadata':
      return 'cloud metadata';
    case 'ipv4Mapped':
    case 'ipv4Compatible':
    case '6to4':
    case 'teredo':
    case 'rfc6052':
    case 'rfc6145':
      return `IPv6 transition (${range})`;
    case 'unspecified':
    case 'broadcast':
    case 'multicast':
      return range;
    default:
      return `non-public (${range})`;
  }
}
