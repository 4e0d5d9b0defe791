import { durationClock, isKnownTimeZone, isoUtcMillis, wallClockTime } from './time-format';

describe('wallClockTime', () => {
  it('renders UTC by default', () => {
    expect(wallClockTime(Date.UTC(2024, 11, 2, 21, 4, 40, 701))).toBe('21:04:40');
    expect(wallClockTime(Date.UTC(2024, 11, 2, 0, 0, 0))).toBe('00:00:00');
  });

  it('renders local time in a non-UTC zone, winter (UTC+2) and summer (UTC+3)', () => {
    // the spec's example: 21:04:40 UTC on 2 Dec 2024 is 23:04:40 in Israel
    expect(wallClockTime(Date.UTC(2024, 11, 2, 21, 4, 40, 701), 'Asia/Jerusalem')).toBe('23:04:40');
    expect(wallClockTime(Date.UTC(2024, 6, 1, 9, 0, 5), 'Asia/Jerusalem')).toBe('12:00:05');
  });

  it('follows the daylight saving switch of Asia/Jerusalem (Friday 29 March 2024, 02:00 -> 03:00)', () => {
    // 23:59:59 UTC on the 28th is 01:59:59 local (UTC+2); one second later the clocks jump
    expect(wallClockTime(Date.UTC(2024, 2, 28, 23, 59, 59), 'Asia/Jerusalem')).toBe('01:59:59');
    expect(wallClockTime(Date.UTC(2024, 2, 29, 0, 0, 0), 'Asia/Jerusalem')).toBe('03:00:00');
    // and back on 27 October 2024: 02:00 local (UTC+3) becomes 01:00 (UTC+2), so 01:30 happens twice
    expect(wallClockTime(Date.UTC(2024, 9, 26, 22, 30, 0), 'Asia/Jerusalem')).toBe('01:30:00');
    expect(wallClockTime(Date.UTC(2024, 9, 26, 23, 30, 0), 'Asia/Jerusalem')).toBe('01:30:00');
  });

  it('midnight is 00, not 24', () => {
    expect(wallClockTime(Date.UTC(2024, 0, 1, 22, 0, 0), 'Asia/Jerusalem')).toBe('00:00:00');
  });

  it('refuses unknown zones', () => {
    expect(() => wallClockTime(0, 'Mars/Olympus')).toThrow(RangeError);
    expect(isKnownTimeZone('Mars/Olympus')).toBe(false);
    expect(isKnownTimeZone('America/New_York')).toBe(true);
  });
});

describe('isoUtcMillis', () => {
  it('gives milliseconds and a +00:00 offset', () => {
    expect(isoUtcMillis(Date.UTC(2024, 11, 2, 21, 4, 40, 701))).toBe('2024-12-02T21:04:40.701+00:00');
    expect(isoUtcMillis(Date.UTC(2024, 0, 1))).toBe('2024-01-01T00:00:00.000+00:00');
  });
});

describe('durationClock', () => {
  it('pads hours, minutes, seconds', () => {
    expect(durationClock(0)).toBe('00:00:00');
    expect(durationClock(417)).toBe('00:06:57');
    expect(durationClock(341)).toBe('00:05:41');
    expect(durationClock(3600 * 26 + 61)).toBe('26:01:01');
  });
});
