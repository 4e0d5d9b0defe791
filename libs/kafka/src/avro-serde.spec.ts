import { AvroSerde, DecodeError } from './avro-serde';

describe('AvroSerde.decode', () => {
  // nothing listens on port 1: the registry cannot be reached
  const unreachable = new AvroSerde({ url: 'http://127.0.0.1:1' });
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
});
