import { createServer, type Server, type Socket } from 'node:net';
import { AvroSerde, DecodeError } from './avro-serde';

describe('AvroSerde.decode', () => {
  // nothing listens on port 1: the registry cannot be reached
  const unreachable = new AvroSerde({ url: 'http://127.0.0.1:1', timeoutMs: 5000 });
  const framed = Buffer.from([0, 0, 0, 0, 7, 2, 4, 6]);

  it('blames the record for bytes that are not Confluent Avro', async () => {
    await expect(unreachable.decode(Buffer.from([1, 0, 0, 0, 7, 2]))).rejects.toThrow(DecodeError);
    await expect(unreachable.decode(Buffer.from([0, 0]))).rejects.toThrow(DecodeError);
    await expect(unreachable.decode(null)).rejects.toThrow(DecodeError);
  });

  it('does not blame the record when the registry cannot be reached: consumers retry instead of dead-lettering', async () => {
    const err = await unreachable.decode(framed).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(DecodeError);
    expect((err as Error).message).toMatch(/schema registry unavailable while resolving schema id 7/);
  });

  describe('with a registry that accepts connections and never answers', () => {
    let server: Server;
    const sockets: Socket[] = [];
    let silent: AvroSerde;

    beforeAll(async () => {
      server = createServer((socket) => sockets.push(socket));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as { port: number };
      silent = new AvroSerde({ url: `http://127.0.0.1:${port}`, timeoutMs: 150 });
    });

    afterAll(async () => {
      sockets.forEach((s) => s.destroy());
      await new Promise((resolve) => server.close(resolve));
    });

    it('gives up after the request timeout, as an unavailable registry, instead of waiting for ever', async () => {
      let timer: NodeJS.Timeout | undefined;
      const outcome = await Promise.race([
        silent.decode(framed).then(
          () => 'decoded',
          (e: unknown) => e,
        ),
        new Promise((resolve) => (timer = setTimeout(() => resolve('still waiting'), 4000))),
      ]);
      clearTimeout(timer);
      expect(outcome).toBeInstanceOf(Error);
      expect(outcome).not.toBeInstanceOf(DecodeError);
      expect((outcome as Error).message).toMatch(/schema registry unavailable while resolving schema id 7: .*Timeout \(150ms\)/);
    });
  });
});

describe('AvroSerde registering a topic schema', () => {
  let server: Server;
  let url: string;
  /** What the fake registry does with each registration, in turn. */
  let script: Array<'hang' | 'fail' | 'refuse' | 'ok'>;
  const requests: string[] = [];

  beforeAll(async () => {
    const { createServer: createHttpServer } = await import('node:http');
    const http = createHttpServer((req, res) => {
      res.setHeader('content-type', 'application/vnd.schemaregistry.v1+json');
      // the client asks the subject's compatibility before registering
      if (req.method === 'GET') return res.writeHead(200).end(JSON.stringify({ compatibilityLevel: 'BACKWARD' }));
      requests.push(`${req.method} ${req.url}`);
      const step = script.shift() ?? 'ok';
      if (step === 'hang') return; // never answers: the client's timeout ends it
      if (step === 'fail') res.writeHead(503).end(JSON.stringify({ error_code: 50301, message: 'busy' }));
      else if (step === 'refuse') res.writeHead(409).end(JSON.stringify({ error_code: 409, message: 'incompatible schema' }));
      else res.writeHead(200).end(JSON.stringify({ id: 42 }));
    });
    server = http as unknown as Server;
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(http.address() as { port: number }).port}`;
  });

  beforeEach(() => {
    requests.length = 0;
  });

  afterAll(async () => {
    (server as unknown as { closeAllConnections(): void }).closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('tries again when the registry is slow or busy, and then registers', async () => {
    script = ['hang', 'hang', 'ok'];
    const serde = new AvroSerde({ url, timeoutMs: 200 });
    await expect(serde.schemaId('t.calls', 'call-leg')).resolves.toBe(42);
    expect(requests).toEqual(Array(3).fill('POST /subjects/t.calls-value/versions'));
  });

  it('does not try again when the registry refuses the schema, and says which topic', async () => {
    script = ['refuse', 'ok'];
    const serde = new AvroSerde({ url, timeoutMs: 200 });
    await expect(serde.schemaId('t.calls', 'call-leg')).rejects.toThrow(/cannot register the call-leg schema for t\.calls \(attempt 1\): .*incompatible schema/);
    expect(requests).toHaveLength(1);
  });

  it('gives up after its last try, and a later record tries again', async () => {
    script = ['hang', 'hang', 'hang', 'hang', 'ok'];
    const serde = new AvroSerde({ url, timeoutMs: 200 });
    await expect(serde.schemaId('t.calls', 'call-leg')).rejects.toThrow(/attempt 4\): .*Timeout \(200ms\)/);
    await expect(serde.schemaId('t.calls', 'call-leg')).resolves.toBe(42);
    expect(requests).toHaveLength(5);
  }, 15_000);
});
