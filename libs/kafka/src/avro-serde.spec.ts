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
