import { requireServers, uniqueDatabase, uniquePrefix } from '@callhooks/testing';
import { bearer, customerWithKey, expectError, startManagementApi, type RunningApi } from './management-api.harness';

describe('rate limiting per API key (e2e)', () => {
  let api: RunningApi;

  beforeAll(async () => {
    await requireServers(['kafka', 'registry', 'mongo']);
    api = await startManagementApi({ database: uniqueDatabase('mgmt_rl'), prefix: uniquePrefix('mgmt-rl'), env: { MANAGEMENT_RATE_LIMIT_PER_MINUTE: '5' } });
  });

  afterAll(async () => {
    await api?.connection.dropDatabase();
    await api?.close();
  });

  it('answers 429 rate_limited with Retry-After past the limit, across routes, for that key only', async () => {
    const first = bearer(await customerWithKey(api, 'rl-one'));
    const second = bearer(await customerWithKey(api, 'rl-two'));
    for (let i = 0; i < 3; i++) await api.http().get('/v1/webhooks').set(first).expect(200);
    await api.http().get('/v1/environments').set(first).expect(200);
    const fifth = await api.http().get('/v1/webhooks').set(first).expect(200);
    expect(fifth.headers['x-ratelimit-remaining']).toBe('0');

    const refused = await api.http().get('/v1/environments').set(first).expect(429);
    expectError(refused.body, 'rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);

    // another key of the same API has its own budget
    await api.http().get('/v1/webhooks').set(second).expect(200);
  });
});
