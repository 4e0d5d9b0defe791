import { eventually, requireServers, uniqueDatabase, uniquePrefix } from '@callhooks/testing';
import { bearer, customerWithKey, operator, startManagementApi, type RunningApi } from './management-api.harness';

describe('the whole management API (e2e smoke): health, readiness, metrics, and no secret in the logs', () => {
  let api: RunningApi;
  const written: string[] = [];
  let restore: () => void;

  beforeAll(async () => {
    await requireServers(['kafka', 'registry', 'mongo']);
    // every log line, at the most verbose level, is kept to look for secrets in it
    const original = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return (original as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof process.stdout.write;
    restore = () => (process.stdout.write = original);
    api = await startManagementApi({
      database: uniqueDatabase('mgmt_smoke'),
      prefix: uniquePrefix('mgmt-smoke'),
      withDeliveryLog: true,
      env: { LOG_LEVEL: 'trace' },
    });
  });

  afterAll(async () => {
    restore?.();
    await api?.connection.dropDatabase();
    await api?.close();
  });

  it('is live and becomes ready once MongoDB, Kafka, the registry and the delivery log consumer answer', async () => {
    await api.http().get('/healthz').expect(200);
    const ready = await eventually(async () => (await api.http().get('/readyz').expect(200)).body, 60_000, 500);
    expect(Object.keys(ready.info).sort()).toEqual(expect.arrayContaining(['delivery-log-consumer', 'kafka', 'mongodb', 'postgresql', 'schema-registry']));
  });

  it('exports the publishing metrics', async () => {
    const key = await customerWithKey(api, 'smoke');
    await api.http().post('/v1/webhooks').set(bearer(key)).send({ event: 'Call:Hangup', url: 'http://127.0.0.1:9/h' }).expect(201);
    await eventually(async () => {
      const text = (await api.http().get('/metrics').expect(200)).text;
      expect(text).toMatch(/^callhooks_config_publish_total\{outcome="success",service="management-api"\} 1$/m);
      expect(text).toMatch(/^callhooks_config_unpublished\{service="management-api"\} 0$/m);
      expect(text).toMatch(/^callhooks_config_reconciled_total\{service="management-api"\} \d+$/m);
    }, 20_000);
  });

  it('never writes an API key, the operator token or a signing secret to the logs', async () => {
    const issued = await api.http().post('/v1/customers/smoke/api-keys').set(operator()).send({ name: 'logged?' }).expect(201);
    const key: string = issued.body.key;
    const { body: w } = await api
      .http()
      .post('/v1/webhooks')
      .set(bearer(key))
      .send({ event: 'Call:Answer', url: 'http://127.0.0.1:9/s', headers: { Authorization: 'Bearer receiver-token-XYZ' } })
      .expect(201);
    const secret = (await api.http().get(`/v1/webhooks/${w.id}/secret`).set(bearer(key)).expect(200)).body.secret as string;
    const rotated = (await api.http().post(`/v1/webhooks/${w.id}/secret/rotate`).set(bearer(key)).expect(200)).body.secret as string;
    await api
      .http()
      .get('/v1/webhooks')
      .set(bearer(`${key.slice(0, -1)}x`))
      .expect(401);
    await new Promise((r) => setTimeout(r, 500));
    const logs = written.join('');
    expect(logs).toContain(issued.headers['x-request-id']);
    for (const secretText of [key.slice(4), secret.slice(6), rotated.slice(6), 'test-operator-token-0123456789abcdef', 'receiver-token-XYZ']) {
      expect(logs).not.toContain(secretText);
    }
  });
});
