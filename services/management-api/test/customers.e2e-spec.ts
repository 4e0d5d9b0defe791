import { requireServers, uniqueDatabase, uniquePrefix } from '@callhooks/testing';
import { bearer, customerWithKey, expectError, operator, startManagementApi, type RunningApi } from './management-api.harness';

describe('customers, API keys and authentication (e2e, real FerretDB)', () => {
  let api: RunningApi;

  beforeAll(async () => {
    await requireServers(['kafka', 'registry', 'mongo']);
    api = await startManagementApi({ database: uniqueDatabase('mgmt_cust'), prefix: uniquePrefix('mgmt-cust') });
  });

  afterAll(async () => {
    await api?.connection.dropDatabase();
    await api?.close();
  });

  it('the operator creates customers with the platform id or a generated one, lists and reads them', async () => {
    const created = await api.http().post('/v1/customers').set(operator()).send({ id: 'acme', name: 'Acme Telecom' }).expect(201);
    expect(created.body).toEqual({ id: 'acme', name: 'Acme Telecom', created_at: expect.any(String), updated_at: expect.any(String) });
    const generated = await api.http().post('/v1/customers').set(operator()).send({ name: 'No id given' }).expect(201);
    expect(generated.body.id).toMatch(/^[0-9a-f-]{36}$/);

    await api.http().get('/v1/customers/acme').set(operator()).expect(200, created.body);
    const list = await api.http().get('/v1/customers?order=asc').set(operator()).expect(200);
    expect(list.body.data.map((c: { id: string }) => c.id)).toEqual(['acme', generated.body.id]);
    expect(list.body.page).toMatchObject({ total: 2, limit: 50, order: 'asc', next_cursor: null });
  });

  it('refuses a taken id (409), bad input (400 with fields) and unknown customers (404)', async () => {
    expectError((await api.http().post('/v1/customers').set(operator()).send({ id: 'acme', name: 'again' }).expect(409)).body, 'conflict');
    expectError((await api.http().post('/v1/customers').set(operator()).send({ id: 'has:colon', name: '' }).expect(400)).body, 'validation_failed', [
      'id',
      'name',
    ]);
    expectError((await api.http().post('/v1/customers').set(operator()).send({ name: 'x', plan: 'gold' }).expect(400)).body, 'validation_failed', ['plan']);
    expectError((await api.http().get('/v1/customers/nobody').set(operator()).expect(404)).body, 'not_found');
    expectError((await api.http().post('/v1/customers/nobody/api-keys').set(operator()).send({}).expect(404)).body, 'not_found');
  });

  it('issues a key shown once, stores only its hash, and the key authenticates its customer until revoked', async () => {
    const issued = await api.http().post('/v1/customers/acme/api-keys').set(operator()).send({ name: 'CRM' }).expect(201);
    const key: string = issued.body.key;
    expect(key).toMatch(/^chk_[A-Za-z0-9_-]{43}$/);
    expect(issued.body).toMatchObject({ customer_id: 'acme', name: 'CRM', prefix: key.slice(0, 12), revoked_at: null });

    const stored = await api.connection.collection('api_keys').findOne({ _id: issued.body.id as never });
    expect(JSON.stringify(stored)).not.toContain(key.slice(4));
    const listed = await api.http().get('/v1/customers/acme/api-keys').set(operator()).expect(200);
    expect(JSON.stringify(listed.body)).not.toContain(key.slice(4));
    expect(listed.body.data[0]).toEqual({
      id: issued.body.id,
      customer_id: 'acme',
      name: 'CRM',
      prefix: key.slice(0, 12),
      created_at: expect.any(String),
      revoked_at: null,
    });

    await api.http().get('/v1/webhooks').set(bearer(key)).expect(200);

    await api.http().delete(`/v1/customers/acme/api-keys/${issued.body.id}`).set(operator()).expect(204);
    expectError((await api.http().get('/v1/webhooks').set(bearer(key)).expect(401)).body, 'unauthorized');
    // revoking again is fine; revoking under another customer is not found
    await api.http().delete(`/v1/customers/acme/api-keys/${issued.body.id}`).set(operator()).expect(204);
    await customerWithKey(api, 'other');
    expectError((await api.http().delete(`/v1/customers/other/api-keys/${issued.body.id}`).set(operator()).expect(404)).body, 'not_found');
  });

  it('answers 401 unauthorized for missing or wrong credentials, and keeps operator and customer routes apart', async () => {
    const key = await customerWithKey(api, 'cust-401');
    expectError((await api.http().get('/v1/customers').expect(401)).body, 'unauthorized');
    expectError((await api.http().get('/v1/customers').set(bearer('wrong-token-wrong-token-wrong')).expect(401)).body, 'unauthorized');
    expectError((await api.http().get('/v1/customers').set(bearer(key)).expect(401)).body, 'unauthorized');
    expectError((await api.http().get('/v1/webhooks').expect(401)).body, 'unauthorized');
    expectError((await api.http().get('/v1/webhooks').set({ Authorization: 'Basic Zm9vOmJhcg==' }).expect(401)).body, 'unauthorized');
    expectError(
      (
        await api
          .http()
          .get('/v1/webhooks')
          .set(bearer(`chk_${'A'.repeat(43)}`))
          .expect(401)
      ).body,
      'unauthorized',
    );
    expectError((await api.http().get('/v1/webhooks').set(operator()).expect(401)).body, 'unauthorized');
  });

  it('puts the request id in the X-Request-Id header and the error body, and takes a given one', async () => {
    const res = await api.http().get('/v1/customers/nobody').set(operator()).set('X-Request-Id', 'trace-abc-123').expect(404);
    expect(res.headers['x-request-id']).toBe('trace-abc-123');
    expect(res.body.request_id).toBe('trace-abc-123');
    const generated = await api.http().get('/v1/customers/nobody').set(operator()).expect(404);
    expect(generated.body.request_id).toBe(generated.headers['x-request-id']);
  });

  it('answers unknown routes, malformed JSON and oversized bodies in the same error shape', async () => {
    expectError((await api.http().get('/v1/nothing-here').expect(404)).body, 'not_found');
    const malformed = await api.http().post('/v1/customers').set(operator()).set('Content-Type', 'application/json').send('{"name": ').expect(400);
    expectError(malformed.body, 'malformed_json');
    const huge = await api
      .http()
      .post('/v1/customers')
      .set(operator())
      .send({ name: 'x'.repeat(600 * 1024) })
      .expect(413);
    expectError(huge.body, 'payload_too_large');
  });
});
