import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { Type } from 'avsc';
import type { RegistrySettings } from '@callhooks/config';
import { loadSchema, valueSubject, type SchemaName } from '@callhooks/contracts';

/** Raised when bytes are not a Confluent-framed Avro record of a schema we can resolve. */
export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodeError';
  }
}

type RegistryMiddleware = NonNullable<ConstructorParameters<typeof SchemaRegistry>[0]['middlewares']>[number];

/**
 * A timeout on every registry request. The client sets none, so a registry that accepts the
 * connection and never answers would hang the consumer waiting on it until its group evicts it.
 */
function requestTimeout(ms: number): RegistryMiddleware {
  return () => ({
    async prepareRequest(next) {
      const request = await next();
      return request.timeout() ? request : request.enhance({ timeout: ms });
    },
  });
}

/**
 * Avro in the Confluent wire format (magic byte, 4-byte schema id, Avro body), with the
 * schemas of libs/contracts registered under `<topic>-value`. The registry is asked once per
 * topic (encoding) and once per schema id (decoding); after that both are synchronous Avro
 * work on a cached type, since every consumed and produced record of the pipeline passes here.
 */
export class AvroSerde {
  readonly registry: SchemaRegistry;
  /** Per topic, the id and type of the schema its records are written with. */
  private readonly writers = new Map<string, Promise<{ id: number; type: Type }>>();
  /** Per schema id, the writer type of records that carry it. */
  private readonly readers = new Map<number, Type>();
  /** Where values are encoded before being copied out at their exact size. */
  private scratch = Buffer.allocUnsafe(64 * 1024);

  constructor(private readonly settings: RegistrySettings) {
    this.registry = new SchemaRegistry({
      host: settings.url,
      auth: settings.username ? { username: settings.username, password: settings.password ?? '' } : undefined,
      middlewares: [requestTimeout(settings.timeoutMs)],
    });
  }

  /** Registers (idempotently) the schema of a topic and returns its id. */
  async schemaId(topic: string, schema: SchemaName): Promise<number> {
    return (await this.writer(topic, schema)).id;
  }

  async encode(topic: string, schema: SchemaName, value: unknown): Promise<Buffer> {
    return (await this.encoder(topic, schema))(value);
  }

  /** A synchronous encoder for the records of a topic (the registry is asked on the first call only). */
  async encoder(topic: string, schema: SchemaName): Promise<(value: unknown) => Buffer> {
    const { id, type } = await this.writer(topic, schema);
    return (value) => {
      let end: number;
      try {
        end = this.encodeInto(type, value);
      } catch (err) {
        const paths: string[] = [];
        type.isValid(value, { errorHook: (path) => paths.push(path.join('.')) });
        throw new Error(`cannot encode a ${schema} record for ${topic}: ${(err as Error).message}${paths.length > 0 ? ` (invalid fields: ${paths.join(', ')})` : ''}`);
      }
      const framed = Buffer.allocUnsafe(end);
      this.scratch.copy(framed, 0, 0, end);
      framed[0] = 0;
      framed.writeInt32BE(id, 1);
      return framed;
    };
  }

  /**
   * Encodes after the 5-byte header into the scratch buffer, growing it when a value does not
   * fit, and returns the end. (avsc's toBuffer starts from 1 KB and encodes a larger value twice.)
   */
  private encodeInto(type: Type, value: unknown): number {
    for (;;) {
      const end = type.encode(value, this.scratch, 5);
      if (end >= 0) return end;
      // a negative end is how many bytes were missing
      this.scratch = Buffer.allocUnsafe(2 ** Math.ceil(Math.log2(this.scratch.length - end)));
    }
  }

  /**
   * Decodes one record. A DecodeError is the record's fault: bytes that are not Confluent Avro,
   * a schema id the registry says it does not know, a body that does not match its schema.
   * A registry that cannot be reached or fails (network, 5xx) is not: that error is thrown as
   * it is, so consumers retry instead of setting good records aside.
   */
  async decode<T>(buffer: Buffer | null): Promise<T> {
    if (!buffer || buffer.length < 5) throw new DecodeError('not a Confluent Avro record: too short or empty');
    if (buffer[0] !== 0) throw new DecodeError(`not a Confluent Avro record: magic byte ${buffer[0]}`);
    const id = buffer.readInt32BE(1);
    const type = this.readers.get(id) ?? (await this.reader(id));
    try {
      return type.fromBuffer(buffer.subarray(5)) as T;
    } catch (err) {
      throw new DecodeError(`cannot decode Avro record with schema id ${id}: ${(err as Error).message}`);
    }
  }

  private writer(topic: string, schema: SchemaName): Promise<{ id: number; type: Type }> {
    let writer = this.writers.get(topic);
    if (!writer) {
      writer = this.registry
        .register({ type: SchemaType.AVRO, schema: JSON.stringify(loadSchema(schema)) }, { subject: valueSubject(topic) })
        .then(async ({ id }) => ({ id, type: (await this.registry.getSchema(id)) as unknown as Type }));
      // a failed registration (registry down) must not be cached forever
      writer.catch(() => this.writers.delete(topic));
      this.writers.set(topic, writer);
    }
    return writer;
  }

  private async reader(id: number): Promise<Type> {
    let type: Type;
    try {
      type = (await this.registry.getSchema(id)) as unknown as Type;
    } catch (err) {
      if ((err as { status?: number }).status === 404) throw new DecodeError(`cannot decode Avro record: the registry knows no schema id ${id}`);
      throw new Error(`schema registry unavailable while resolving schema id ${id}: ${(err as Error).message}`);
    }
    this.readers.set(id, type);
    return type;
  }

  /** Readiness: the registry answers its subjects listing. */
  async ping(): Promise<void> {
    const headers: Record<string, string> = {};
    if (this.settings.username) {
      headers.authorization = `Basic ${Buffer.from(`${this.settings.username}:${this.settings.password ?? ''}`).toString('base64')}`;
    }
    const res = await fetch(`${this.settings.url.replace(/\/$/, '')}/subjects`, { headers, signal: AbortSignal.timeout(2000) });
    if (!res.ok) throw new Error(`schema registry answered ${res.status}`);
  }
}
