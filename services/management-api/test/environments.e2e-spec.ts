import { requireServers, uniqueDatabase, uniquePrefix } from '@callhooks/testing';
import { bearer, customerWithKey, expectError, startManagementApi, type RunningApi } from './management-api.harness';

describe('environments and subscriptions API (e2e, real FerretDB and Kafka)', () => {
  let api: RunningApi;
  let auth: Record<string, string>;

  const put = (id: string, body: Record<string, unknown>) => api.http().put(`/v1/environments/${id}`).set(auth).send(body);
  const webhook = async (event = 'Call:Hangup') =>
    (await api.http().post('/v1/webhooks').set(auth).send({ event, url: 'https://crm.example.com/hook' }).expect(201)).body.id as string;

  beforeAll(async () => {
    await requireServers(['kafka', 'registry', 'mongo']);
    api = await startManagementApi({ database: uniqueDatabase('mgmt_env'), prefix: uniquePrefix('mgmt-env') });
    auth = bearer(await customerWithKey(api, 'env-cust'));
  });

  afterAll(async () => {
    await api?.connection.dropDatabase();
    await api?.close();
  });

  it('creates under the platform id (201), updates (200), and changes nothing when nothing changes', async () => {
    const created = await put('env-1', { name: 'ITD2024', timezone: 'Asia/Jerusalem' }).expect(201);
    expect(created.body).toEqual({
      id: 'env-1',
      name: 'ITD2024',
      timezone: 'Asia/Jerusalem',
      webhook_ids: [],
      version: 1,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const same = await put('env-1', { name: 'ITD2024', timezone: 'Asia/Jerusalem' }).expect(200);
    expect(same.body.version).toBe(1);
    const renamed = await put('env-1', { name: 'ITD2025', timezone: 'europe/london' }).expect(200);
    expect(renamed.body).toMatchObject({ name: 'ITD2025', timezone: 'Europe/London', version: 2 });
    await api.http().get('/v1/environments/env-1').set(auth).expect(200, renamed.body);
  });

  it.each([
    ['an unknown time zone', 'env-x', { name: 'n', timezone: 'Mars/Olympus' }, ['timezone']],
    ['an offset instead of a zone', 'env-x', { name: 'n', timezone: '+02:00' }, ['timezone']],
    ['a missing name', 'env-x', { timezone: 'UTC' }, ['name']],
    ['an empty name', 'env-x', { name: '', timezone: 'UTC' }, ['name']],
    ['an over-long name', 'env-x', { name: 'n'.repeat(201), timezone: 'UTC' }, ['name']],
    ['an unknown property', 'env-x', { name: 'n', timezone: 'UTC', webhooks: [] }, ['webhooks']],
    ['an id with a colon', 'env:x', { name: 'n', timezone: 'UTC' }, ['id']],
  ])('refuses %s', async (_what, id, body, fields) => {
    expectError((await put(id, body).expect(400)).body, 'validation_failed', fields);
  });

  it('lists, deletes (404 afterwards) and brings a deleted environment back with no subscriptions', async () => {
    await put('env-a', { name: 'A', timezone: 'UTC' }).expect(201);
    await put('env-b', { name: 'B', timezone: 'UTC' }).expect(201);
    const list = await api.http().get('/v1/environments?order=asc').set(auth).expect(200);
    expect(list.body.data.map((e: { id: string }) => e.id)).toEqual(['env-1', 'env-a', 'env-b']);

    const w = await webhook();
    await api.http().post('/v1/environments/env-b/webhooks').set(auth).send({ webhook_id: w }).expect(201);
    await api.http().delete('/v1/environments/env-b').set(auth).expect(204);
    expectError((await api.http().get('/v1/environments/env-b').set(auth).expect(404)).body, 'not_found');
    expectError((await api.http().delete('/v1/environments/env-b').set(auth).expect(404)).body, 'not_found');
    expectError((await api.http().get('/v1/environments/env-b/webhooks').set(auth).expect(404)).body, 'not_found');
    const after = await api.http().get('/v1/environments').set(auth).expect(200);
    expect(after.body.data.map((e: { id: string }) => e.id)).not.toContain('env-b');

    const back = await put('env-b', { name: 'B again', timezone: 'UTC' }).expect(201);
    // created (1), subscribed (2), deleted (3), back (4): the version keeps growing across the deletion,
    // so readers of the config topic take the new state over the deletion record
    expect(back.body).toMatchObject({ id: 'env-b', name: 'B again', webhook_ids: [], version: 4 });
  });

  it('subscribes (201, then 200 when already), lists, replaces, and unsubscribes webhooks', async () => {
    await put('env-s', { name: 'S', timezone: 'UTC' }).expect(201);
    const [w1, w2, w3] = [await webhook('Call:Ringing'), await webhook('Call:Answer'), await webhook('Ivr:End')];
    expect((await api.http().get('/v1/environments/env-s/webhooks').set(auth).expect(200)).body).toEqual({ environment_id: 'env-s', data: [] });

    const added = await api.http().post('/v1/environments/env-s/webhooks').set(auth).send({ webhook_id: w1 }).expect(201);
    expect(added.body.data.map((w: { id: string; event: string }) => [w.id, w.event])).toEqual([[w1, 'Call:Ringing']]);
    await api.http().post('/v1/environments/env-s/webhooks').set(auth).send({ webhook_id: w1 }).expect(200);

    const replaced = await api
      .http()
      .put('/v1/environments/env-s/webhooks')
      .set(auth)
      .send({ webhook_ids: [w3, w2, w3] })
      .expect(200);
    expect(replaced.body.data.map((w: { id: string }) => w.id)).toEqual([w3, w2]);
    const env = await api.http().get('/v1/environments/env-s').set(auth).expect(200);
    expect(env.body).toMatchObject({ webhook_ids: [w3, w2], version: 3 });

    await api.http().delete(`/v1/environments/env-s/webhooks/${w3}`).set(auth).expect(204);
    expect((await api.http().get('/v1/environments/env-s/webhooks').set(auth).expect(200)).body.data.map((w: { id: string }) => w.id)).toEqual([w2]);
    expectError((await api.http().delete(`/v1/environments/env-s/webhooks/${w3}`).set(auth).expect(404)).body, 'not_found');
    await api.http().put('/v1/environments/env-s/webhooks').set(auth).send({ webhook_ids: [] }).expect(200);
    expect((await api.http().get('/v1/environments/env-s').set(auth).expect(200)).body.webhook_ids).toEqual([]);
  });

  it('refuses unknown webhooks with a 404 naming them, and bad subscription bodies with 400', async () => {
    await put('env-u', { name: 'U', timezone: 'UTC' }).expect(201);
    const w = await webhook();
    const unknown = '0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a';
    const one = expectError((await api.http().post('/v1/environments/env-u/webhooks').set(auth).send({ webhook_id: unknown }).expect(404)).body, 'not_found', [
      'webhook_id',
    ]);
    expect(one.message).toContain(unknown);
    const many = expectError(
      (
        await api
          .http()
          .put('/v1/environments/env-u/webhooks')
          .set(auth)
          .send({ webhook_ids: [w, unknown, 'nope'] })
          .expect(404)
      ).body,
      'not_found',
      ['webhook_ids[1]', 'webhook_ids[2]'],
    );
    expect(many.message).toContain(unknown);
    expect(many.message).toContain('nope');
    // nothing was changed by the refused replacement
    expect((await api.http().get('/v1/environments/env-u').set(auth).expect(200)).body).toMatchObject({ webhook_ids: [], version: 1 });

    expectError((await api.http().put('/v1/environments/env-u/webhooks').set(auth).send({ webhook_ids: 'all' }).expect(400)).body, 'validation_failed', [
      'webhook_ids',
    ]);
    expectError((await api.http().post('/v1/environments/env-u/webhooks').set(auth).send({}).expect(400)).body, 'validation_failed', ['webhook_id']);
    expectError((await api.http().post('/v1/environments/env-nope/webhooks').set(auth).send({ webhook_id: w }).expect(404)).body, 'not_found');
  });

  it('deleting a webhook removes it from every environment that subscribed it', async () => {
    await put('env-d1', { name: 'D1', timezone: 'UTC' }).expect(201);
    await put('env-d2', { name: 'D2', timezone: 'UTC' }).expect(201);
    const [gone, stays] = [await webhook(), await webhook()];
    await api
      .http()
      .put('/v1/environments/env-d1/webhooks')
      .set(auth)
      .send({ webhook_ids: [gone, stays] })
      .expect(200);
    await api
      .http()
      .put('/v1/environments/env-d2/webhooks')
      .set(auth)
      .send({ webhook_ids: [gone] })
      .expect(200);
    await api.http().delete(`/v1/webhooks/${gone}`).set(auth).expect(204);
    expect((await api.http().get('/v1/environments/env-d1').set(auth).expect(200)).body).toMatchObject({ webhook_ids: [stays], version: 3 });
    expect((await api.http().get('/v1/environments/env-d2').set(auth).expect(200)).body).toMatchObject({ webhook_ids: [], version: 3 });
  });

  it('drops at start the index over webhook_ids an earlier version made, and holds a long subscription list', async () => {
    // an earlier version's index: gone after a restart of the API on the same database
    const environments = api.connection.collection('environments');
    await environments.createIndex({ customer_id: 1, webhook_ids: 1 }, { name: 'customer_id_1_webhook_ids_1' });
    expect(await environments.indexExists('customer_id_1_webhook_ids_1')).toBe(true);
    const restarted = await startManagementApi({ database: api.connection.name, prefix: uniquePrefix('mgmt-env-again') });
    await restarted.close();
    expect(await environments.indexExists('customer_id_1_webhook_ids_1')).toBe(false);

    // 150 ids of 36 characters: past the 2,704 bytes a btree entry over the whole array may hold
    const many: string[] = [];
    for (let i = 0; i < 150; i++) many.push(await webhook());
    await put('env-many', { name: 'Many', timezone: 'UTC' }).expect(201);
    const replaced = await api.http().put('/v1/environments/env-many/webhooks').set(auth).send({ webhook_ids: many }).expect(200);
    expect(replaced.body.data.map((w: { id: string }) => w.id)).toEqual(many);
    await api.http().delete(`/v1/webhooks/${many[0]}`).set(auth).expect(204);
    expect((await api.http().get('/v1/environments/env-many').set(auth).expect(200)).body.webhook_ids).toEqual(many.slice(1));
  }, 120_000);

  it('keeps every one of many concurrent changes to one environment and one webhook (no lost update)', async () => {
    await put('env-c', { name: 'C', timezone: 'UTC' }).expect(201);
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await webhook());
    const adds = await Promise.all(ids.map((id) => api.http().post('/v1/environments/env-c/webhooks').set(auth).send({ webhook_id: id })));
    expect(adds.map((r) => r.status)).toEqual(ids.map(() => 201));
    const env = await api.http().get('/v1/environments/env-c').set(auth).expect(200);
    expect([...env.body.webhook_ids].sort()).toEqual([...ids].sort());
    expect(env.body.version).toBe(1 + ids.length);

    const target = ids[0];
    const patches = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        api
          .http()
          .patch(`/v1/webhooks/${target}`)
          .set(auth)
          .send({ description: `change ${i}` }),
      ),
    );
    expect(patches.map((r) => r.status)).toEqual(patches.map(() => 200));
    const w = await api.http().get(`/v1/webhooks/${target}`).set(auth).expect(200);
    expect(w.body.version).toBe(11);
    expect(new Set(patches.map((r) => r.body.version))).toEqual(new Set(Array.from({ length: 10 }, (_, i) => i + 2)));
  });
});
