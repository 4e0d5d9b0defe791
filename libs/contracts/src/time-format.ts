/**
 * Time renderings of the call payload, shared by the enricher (which knows the call) and the
 * matcher (which knows the environment's time zone and localizes start_at / answer_at).
 */

const wallClockFormats = new Map<string, Intl.DateTimeFormat>();

function wallClockFormat(timeZone: string): Intl.DateTimeFormat {
  let format = wallClockFormats.get(timeZone);
  if (!format) {
    // hourCycle h23: midnight is "00", never the "24" some ICU versions give with hour12:false
    format = new Intl.DateTimeFormat('en-GB', { timeZone, hourCycle: 'h23', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    wallClockFormats.set(timeZone, format);
  }
  return format;
}

/** True when `timeZone` is an IANA zone this runtime knows (e.g. "Asia/Jerusalem", "UTC"). */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    wallClockFormat(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The local wall-clock time "HH:MM:SS" of an instant in an IANA time zone (daylight saving
 * included). Throws a RangeError for an unknown zone.
 */
export function wallClockTime(epochMs: number, timeZone = 'UTC'): string {
  // UTC needs no zone rules: spare the (slow) Intl formatter on the enricher's hot path
  if (timeZone === 'UTC') return new Date(epochMs).toISOString().slice(11, 19);
  const parts = wallClockFormat(timeZone).formatToParts(new Date(epochMs));
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '00';
  return `${get('hour')}:${get('minute')}:${get('second')}`;
}

/** ISO-8601 in UTC with milliseconds and an explicit "+00:00" offset: 2024-12-02T21:04:40.701+00:00. */
export function isoUtcMillis(epochMs: number): string {
  return new Date(epochMs).toISOString().replace(/Z$/, '+00:00');
}

/** A number of seconds as "HH:MM:SS" (hours grow past 24 rather than wrapping). */
export function durationClock(totalSeconds: number): string {
  const s = Math.max(0, Math.trunc(totalSeconds));
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}
