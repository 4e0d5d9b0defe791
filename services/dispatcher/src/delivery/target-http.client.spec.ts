import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { TargetHttpClient, type HttpAttempt } from './target-http.client';

// An in-process HTTP server on loopback plays the receiver; the client runs for real.
type Route = (req: IncomingMessage, res: ServerResponse) => void;
let server: Server;
let base: string;
const routes = new Map<string, Route>();
const seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = [];
let connections = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() });
      const route = routes.get(new URL(req.url!, 'http://x').pathname);
      if (route) route(req, res);
      else res.end('ok');
    });
  });
  server.on('connection', () => connections++);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});
beforeEach(() => {
  seen.length = 0;
  routes.clear();
});

const client = (over: Partial<ConstructorParameters<typeof TargetHttpClient>[0]> = {}) =>
  new TargetHttpClient({ attemptTimeoutMs: 2000, snippetBytes: 64, allowPrivateTargets: true, maxSocketsPerTarget: 4, ...over });

describe('TargetHttpClient', () => {
  it('POSTs the body with its headers; 2xx is success with a snippet of the response', async () => {
    routes.set('/ok', (_req, res) => res.writeHead(201).end('{"received":true}'));
    const c = client();
    const r = await c.send({ method: 'POST', url: `${base}/ok`, headers: { 'content-type': 'application/json', 'x-custom': 'v' }, body: '{"a":1}' });
    expect(r).toMatchObject({ kind: 'success', statusCode: 201, errorClass: null, snippet: '{"received":true}', targetUnhealthy: false });
    expect(seen[0]).toMatchObject({ method: 'POST', url: '/ok', body: '{"a":1}' });
    expect(seen[0].headers).toMatchObject({ 'content-type': 'application/json', 'x-custom': 'v' });
    c.destroy();
  });

  it('sends a body beyond ASCII byte for byte, its content-length in bytes', async () => {
    routes.set('/utf8', (_req, res) => res.writeHead(200).end());
    const c = client();
    const body = '{"caller":"Zoë Ørsted","note":"☎ 📞"}';
    const r = await c.send({ method: 'POST', url: `${base}/utf8`, headers: {}, body });
    expect(r.kind).toBe('success');
    const got = seen.find((x) => x.url === '/utf8')!;
    expect(got.body).toBe(body);
    expect(got.headers['content-length']).toBe(String(Buffer.byteLength(body)));
    expect(Buffer.byteLength(body)).toBeGreaterThan(body.length);
    c.destroy();
  });

  it('GETs the URL as given (query included) without a body', async () => {
    const c = client();
    const r = await c.send({ method: 'GET', url: `${base}/get?uuid=c1&cause=answer`, headers: {}, body: null });
    expect(r.kind).toBe('success');
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/get?uuid=c1&cause=answer', body: '' });
    c.destroy();
  });

  it('keeps only the first bytes of a large response body', async () => {
    routes.set('/big', (_req, res) => res.end('x'.repeat(200_000)));
    const c = client();
    const r = await c.send({ method: 'GET', url: `${base}/big`, headers: {}, body: null });
    expect(r.kind).toBe('success');
    expect(r.snippet).toBe('x'.repeat(64));
    c.destroy();
  });

  it('keeps the snippet of a body the receiver compressed unasked, decompressed', async () => {
    routes.set('/gzip', (_req, res) => {
      res.writeHead(500, { 'content-encoding': 'gzip' });
      res.end(gzipSync('database is down'));
    });
    const c = client();
    const r = await c.send({ method: 'POST', url: `${base}/gzip`, headers: {}, body: '{}' });
    expect(r).toMatchObject({ kind: 'failure', statusCode: 500, snippet: 'database is down' });
    c.destroy();
  });

  it('does not follow redirects: a 3xx is a failure', async () => {
    routes.set('/moved', (_req, res) => res.writeHead(302, { location: `${base}/elsewhere` }).end());
    const c = client();
    const r = await c.send({ method: 'POST', url: `${base}/moved`, headers: {}, body: '{}' });
    expect(r).toMatchObject({ kind: 'failure', statusCode: 302, errorClass: 'redirect' });
    expect(seen.map((s) => s.url)).toEqual(['/moved']);
    c.destroy();
  });

  it('classifies 410 as gone, 404 as a failure that is not the target’s health, 500 and 429 as unhealthy', async () => {
    routes.set('/gone', (_req, res) => res.writeHead(410).end());
    routes.set('/missing', (_req, res) => res.writeHead(404).end('no such hook'));
    routes.set('/broken', (_req, res) => res.writeHead(500).end());
    routes.set('/slow-down', (_req, res) => res.writeHead(429, { 'retry-after': '7' }).end());
    routes.set('/unavailable', (_req, res) => res.writeHead(503, { 'retry-after': new Date(Date.now() + 60_000).toUTCString() }).end());
    const c = client();
    const send = (path: string) => c.send({ method: 'POST', url: `${base}${path}`, headers: {}, body: '{}' });
    expect(await send('/gone')).toMatchObject({ kind: 'gone', statusCode: 410 });
    expect(await send('/missing')).toMatchObject({ kind: 'failure', statusCode: 404, errorClass: 'http_status', targetUnhealthy: false, snippet: 'no such hook' });
    expect(await send('/broken')).toMatchObject({ kind: 'failure', statusCode: 500, targetUnhealthy: true, retryAfterMs: null });
    expect(await send('/slow-down')).toMatchObject({ kind: 'failure', statusCode: 429, targetUnhealthy: true, retryAfterMs: 7000 });
    const unavailable = await send('/unavailable');
    expect(unavailable.retryAfterMs).toBeGreaterThan(55_000);
    c.destroy();
  });

  it('times out a receiver that never answers: at the attempt timeout, not before, closing the connection', async () => {
    let arrived!: () => void;
    const received = new Promise<void>((r) => (arrived = r));
    const closed = new Promise<void>((r) =>
      routes.set('/hang', (req) => {
        req.socket.once('close', () => r());
        arrived();
      }),
    );
    // a fake clock (the sockets stay real): the timeout fires when the test moves the clock
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    try {
      const c = client({ attemptTimeoutMs: 300 });
      let r: HttpAttempt | undefined;
      const sent = c.send({ method: 'POST', url: `${base}/hang`, headers: {}, body: '{}' }).then((attempt) => (r = attempt));
      await received;
      await jest.advanceTimersByTimeAsync(299);
      expect(r).toBeUndefined();
      await jest.advanceTimersByTimeAsync(1);
      await sent;
      expect(r).toMatchObject({ kind: 'failure', errorClass: 'timeout', statusCode: null, targetUnhealthy: true, latencyMs: 300 });
      await closed; // the client hung up: nothing is left waiting on the receiver
      c.destroy();
    } finally {
      jest.useRealTimers();
    }
  });

  it('times out a response whose body drips too slowly', async () => {
    let cutByClient!: (cut: boolean) => void;
    const cut = new Promise<boolean>((r) => (cutByClient = r));
    routes.set('/drip', (_req, res) => {
      res.writeHead(500);
      res.write('a');
      res.once('close', () => cutByClient(!res.writableEnded));
    });
    const c = client({ attemptTimeoutMs: 300 });
    const r = await c.send({ method: 'POST', url: `${base}/drip`, headers: {}, body: '{}' });
    // the status arrived: it decides, with what came of the body; and the attempt still ends,
    // the client cutting the body the receiver never finishes (the timeout, the only way out)
    expect(r).toMatchObject({ kind: 'failure', statusCode: 500, snippet: 'a' });
    expect(await cut).toBe(true);
    c.destroy();
  });

  it('classifies a refused connection', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((r) => probe.close(r));
    const c = client();
    const r = await c.send({ method: 'POST', url: `http://127.0.0.1:${port}/`, headers: {}, body: '{}' });
    expect(r).toMatchObject({ kind: 'failure', errorClass: 'connection_refused', targetUnhealthy: true });
    c.destroy();
  });

  it('refuses private targets unless allowed: blocked, nothing sent', async () => {
    const c = client({ allowPrivateTargets: false });
    const r = await c.send({ method: 'POST', url: `${base}/ok`, headers: {}, body: '{}' });
    expect(r).toMatchObject({ kind: 'blocked', errorClass: 'blocked_address', statusCode: null });
    expect(seen).toHaveLength(0);
    c.destroy();
  });

  it('reports a request that cannot be sent (bad header name) as invalid', async () => {
    const c = client();
    const r = await c.send({ method: 'POST', url: `${base}/ok`, headers: { 'bad header': 'v' }, body: '{}' });
    expect(r).toMatchObject({ kind: 'invalid', errorClass: 'invalid_request' });
    c.destroy();
  });

  it('reuses keep-alive connections', async () => {
    const c = client();
    const before = connections;
    for (let i = 0; i < 5; i++) expect((await c.send({ method: 'POST', url: `${base}/ok`, headers: {}, body: '{}' })).kind).toBe('success');
    expect(connections - before).toBe(1);
    c.destroy();
  });
});
