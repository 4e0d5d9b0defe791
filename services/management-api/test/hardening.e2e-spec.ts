import { randomBytes, randomUUID } from 'node:crypto';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { requireServers, uniqueDatabase, uniquePrefix } from '@callhooks/testing';
import { bearer, customerWithKey, expectError, operator, startManagementApi, type RunningApi } from './management-api.harness';

/** `[[[…1…]]]` nested `depth` levels, as raw JSON text. */
function nested(depth: number): string {
  return '['.repeat(depth) + '1' + ']'.repeat(depth);
}

const crafted = (t: number) => Buffer.from(JSON.stringify({ t, i: 'x', o: 'desc' })).toString('base64url');

/**
 * Counts the database operations on a collection while `work` runs (mongoose's debug hook);
 * `about` narrows them by their filter (the config reconciler reads webhooks meanwhile).
 */
async function countQueries(
  api: RunningApi,
  collection: string,
  work: () => Promise<unknown>,
  about: (filter: Record<string, unknown>) => boolean = () => true,
): Promise<number> {
  let count = 0;
  api.connection.set('debug', (name: string, _method: string, filter: unknown) => {
    if (name === collection && about((filter ?? {}) as Record<string, unknown>)) count++;
  });
  try {
    await work();
  } finally {
    api.connection.set('debug', false);
  }
  return count;
}

describe('management API hardening (issue 14, e2e on the real servers)', () => {
  let api: RunningApi;
  let auth: Record<string, string>;

  beforeAll(async () => {
    await requireServers(['kafka', 'registry', 'mongo']);
    // with the delivery log, so GET /v1/deliveries is routed too
    api = await startManagementApi({ database: uniqueDatabase('mgmt_hard'), prefix: uniquePrefix('mgmt-hard'), withDeliveryLog: true });
    auth = bearer(await customerWithKey(api, 'hard'));
  });

  afterAll(async () => {
    await api?.connection.dropDatabase();
    await api?.close();
  });

  describe('request bodies are bounded before they are parsed', () => {
    it('answers 400 to a body nested 1,500 levels deep (was a 500 stack overflow in the validation pipe)', async () => {
      const body = `{"name":"x","timezone":"UTC","n":${nested(1500)}}`;
      const res = await api.http().put('/v1/environments/x').set(auth).set('Content-Type', 'application/json').send(body).expect(400);
      expect(expectError(res.body, 'validation_failed').message).toMatch(/nests deeper than 16 levels/);
    });

    it('answers 400 to a 400 KB body nested 200,000 levels, with or without a valid key', async () => {
      const body = nested(200_000);
      expect(body.length).toBeGreaterThan(399_000);
      for (const credentials of [auth, bearer(`chk_${randomBytes(32).toString('base64url')}`), {}]) {
        const res = await api.http().put('/v1/environments/x').set(credentials).set('Content-Type', 'application/json').send(body).expect(400);
        expectError(res.body, 'validation_failed');
      }
    });

    it('answers 400 to a body of more values than any request needs (many tiny arrays)', async () => {
      const body = `{"webhook_ids":[${'[],'.repeat(8000)}[]]}`;
      const res = await api.http().put('/v1/environments/x/webhooks').set(auth).set('Content-Type', 'application/json').send(body).expect(400);
      expect(expectError(res.body, 'validation_failed').message).toMatch(/more than 5000 values/);
    });

    it('still accepts the nesting the API itself uses', async () => {
      await api
        .http()
        .post('/v1/webhooks')
        .set(auth)
        .send({ event: 'Call:Hangup', url: 'https://crm.example.com/', headers: { 'X-A': 'b' } })
        .expect(201);
    });
  });

  describe('body-parser errors are 4xx in the standard shape', () => {
    const put = () => api.http().put('/v1/environments/enc').set(auth).set('Content-Type', 'application/json');

    it('a body that is not what its Content-Encoding says (br, gzip) is 400 malformed_json', async () => {
      for (const encoding of ['br', 'gzip', 'deflate']) {
        const res = await put().set('Content-Encoding', encoding).send('{"name":"x","timezone":"UTC"}').expect(400);
        expectError(res.body, 'malformed_json');
      }
    });

    it('an unknown Content-Encoding is 415 unsupported_media_type', async () => {
      const res = await put().set('Content-Encoding', 'zstd-or-else').send('{"name":"x","timezone":"UTC"}').expect(415);
      expect(expectError(res.body, 'unsupported_media_type').message).toMatch(/zstd-or-else/);
    });

    it.each(['koi8-r', 'utf-16', 'latin1'])('charset=%s is 415 unsupported_media_type (JSON is UTF-8)', async (charset) => {
      const res = await api
        .http()
        .put('/v1/environments/enc')
        .set(auth)
        .set('Content-Type', `application/json; charset=${charset}`)
        .send('{"name":"x","timezone":"UTC"}')
        .expect(415);
      expectError(res.body, 'unsupported_media_type');
    });

    it('a correctly compressed body (gzip, br) is read', async () => {
      // fetch sends the compressed bytes as they are (supertest would re-encode a Buffer body)
      const server = api.app.getHttpServer();
      if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/environments/enc`;
      const send = (encoding: string, body: Buffer) =>
        fetch(url, { method: 'PUT', headers: { ...auth, 'Content-Type': 'application/json', 'Content-Encoding': encoding }, body });
      const first = await send('gzip', gzipSync(JSON.stringify({ name: 'Compressed', timezone: 'UTC' })));
      expect([first.status, await first.json()]).toEqual([201, expect.objectContaining({ name: 'Compressed' })]);
      const again = await send('br', brotliCompressSync(JSON.stringify({ name: 'Brotli', timezone: 'UTC' })));
      expect([again.status, await again.json()]).toEqual([200, expect.objectContaining({ name: 'Brotli' })]);
    });
  });

  describe('a crafted cursor is 400 naming cursor on every paginated list', () => {
    const lists = (): Array<[string, Record<string, string>]> => [
      ['/v1/webhooks', auth],
      ['/v1/environments', auth],
      ['/v1/deliveries', auth],
      ['/v1/customers', operator()],
      ['/v1/customers/hard/api-keys', operator()],
    ];

    it.each([
      ['time 1e300', crafted(1e300)],
      ['time 9e15', crafted(9e15)],
      ['time -9e15', crafted(-9e15)],
      ['garbage', 'not-a-cursor-at-all'],
    ])('%s', async (_what, cursor) => {
      for (const [path, credentials] of lists()) {
        const res = await api.http().get(path).query({ cursor }).set(credentials);
        expect([path, res.status]).toEqual([path, 400]);
        expectError(res.body, 'validation_failed', ['cursor']);
      }
    });

    it('limit=abc says it must be an integer', async () => {
      const res = await api.http().get('/v1/webhooks?limit=abc').set(auth).expect(400);
      expect(expectError(res.body, 'validation_failed', ['limit']).fields[0].message).toMatch(/integer/);
    });
  });

  describe('replacing subscriptions', () => {
    it('checks 1,000 unknown webhook ids in one query, and names each', async () => {
      await api.http().put('/v1/environments/subs').set(auth).send({ name: 'Subs', timezone: 'UTC' }).expect(201);
      const unknown = Array.from({ length: 1000 }, () => randomUUID());
      let res: { status: number; body: unknown } | undefined;
      const queries = await countQueries(
        api,
        'webhooks',
        async () => {
          res = await api.http().put('/v1/environments/subs/webhooks').set(auth).send({ webhook_ids: unknown });
        },
        // queries about these ids only: the config publisher may read or acknowledge other webhooks by _id meanwhile
        (filter) => {
          const ids = JSON.stringify(filter._id ?? null);
          return unknown.some((id) => ids.includes(id));
        },
      );
      expect(res?.status).toBe(404);
      expect(expectError(res?.body, 'not_found').fields).toHaveLength(1000);
      expect(queries).toBe(1);
    });
  });

  describe('methods a path does not have', () => {
    it.each([
      ['TRACE', '/v1/webhooks', 'GET, HEAD, POST'],
      ['OPTIONS', '/v1/webhooks', 'GET, HEAD, POST'],
      ['PUT', '/v1/webhooks', 'GET, HEAD, POST'],
      ['POST', `/v1/webhooks/${randomUUID()}`, 'DELETE, GET, HEAD, PATCH'],
      ['DELETE', '/v1/events', 'GET, HEAD'],
    ])('%s %s is 405 with Allow', async (method, path, allow) => {
      const res = await api.http()[method.toLowerCase() as 'get'](path).set(auth).expect(405);
      expect(res.headers.allow).toBe(allow);
      expectError(res.body, 'method_not_allowed');
    });

    it('an unknown path is still 404', async () => {
      expectError((await api.http().get('/v1/nothing-here').set(auth).expect(404)).body, 'not_found');
    });
  });

  describe('the OpenAPI document says what the API enforces', () => {
    let doc: {
      paths: Record<
        string,
        Record<
          string,
          {
            parameters?: Array<{ name: string; in: string; schema: { pattern?: string } }>;
            responses: Record<string, unknown>;
            requestBody?: { content: Record<string, { schema: { $ref: string } }> };
          }
        >
      >;
      components: { schemas: Record<string, { additionalProperties?: unknown }> };
    };

    beforeAll(async () => {
      doc = (await api.http().get('/docs/openapi.json').expect(200)).body;
    });

    const operations = () => Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, op]) => ({ path, method, op })));

    it('refuses unknown properties in every request body', () => {
      const bodies = operations().flatMap(({ op }) =>
        op.requestBody ? [op.requestBody.content['application/json'].schema.$ref.split('/').pop() as string] : [],
      );
      expect(bodies.length).toBeGreaterThan(5);
      for (const name of bodies) expect([name, doc.components.schemas[name].additionalProperties]).toEqual([name, false]);
    });

    it('gives every path parameter its pattern, and lists it only where the path has it', () => {
      for (const { path, op } of operations()) {
        for (const p of (op.parameters ?? []).filter((x) => x.in === 'path')) {
          expect(path).toContain(`{${p.name}}`);
          expect(p.schema.pattern).toEqual(expect.any(String));
        }
      }
      expect(doc.paths['/v1/environments'].get.parameters?.some((p) => p.in === 'path')).toBe(false);
      expect(doc.paths['/v1/webhooks/{id}'].get.parameters?.[0].schema.pattern).toMatch(/\[0-9a-fA-F\]\{8\}/);
    });

    it('documents 400, 413 and 415 on every operation (GET /v1/deliveries included) and 404 exactly where a path names a resource', () => {
      for (const { path, method, op } of operations()) {
        for (const status of ['400', '413', '415']) expect([method, path, status, status in op.responses]).toEqual([method, path, status, true]);
        expect([method, path, '404' in op.responses]).toEqual([method, path, path.includes('{')]);
      }
    });

    it('documents the cursor and page exclusivity and the paging limits', () => {
      const params = doc.paths['/v1/webhooks'].get.parameters ?? [];
      const byName = Object.fromEntries(params.map((p) => [p.name, p as unknown as { description: string; schema: Record<string, unknown> }]));
      expect(byName.cursor.description).toMatch(/Not combinable with `page`/);
      expect(byName.page.description).toMatch(/Not combinable with `cursor`/);
      expect(byName.limit.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 200 });
    });
  });
});

describe('failed sign-ins are limited per client address (e2e)', () => {
  let api: RunningApi;
  let key: string;
  const randomKey = () => `chk_${randomBytes(32).toString('base64url')}`;

  beforeAll(async () => {
    await requireServers(['kafka', 'registry', 'mongo']);
    api = await startManagementApi({
      database: uniqueDatabase('mgmt_signin'),
      prefix: uniquePrefix('mgmt-signin'),
      env: { MANAGEMENT_SIGN_IN_FAILURES_PER_MINUTE: '4', MANAGEMENT_API_KEY_CACHE_MS: '600000' },
    });
    key = await customerWithKey(api, 'signin');
    await api.http().get('/v1/webhooks').set(bearer(key)).expect(200);
  });

  afterAll(async () => {
    await api?.connection.dropDatabase();
    await api?.close();
  });

  it('a repeated unknown key costs one database read, not one per request', async () => {
    const wrong = randomKey();
    const reads = await countQueries(api, 'api_keys', async () => {
      for (let i = 0; i < 3; i++) await api.http().get('/v1/webhooks').set(bearer(wrong)).expect(401);
    });
    expect(reads).toBe(1);
  });

  it('past the budget: 429 with Retry-After for random keys, no key and wrong operator tokens, before any database read', async () => {
    // 3 failures above; the 4th uses up the budget
    expectError((await api.http().get('/v1/webhooks').expect(401)).body, 'unauthorized');
    const reads = await countQueries(api, 'api_keys', async () => {
      for (const request of [
        () => api.http().get('/v1/webhooks').set(bearer(randomKey())),
        () => api.http().get('/v1/environments'),
        () => api.http().get('/v1/customers').set(bearer('not-the-operator-token-at-all-0123')),
      ]) {
        const res = await request().expect(429);
        expectError(res.body, 'rate_limited');
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(Number(res.headers['retry-after'])).toBeLessThanOrEqual(60);
      }
    });
    expect(reads).toBe(0);
  });

  it('a key already verified from memory and the operator token still pass while the address is limited', async () => {
    await api.http().get('/v1/webhooks').set(bearer(key)).expect(200);
    await api.http().get('/v1/customers').set(operator()).expect(200);
  });
});
