import { requireServers, uniqueDatabase, uniquePrefix } from '@callhooks/testing';
import { bearer, customerWithKey, expectError, startManagementApi, type RunningApi } from './management-api.harness';

describe('tenant isolation (e2e): customer B can neither see nor touch customer A\u2019s resources', () => {
  let api: RunningApi;
  let a: Record<string, string>;
  let b: Record<string, string>;
  let aWebhook: Record<string, unknown> & { id: string };
  let aEnvironment: Record<string, unknown>;

  beforeAll(async () => {
    await requireServers(['kafka', 'registry', 'mongo']);
    api = await startManagementApi({ database: uniqueDatabase('mgmt_iso'), prefix: uniquePrefix('mgmt-iso') });
    a = bearer(await customerWithKey(api, 'tenant-a'));
    b = bearer(await customerWithKey(api, 'tenant-b'));
    aWebhook = (
      await api.http().post('/v1/webhooks').set(a).send({ event: 'Call:Answer', url: 'https://a.example.com/hook', body: '{"id": "{{uuid}}"}' }).expect(201)
    ).body;
    aEnvironment = (await api.http().put('/v1/environments/shared-id').set(a).send({ name: 'A prod', timezone: 'UTC' }).expect(201)).body;
    await api.http().post('/v1/environments/shared-id/webhooks').set(a).send({ webhook_id: aWebhook.id }).expect(201);
    aEnvironment = (await api.http().get('/v1/environments/shared-id').set(a).expect(200)).body;
  });

  afterAll(async () => {
    await api?.connection.dropDatabase();
    await api?.close();
  });

  it('B does not list A\u2019s webhooks or environments', async () => {
    const webhooks = await api.http().get('/v1/webhooks').set(b).expect(200);
    expect(webhooks.body.data).toEqual([]);
    expect(webhooks.body.page.total).toBe(0);
    expect((await api.http().get(`/v1/webhooks?url=a.example.com`).set(b).expect(200)).body.data).toEqual([]);
    expect((await api.http().get('/v1/environments').set(b).expect(200)).body.data).toEqual([]);
  });

  it('B gets 404 reading, changing, deleting, previewing or rotating A\u2019s webhook', async () => {
    const id = aWebhook.id;
    const attempts = [
      api.http().get(`/v1/webhooks/${id}`).set(b),
      api.http().patch(`/v1/webhooks/${id}`).set(b).send({ enabled: false }),
      api.http().delete(`/v1/webhooks/${id}`).set(b),
      api.http().get(`/v1/webhooks/${id}/secret`).set(b),
      api.http().post(`/v1/webhooks/${id}/secret/rotate`).set(b),
      api.http().post(`/v1/webhooks/${id}/preview`).set(b),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(404);
      expectError(res.body, 'not_found');
      expect(JSON.stringify(res.body)).not.toContain('a.example.com');
    }
  });

  it('B gets 404 for A\u2019s environment and cannot subscribe A\u2019s webhook in its own', async () => {
    for (const res of await Promise.all([
      api.http().get('/v1/environments/shared-id').set(b),
      api.http().delete('/v1/environments/shared-id').set(b),
      api.http().get('/v1/environments/shared-id/webhooks').set(b),
      api.http().put('/v1/environments/shared-id/webhooks').set(b).send({ webhook_ids: [] }),
      api.http().post('/v1/environments/shared-id/webhooks').set(b).send({ webhook_id: aWebhook.id }),
      api.http().delete(`/v1/environments/shared-id/webhooks/${aWebhook.id}`).set(b),
    ])) {
      expect(res.status).toBe(404);
      expectError(res.body, 'not_found');
    }
    await api.http().put('/v1/environments/b-env').set(b).send({ name: 'B', timezone: 'UTC' }).expect(201);
    const refused = await api.http().post('/v1/environments/b-env/webhooks').set(b).send({ webhook_id: aWebhook.id }).expect(404);
    expect(expectError(refused.body, 'not_found', ['webhook_id']).message).toContain(aWebhook.id);
    expectError(
      (
        await api
          .http()
          .put('/v1/environments/b-env/webhooks')
          .set(b)
          .send({ webhook_ids: [aWebhook.id] })
          .expect(404)
      ).body,
      'not_found',
      ['webhook_ids[0]'],
    );
  });

  it('B\u2019s environment with the same platform id is B\u2019s own; A\u2019s resources are untouched by all of the above', async () => {
    const bEnv = await api.http().put('/v1/environments/shared-id').set(b).send({ name: 'B prod', timezone: 'Asia/Jerusalem' }).expect(201);
    expect(bEnv.body).toMatchObject({ id: 'shared-id', name: 'B prod', webhook_ids: [], version: 1 });
    await api.http().delete('/v1/environments/shared-id').set(b).expect(204);

    expect((await api.http().get(`/v1/webhooks/${aWebhook.id}`).set(a).expect(200)).body).toEqual(aWebhook);
    expect((await api.http().get('/v1/environments/shared-id').set(a).expect(200)).body).toEqual(aEnvironment);
  });
});
