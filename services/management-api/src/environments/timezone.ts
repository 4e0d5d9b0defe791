/** IANA zone names: Area/Location, or a bare name like UTC; never an offset such as +02:00. */
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/;

let known: Map<string, string> | undefined;

/** The runtime's zone names by lower case, to restore the usual spelling of "asia/jerusalem". */
function knownSpellings(): Map<string, string> {
  known ??= new Map(Intl.supportedValuesOf('timeZone').map((z) => [z.toLowerCase(), z]));
  return known;
}

/**
 * The name to store for an IANA time zone, or null if the runtime's time zone database does
 * not know it. The name is kept as given (Asia/Kolkata stays Asia/Kolkata, not ICU's
 * Asia/Calcutta), with its usual capitalisation restored when the runtime lists it. Other
 * services format local times with the same Intl API, so what passes here works there.
 */
export function canonicalTimeZone(name: string): string | null {
  if (!ZONE_NAME.test(name)) return null;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
  } catch {
    return null;
  }
  return knownSpellings().get(name.toLowerCase()) ?? name;
}
