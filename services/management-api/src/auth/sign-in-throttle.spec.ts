import type { Request, Response } from 'express';
import { ThrottlerException } from '@nestjs/throttler';
import type { ManagementApiConfig } from '../config/management-api.config';
import { SignInThrottle } from './sign-in-throttle';

const config = { rateLimit: { perMinute: 600, signInFailuresPerMinute: 3 } } as ManagementApiConfig;
const from = (ip: string) => ({ ip }) as Request;

describe('SignInThrottle', () => {
  it('blocks an address after its failures of the minute, gives Retry-After, and forgets them when the minute ends', () => {
    const throttle = new SignInThrottle(config);
    const t0 = 1_000_000;
    for (let i = 0; i < 3; i++) {
      expect(throttle.isBlocked(from('10.0.0.1'), t0 + i)).toBe(false);
      throttle.recordFailure(from('10.0.0.1'), t0 + i);
    }
    expect(throttle.isBlocked(from('10.0.0.1'), t0 + 10)).toBe(true);
    expect(throttle.isBlocked(from('10.0.0.2'), t0 + 10)).toBe(false);

    const headers: Record<string, string> = {};
    const res = { setHeader: (name: string, value: string) => (headers[name] = value) } as unknown as Response;
    expect(() => throttle.refuse(from('10.0.0.1'), res, t0 + 15_000)).toThrow(ThrottlerException);
    expect(headers['Retry-After']).toBe('45');

    expect(throttle.isBlocked(from('10.0.0.1'), t0 + 60_000)).toBe(false);
  });
});
