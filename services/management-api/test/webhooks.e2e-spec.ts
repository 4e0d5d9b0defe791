import { samplePayload } from '@callhooks/contracts';
import { requireServers, uniqueDatabase, uniquePrefix } from '@callhooks/testing';
import { bearer, customerWithKey, expectError, startManagementApi, type RunningApi } from './management-api.harness';

const HOUR = 3_600_000;

describe('webhooks API (e2e, real FerretDB and Kafka)', () => {
  let api: RunningApi;
  let auth: Record<string, string>;

  const create = (body: Record<string, unknown>) => api.http().post('/v1/webhooks').set(auth).send(body);
  const valid = (over: Record<string, unknown> = {}) => ({ event: 'Call:Hangup', url: 'https://crm.example.com/hooks/calls', ...over });

  beforeAll(async () => {
    await requireServers(['kafka', 'registry', 'mongo']);
    // the production rule for targets: private and loopback addresses refused
    api = await startManagementApi({
      database: uniqueDatabase('mgmt_wh'),
      prefix: uniquePrefix('mgmt-wh'),
      env: { MANAGEMENT_ALLOW_PRIVATE_TARGETS: 'false' },
    });
    auth = bearer(await customerWithKey(api, 'wh-cust'));
  });

  afterAll(async () => {
    await api?.connection.dropDatabase();
    await api?.close();
  });

  describe('create, read, update, delete', () => {
    it('creates with defaults, reads it back, updates only what is given, deletes', async () => {
      const created = await create(valid({ headers: { Authorization: 'Bearer crm-token', 'X-Tenant': 'acme' }, description: 'to the CRM' })).expect(201);
      expect(created.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/),
        enabled: true,
        event: 'Call:Hangup',
        method: 'POST',
        url: 'https://crm.example.com/hooks/calls',
        body: null,
        headers: { Authorization: 'Bearer crm-token', 'X-Tenant': 'acme' },
        description: 'to the CRM',
        rate_limit: null,
        disabled_reason: null,
        disabled_at: null,
        version: 1,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      const id = created.body.id;
      expect(created.headers['x-request-id']).toBeTruthy();
      await api.http().get(`/v1/webhooks/${id}`).set(auth).expect(200, created.body);

      const body = '{"call": "{{uuid}}", "seconds": "{{duration}}"}';
      const updated = await api.http().patch(`/v1/webhooks/${id}`).set(auth).send({ enabled: false, method: 'GET', body }).expect(200);
      expect(updated.body).toMatchObject({
        id,
        enabled: false,
        method: 'GET',
        body,
        url: created.body.url,
        headers: created.body.headers,
        description: 'to the CRM',
        version: 2,
      });

      const limited = await api.http().patch(`/v1/webhooks/${id}`).set(auth).send({ rate_limit: 25 }).expect(200);
      expect(limited.body).toMatchObject({ rate_limit: 25, version: 3 });
      expectError((await api.http().patch(`/v1/webhooks/${id}`).set(auth).send({ rate_limit: 0.5 }).expect(400)).body, 'validation_failed', ['rate_limit']);
      expectError((await api.http().patch(`/v1/webhooks/${id}`).set(auth).send({ rate_limit: 20_000 }).expect(400)).body, 'validation_failed', ['rate_limit']);

      const cleared = await api.http().patch(`/v1/webhooks/${id}`).set(auth).send({ body: null, description: null, headers: {}, rate_limit: null }).expect(200);
      expect(cleared.body).toMatchObject({ body: null, description: null, headers: {}, rate_limit: null, version: 4 });

      await api.http().delete(`/v1/webhooks/${id}`).set(auth).expect(204);
      expectError((await api.http().get(`/v1/webhooks/${id}`).set(auth).expect(404)).body, 'not_found');
      expectError((await api.http().patch(`/v1/webhooks/${id}`).set(auth).send({ enabled: true }).expect(404)).body, 'not_found');
      expectError((await api.http().delete(`/v1/webhooks/${id}`).set(auth).expect(404)).body, 'not_found');
    });

    it('answers 404 for unknown and malformed ids', async () => {
      for (const id of ['7b0c9d3e-1f2a-4b5c-8d6e-9f0a1b2c3d4e', 'not-a-uuid', '..%2F..%2Fetc']) {
        expectError((await api.http().get(`/v1/webhooks/${id}`).set(auth).expect(404)).body, 'not_found');
      }
    });
  });

  describe('refuses bad input with the field at fault', () => {
    it.each([
      ['an unknown event', { event: 'Call:Transfer' }, ['event'], /exactly one of: Call:Ringing, Call:Answer/],
      ['an event in another case', { event: 'call:hangup' }, ['event'], /exactly one of/],
      ['a list of events', { event: ['Call:Hangup', 'Call:Answer'] }, ['event'], /exactly one of/],
      ['a method other than GET or POST', { method: 'PUT' }, ['method'], /GET or POST/],
      ['a URL that is not http(s)', { url: 'ftp://crm.example.com/x' }, ['url'], /http or https/],
      ['a URL that is no URL', { url: 'crm.example.com/x' }, ['url'], /valid absolute URL/],
      ['a loopback URL', { url: 'http://127.0.0.1:8080/hook' }, ['url'], /loopback/],
      ['a private URL', { url: 'https://10.20.30.40/hook' }, ['url'], /private/],
      ['the cloud metadata address', { url: 'http://169.254.169.254/latest/meta-data/' }, ['url'], /cloud metadata/],
      ['localhost', { url: 'http://localhost:3000/' }, ['url'], /internal host/],
      ['an IPv4-mapped loopback', { url: 'http://[::ffff:127.0.0.1]/' }, ['url'], /loopback/],
      ['a body that is not JSON', { body: '{"call": "{{uuid}}",' }, ['body'], /invalid JSON at line 1/],
      ['a body naming an unknown field', { body: '{"who": "{{caller_name}}", "d": "{{durration}}"}' }, ['body', 'body'], /unknown field "caller_name"/],
      ['a GET body that is not an object', { method: 'GET', body: '["{{uuid}}"]' }, ['body'], /JSON object/],
      ['a header overriding the signature', { headers: { 'webhook-signature': 'v1,forged' } }, ['headers.webhook-signature'], /cannot be overridden/],
      ['a header overriding Content-Type', { headers: { 'Content-Type': 'text/plain' } }, ['headers.Content-Type'], /cannot be overridden/],
      ['a header with a line break', { headers: { 'X-A': 'a\r\nX-B: b' } }, ['headers.X-A'], /line breaks/],
      ['headers given as a list', { headers: ['X-A: b'] }, ['headers'], /object/],
      ['an over-long URL', { url: `https://crm.example.com/${'a'.repeat(2048)}` }, ['url'], /2048/],
      ['an over-long description', { description: 'd'.repeat(501) }, ['description'], /500/],
      ['an over-long body', { body: JSON.stringify({ pad: 'x'.repeat(64 * 1024) }) }, ['body'], /64 KiB/],
      ['a non-boolean enabled', { enabled: 'yes' }, ['enabled'], /boolean/],
      ['an unknown property', { colour: 'red' }, ['colour'], /not a known property/],
      // issue 14: IPv4-compatible IPv6 literals are the IPv4 address inside
      ['an IPv4-compatible loopback', { url: 'http://[::127.0.0.1]/' }, ['url'], /loopback/],
      ['an IPv4-compatible metadata address', { url: 'http://[::a9fe:a9fe]/' }, ['url'], /cloud metadata/],
      ['an IPv4-compatible private address', { url: 'http://[::a00:1]/' }, ['url'], /private/],
      ['a documentation address', { url: 'http://192.0.2.10/' }, ['url'], /non-public/],
      ['a space in the URL', { url: 'https://crm.example.com/a b' }, ['url'], /spaces or control/],
      ['a NUL in the URL', { url: 'https://crm.example.com/a\u0000b' }, ['url'], /spaces or control/],
      ['port 0', { url: 'https://crm.example.com:0/' }, ['url'], /port 0/],
      ['a null URL', { url: null }, ['url'], /must be a string/],
      ['a header value with a euro sign', { headers: { 'X-Price': '10 \u20ac' } }, ['headers.X-Price'], /visible ASCII/],
      ['a header value with a lone surrogate', { headers: { 'X-Odd': 'a\ud800b' } }, ['headers.X-Odd'], /visible ASCII/],
      ['an empty header value', { headers: { 'X-Empty': '' } }, ['headers.X-Empty'], /empty/],
      ['a header named constructor', { headers: { constructor: 'x' } }, ['headers.constructor'], /not an allowed property name/],
    ])('%s', async (_what, over, fields, message) => {
      const res = await create(valid(over)).expect(400);
      const error = expectError(res.body, 'validation_failed', fields);
      expect(error.fields.map((f) => f.message).join(' | ')).toMatch(message);
    });

    it('refuses __proto__ keys, at the top and inside headers, instead of dropping them', async () => {
      const top = await api
        .http()
        .post('/v1/webhooks')
        .set(auth)
        .set('Content-Type', 'application/json')
        .send('{"event":"Call:Hangup","url":"https://crm.example.com/","__proto__":{"enabled":false}}')
        .expect(400);
      expect(expectError(top.body, 'validation_failed', ['__proto__']).fields[0].message).toMatch(/not an allowed property name/);
      const inner = await api
        .http()
        .post('/v1/webhooks')
        .set(auth)
        .set('Content-Type', 'application/json')
        .send('{"event":"Call:Hangup","url":"https://crm.example.com/","headers":{"__proto__":"x"}}')
        .expect(400);
      expectError(inner.body, 'validation_failed', ['headers.__proto__']);
    });

    it('names every missing required field and every problem at once', async () => {
      const missing = expectError((await create({}).expect(400)).body, 'validation_failed');
      expect(new Set(missing.fields.map((f) => f.field))).toEqual(new Set(['event', 'url']));
      const many = expectError(
        (await create(valid({ url: 'http://192.168.1.1/', headers: { Host: 'x' }, body: '{"a": "{{nope}}"}' })).expect(400)).body,
        'validation_failed',
      );
      expect(many.fields.map((f) => f.field).sort()).toEqual(['body', 'headers.Host', 'url']);
    });

    it('applies the same rules to updates, and refuses null for a field that cannot be empty', async () => {
      const { body: w } = await create(valid()).expect(201);
      expectError((await api.http().patch(`/v1/webhooks/${w.id}`).set(auth).send({ url: 'http://10.0.0.1/' }).expect(400)).body, 'validation_failed', ['url']);
      expectError((await api.http().patch(`/v1/webhooks/${w.id}`).set(auth).send({ enabled: null }).expect(400)).body, 'validation_failed', ['enabled']);
      expectError((await api.http().patch(`/v1/webhooks/${w.id}`).set(auth).send({ event: null }).expect(400)).body, 'validation_failed', ['event']);
      expectError((await api.http().patch(`/v1/webhooks/${w.id}`).set(auth).send({ id: 'mine' }).expect(400)).body, 'validation_failed', ['id']);
      // switching to GET re-checks the stored body against GET's rule
      await api.http().patch(`/v1/webhooks/${w.id}`).set(auth).send({ body: '"{{uuid}}"' }).expect(200);
      expectError((await api.http().patch(`/v1/webhooks/${w.id}`).set(auth).send({ method: 'GET' }).expect(400)).body, 'validation_failed', ['body']);
      const unchanged = await api.http().get(`/v1/webhooks/${w.id}`).set(auth).expect(200);
      expect(unchanged.body).toMatchObject({ url: 'https://crm.example.com/hooks/calls', method: 'POST', version: 2 });
    });
  });

  describe('list', () => {
    let customer: Record<string, string>;
    const ids: string[] = [];

    beforeAll(async () => {
      customer = bearer(await customerWithKey(api, 'wh-list'));
      const specs = [
        { event: 'Call:Hangup', url: 'https://crm.example.com/a', enabled: true },
        { event: 'Call:Answer', url: 'https://crm.example.com/b', enabled: false },
        { event: 'Call:Hangup', url: 'https://billing.example.org/x', enabled: false },
        { event: 'Ivr:Start', url: 'https://CRM.example.com/c', enabled: true },
        { event: 'Call:Hangup', url: 'https://hooks.example.net/crm.example.com', enabled: true },
      ];
      for (const s of specs) {
        const res = await api.http().post('/v1/webhooks').set(customer).send(s).expect(201);
        ids.push(res.body.id);
      }
    });

    const list = (query: string) => api.http().get(`/v1/webhooks${query}`).set(customer);

    it('orders by creation date, newest first by default, and pages with a cursor or a page number', async () => {
      const desc = await list('').expect(200);
      expect(desc.body.data.map((w: { id: string }) => w.id)).toEqual([...ids].reverse());
      expect(desc.body.page).toEqual({ limit: 50, order: 'desc', total: 5, page: null, next_cursor: null });

      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const res: { body: { data: Array<{ id: string }>; page: { next_cursor: string | null } } } = await list(
          `?order=asc&limit=2${cursor ? `&cursor=${cursor}` : ''}`,
        ).expect(200);
        seen.push(...res.body.data.map((w) => w.id));
        cursor = res.body.page.next_cursor;
        pages++;
      } while (cursor);
      expect(seen).toEqual(ids);
      expect(pages).toBe(3);

      const page2 = await list('?order=asc&limit=2&page=2').expect(200);
      expect(page2.body.data.map((w: { id: string }) => w.id)).toEqual(ids.slice(2, 4));
      expect(page2.body.page).toMatchObject({ page: 2, total: 5 });
    });

    it('filters by event, enabled and URL (substring, case-insensitive, or prefix)', async () => {
      const pick = async (query: string) => ((await list(query).expect(200)).body.data as Array<{ id: string }>).map((w) => ids.indexOf(w.id)).sort();
      expect(await pick('?event=Call:Hangup')).toEqual([0, 2, 4]);
      expect(await pick('?enabled=false')).toEqual([1, 2]);
      expect(await pick('?enabled=true&event=Call:Hangup')).toEqual([0, 4]);
      expect(await pick('?url=crm.example.com')).toEqual([0, 1, 3, 4]);
      expect(await pick('?url_prefix=https://crm.example.com/')).toEqual([0, 1]);
      expect(await pick('?url=.*')).toEqual([]);
      const total = (await list('?event=Call:Hangup&limit=1').expect(200)).body.page.total;
      expect(total).toBe(3);
    });

    it.each([
      ['?limit=0', ['limit']],
      ['?limit=201', ['limit']],
      ['?limit=ten', ['limit']],
      ['?page=0', ['page']],
      ['?order=newest', ['order']],
      ['?enabled=maybe', ['enabled']],
      ['?event=Call:Unknown', ['event']],
      ['?cursor=garbage', ['cursor']],
      ['?cursor=eyJ0IjoxLCJpIjoieCIsIm8iOiJhc2MifQ&order=desc', ['cursor']],
      ['?page=2&cursor=eyJ0IjoxLCJpIjoieCIsIm8iOiJkZXNjIn0', ['page']],
      ['?sort=url', ['sort']],
    ])('refuses the query %s', async (query, fields) => {
      expectError((await list(query).expect(400)).body, 'validation_failed', fields);
    });
  });

  describe('signing secret', () => {
    it('is made with the webhook, and a rotation keeps the previous one for the overlap (24 h)', async () => {
      const { body: w } = await create(valid()).expect(201);
      const first = await api.http().get(`/v1/webhooks/${w.id}/secret`).set(auth).expect(200);
      expect(first.body).toEqual({ secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/), previous: [] });

      const before = Date.now();
      const rotated = await api.http().post(`/v1/webhooks/${w.id}/secret/rotate`).set(auth).expect(200);
      expect(rotated.body.secret).toMatch(/^whsec_/);
      expect(rotated.body.secret).not.toBe(first.body.secret);
      expect(rotated.body.previous).toEqual([{ secret: first.body.secret, expires_at: expect.any(String) }]);
      const expires = Date.parse(rotated.body.previous[0].expires_at);
      expect(expires).toBeGreaterThanOrEqual(before + 24 * HOUR - 1000);
      expect(expires).toBeLessThanOrEqual(Date.now() + 24 * HOUR + 1000);

      await api.http().get(`/v1/webhooks/${w.id}/secret`).set(auth).expect(200, rotated.body);
      // the secret is never part of the webhook itself
      const got = await api.http().get(`/v1/webhooks/${w.id}`).set(auth).expect(200);
      expect(JSON.stringify(got.body)).not.toContain('whsec_');
      expect(got.body.version).toBe(2);
      expectError((await api.http().post('/v1/webhooks/7b0c9d3e-1f2a-4b5c-8d6e-9f0a1b2c3d4e/secret/rotate').set(auth).expect(404)).body, 'not_found');
    });
  });

  describe('preview', () => {
    it('renders a saved POST body with the sample call data, typed', async () => {
      const sample = samplePayload();
      const { body: w } = await create(
        valid({ body: '{"call": "{{uuid}}", "seconds": "{{duration}}", "note": "{{cause}} after {{duration}}s", "fixed": [1, true, null]}' }),
      ).expect(201);
      const preview = await api.http().post(`/v1/webhooks/${w.id}/preview`).set(auth).expect(200);
      expect(preview.body).toEqual({
        method: 'POST',
        url: 'https://crm.example.com/hooks/calls',
        body: { call: sample.uuid, seconds: sample.duration, note: `${sample.cause} after ${sample.duration}s`, fixed: [1, true, null] },
        query: null,
        sample: { ...sample },
      });
    });

    it('renders a GET webhook as query parameters, and no body as the full payload', async () => {
      const sample = samplePayload();
      const { body: get } = await create(
        valid({ method: 'GET', url: 'https://crm.example.com/hook?source=pbx', body: '{"id": "{{uuid}}", "d": "{{duration}}"}' }),
      ).expect(201);
      const p = await api.http().post(`/v1/webhooks/${get.id}/preview`).set(auth).expect(200);
      expect(p.body.body).toBeNull();
      expect(p.body.query).toEqual({ id: sample.uuid, d: String(sample.duration) });
      const url = new URL(p.body.url);
      expect(url.searchParams.get('source')).toBe('pbx');
      expect(url.searchParams.get('id')).toBe(sample.uuid);

      const { body: full } = await create(valid()).expect(201);
      const all = await api.http().post(`/v1/webhooks/${full.id}/preview`).set(auth).expect(200);
      expect(all.body.body).toEqual({ ...sample });
    });

    it('previews an unsaved template, checked as a save would check it', async () => {
      const ok = await api.http().post('/v1/templates/preview').set(auth).send({ body: '{"n": "{{caller_id_number}}"}' }).expect(200);
      expect(ok.body.body).toEqual({ n: samplePayload().caller_id_number });
      const bad = await api.http().post('/v1/templates/preview').set(auth).send({ body: '{"n": "{{caller}}"}' }).expect(400);
      expect(expectError(bad.body, 'validation_failed', ['body']).fields[0].message).toMatch(/unknown field "caller"/);
      expectError((await api.http().post('/v1/templates/preview').set(auth).send({ method: 'DELETE' }).expect(400)).body, 'validation_failed', ['method']);
      expectError((await api.http().post('/v1/templates/preview').send({ body: '{}' }).expect(401)).body, 'unauthorized');
    });

    it('refuses in a preview the URLs a save refuses (the metadata address, IPv4-compatible loopback)', async () => {
      for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://[::127.0.0.1]/', 'https://crm.example.com:0/']) {
        const res = await api.http().post('/v1/templates/preview').set(auth).send({ url }).expect(400);
        expectError(res.body, 'validation_failed', ['url']);
      }
    });
  });

  describe('catalog and API document', () => {
    it('lists the six events and the field catalog, without credentials', async () => {
      const res = await api.http().get('/v1/events').expect(200);
      expect(res.body.events.map((e: { name: string }) => e.name)).toEqual([
        'Call:Ringing',
        'Call:Answer',
        'Call:Hangup',
        'Call:Reporting',
        'Ivr:Start',
        'Ivr:End',
      ]);
      expect(res.body.fields.map((f: { name: string }) => f.name)).toContain('billing_duration_time');
      expect(res.body.fields).toHaveLength(27);
      expect(res.body.sample_payload).toEqual({ ...samplePayload() });
    });

    it('serves an OpenAPI document generated from the code, with examples and bearer auth, and interactive docs', async () => {
      const doc = (await api.http().get('/docs/openapi.json').expect(200)).body;
      expect(doc.openapi).toMatch(/^3\./);
      for (const path of [
        '/v1/webhooks',
        '/v1/webhooks/{id}',
        '/v1/webhooks/{id}/secret',
        '/v1/webhooks/{id}/secret/rotate',
        '/v1/webhooks/{id}/preview',
        '/v1/templates/preview',
        '/v1/environments',
        '/v1/environments/{id}',
        '/v1/environments/{id}/webhooks',
        '/v1/environments/{id}/webhooks/{webhookId}',
        '/v1/events',
        '/v1/customers',
        '/v1/customers/{customerId}/api-keys',
      ]) {
        expect(Object.keys(doc.paths)).toContain(path);
      }
      expect(doc.components.securitySchemes['api-key']).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
      expect(doc.paths['/v1/webhooks'].post.security).toEqual([{ 'api-key': [] }]);
      expect(doc.components.schemas.CreateWebhookDto.properties.event.enum).toEqual([
        'Call:Ringing',
        'Call:Answer',
        'Call:Hangup',
        'Call:Reporting',
        'Ivr:Start',
        'Ivr:End',
      ]);
      expect(doc.components.schemas.CreateWebhookDto.properties.url.example).toBe('https://crm.example.com/hooks/calls');
      expect(doc.components.schemas.ApiErrorDto).toBeDefined();
      const ui = await api.http().get('/docs').redirects(1).expect(200);
      expect(ui.text).toContain('swagger');
    });
  });
});
