import { parseDateTime } from './date-time';

describe('parseDateTime (RFC 3339, as OpenAPI format date-time)', () => {
  it('reads every form RFC 3339 allows', () => {
    expect(parseDateTime('2026-12-05T07:51:12Z')?.toISOString()).toBe('2026-12-05T07:51:12.000Z');
    expect(parseDateTime('2026-12-05t07:51:12.123456z')?.toISOString()).toBe('2026-12-05T07:51:12.123Z');
    // an offset of any minutes and a year before 100 (a schemathesis draw the API refused)
    expect(parseDateTime('0090-06-26T06:49:09-04:38')?.toISOString()).toBe('0090-06-26T11:27:09.000Z');
    expect(parseDateTime('2016-12-31T23:59:60Z')?.toISOString()).toBe('2016-12-31T23:59:59.000Z');
  });

  it('refuses what is not a date-time', () => {
    for (const bad of ['', '2026-12-05', '2026-12-05 07:51:12Z', '2026-02-30T00:00:00Z', '2026-13-01T00:00:00Z', '2026-12-05T24:00:00Z', '2026-12-05T07:51:12', '2026-12-05T07:51:12+2400', 'now', 1764921072000, null]) {
      expect(parseDateTime(bad)).toBeNull();
    }
  });
});
