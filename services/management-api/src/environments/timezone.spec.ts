import { canonicalTimeZone } from './timezone';

describe('canonicalTimeZone', () => {
  it.each([
    ['Asia/Jerusalem', 'Asia/Jerusalem'],
    ['asia/jerusalem', 'Asia/Jerusalem'],
    ['UTC', 'UTC'],
    ['America/Argentina/Buenos_Aires', 'America/Argentina/Buenos_Aires'],
    ['Asia/Kolkata', 'Asia/Kolkata'],
    ['Europe/London', 'Europe/London'],
  ])('accepts %s as %s', (given, canonical) => {
    expect(canonicalTimeZone(given)).toBe(canonical);
  });

  it.each(['Mars/Olympus_Mons', 'Asia/Nowhere', '+02:00', 'GMT+2 ', '', 'Europe/../etc/passwd', 'Asia/Jerusalem; drop'])('refuses %j', (given) => {
    expect(canonicalTimeZone(given)).toBeNull();
  });
});
