import fc from 'fast-check';
import { enumProblem, enumSymbols, idProblem, timestampProblem } from './contract-bounds';

const bounds = { maxClockSkewMs: 60_000, maxRecordAgeMs: 86_400_000 };
const now = Date.UTC(2026, 5, 1);

describe('contract bounds', () => {
  it('bounds timestamps to the window around now, the past optionally', () => {
    expect(timestampProblem('t', now, bounds, { now })).toBeNull();
    expect(timestampProblem('t', now + 60_000, bounds, { now })).toBeNull();
    expect(timestampProblem('t', now + 60_001, bounds, { now })).toMatch(/in the future/);
    expect(timestampProblem('t', now - 86_400_001, bounds, { now })).toMatch(/in the past/);
    expect(timestampProblem('t', now - 86_400_001, bounds, { now, past: false })).toBeNull();
    // seconds written as milliseconds
    expect(timestampProblem('t', Math.floor(now / 1000), bounds, { now })).toMatch(/1970-01-21T.* is more than 86400000 ms in the past/);
    expect(timestampProblem('t', 1.5, bounds, { now })).toBe('t 1.5 is not an epoch in milliseconds');
  });

  it('reads enum symbols from the .avsc, nested and nullable fields included', () => {
    expect(enumSymbols('call-leg', 'leg_role')).toEqual(['CALLER', 'CALLEE']);
    expect(enumSymbols('webhook-config', 'webhook.method')).toEqual(['GET', 'POST']);
    expect(enumProblem('call-leg', 'kind', 'LEG_EXPLODED')).toMatch(/^kind "LEG_EXPLODED" is not one of LEG_CREATED, /);
    expect(enumProblem('call-leg', 'leg_role', null, true)).toBeNull();
    expect(() => enumSymbols('call-leg', 'event_id')).toThrow(/not an enum field/);
  });

  it('shows any value in a reason, even one String() and JSON.stringify throw on', () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    for (const value of [{ toString: '' }, 10n, cycle, Symbol('s')]) {
      expect(timestampProblem('t', value, bounds, { now })).toMatch(/^t .* is not an epoch in milliseconds$/);
      expect(enumProblem('call-leg', 'kind', value)).toMatch(/^kind .* is not one of LEG_CREATED, /);
    }
    expect(timestampProblem('t', { toString: '' }, bounds, { now })).toBe('t {"toString":""} is not an epoch in milliseconds');
  });

  it('checks are total: any value gives a reason or null, never a throw', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        for (const check of [() => idProblem('f', value), () => timestampProblem('f', value, bounds), () => enumProblem('call-leg', 'kind', value, true)]) {
          const result = check();
          expect(result === null || typeof result === 'string').toBe(true);
        }
      }),
    );
    // fc.anything() makes large nested values: on a loaded machine 100 runs can pass jest's 5 s default
  }, 60_000);
});
