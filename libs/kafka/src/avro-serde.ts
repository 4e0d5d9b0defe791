import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Type } from 'avsc';
import type { RegistrySettings } from '@callhooks/config';
import { loadSchema, valueSubject, type SchemaName } from '@callhooks/contracts';
import { DecodeError, ResolvingDecoder } from './resolving-decoder';

export { DecodeError } from './resolving-decoder';

/** How long a schema id the registry said it does not know is not asked again. */
const UNKNOWN_ID_MEMORY_MS = 60_000;
/** Registering a schema: how many tries, and the first pause between them (then ×4: 0.25, 1, 4 s). */
const REGISTER_ATTEMPTS = 4;
const REGISTER_BACKOFF_MS = 250;

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
  /** Per schema id, the writer schema (JSON) of records that carry it, or why it cannot be used. */
  private readonly writerSchemas = new Map<number, Promise<unknown>>();
  /** Per reader schema (null: as written) and writer schema id, the decoder, or the DecodeError of an incompatible writer. */
  private readonly decoders = new Map<SchemaName | null, Map<number, ResolvingDecoder | DecodeError>>();
  /** Our reader types, per contract. */
  private readonly readerTypes = new Map<SchemaName | null, Type>();
  /** Schema ids the registry did not know, until when to believe it. */
  private readonly unknownIds = new Map<number, number>();
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
        type.isValid(value, { errorHook: (path: string[]) => paths.push(path.join('.')) });
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
   * Decodes one record as `reader` (the contract of its topic), resolving the writer's schema to
   * it as Avro readers do; without `reader`, as it was written (tools and tests).
   * A DecodeError is the record's fault: bytes that are not Confluent Avro, a schema id the
   * registry says it does not know, a writer schema that cannot be read as ours, a body that
   * does not match its schema. A registry that cannot be reached or fails (network, 5xx) is not:
   * that error is thrown as it is, so consumers retry instead of setting good records aside.
   */
  async decode<T>(buffer: Buffer | null, reader?: SchemaName): Promise<T> {
    if (!buffer || buffer.length < 5) throw new DecodeError('not a Confluent Avro record: too short or empty');
    if (buffer[0] !== 0) throw new DecodeError(`not a Confluent Avro record: magic byte ${buffer[0]}`);
    const id = buffer.readInt32BE(1);
    let byId = this.decoders.get(reader ?? null);
    if (!byId) this.decoders.set(reader ?? null, (byId = new Map()));
    let decoder = byId.get(id);
    if (!decoder) {
      decoder = this.resolve(await this.writerSchema(id), reader);
      byId.set(id, decoder);
    }
    if (decoder instanceof DecodeError) throw new DecodeError(`schema id ${id}: ${decoder.message}`);
    try {
      return decoder.decode(buffer.subarray(5)) as T;
    } catch (err) {
      throw new DecodeError(`cannot decode Avro record with schema id ${id}: ${(err as Error).message}`);
    }
  }

  private resolve(writerSchema: unknown, reader: SchemaName | undefined): ResolvingDecoder | DecodeError {
    if (writerSchema instanceof DecodeError) return writerSchema;
    try {
      const schema = reader ? loadSchema(reader) : writerSchema;
      return ResolvingDecoder.for(writerSchema, schema as object, this.readerType(reader ?? null, schema as object));
    } catch (err) {
      if (err instanceof DecodeError) return err;
      throw err;
    }
  }

  private readerType(name: SchemaName | null, schema: object): Type {
    if (name === null) return Type.forSchema(schema as never);
    let type = this.readerTypes.get(name);
    if (!type) this.readerTypes.set(name, (type = Type.forSchema(schema as never)));
    return type;
  }

  /**
   * The writer schema of an id, asked of the registry once; a DecodeError (as the value) when the
   * id names a schema we cannot read. An unknown id is remembered for a while, a registry failure not.
   */
  private writerSchema(id: number): Promise<unknown> {
    const forgottenAt = this.unknownIds.get(id);
    if (forgottenAt !== undefined && forgottenAt > Date.now()) return Promise.reject(unknownId(id));
    let schema = this.writerSchemas.get(id);
    if (!schema) {
      schema = this.fetchWriterSchema(id);
      this.writerSchemas.set(id, schema);
      schema.catch((err: unknown) => {
        this.writerSchemas.delete(id);
        if (err instanceof DecodeError) {
          // forged ids must not cost a registry request each, nor fill memory
          if (this.unknownIds.size >= 10_000) this.unknownIds.clear();
          this.unknownIds.set(id, Date.now() + UNKNOWN_ID_MEMORY_MS);
        }
      });
    }
    return schema;
  }

  private async fetchWriterSchema(id: number): Promise<unknown> {
    let found: { schema?: string; schemaType?: string; references?: unknown[] };
    try {
      // the client's own API (its auth, timeout and retries): getSchema would build the type itself, for any schema type
      found = (await this.registry['api'].Schema.find({ id })).data();
    } catch (err) {
      if ((err as { status?: number }).status === 404) throw unknownId(id);
      throw new Error(`schema registry unavailable while resolving schema id ${id}: ${(err as Error).message}`);
    }
    if (found.schemaType && found.schemaType.toUpperCase() !== 'AVRO') return new DecodeError(`it is a ${found.schemaType} schema, not Avro`);
    if (found.references && found.references.length > 0) return new DecodeError('it refers to other schemas, which this reader does not follow');
    try {
      return JSON.parse(found.schema ?? '');
    } catch {
      return new DecodeError('it is not a JSON Avro schema');
    }
  }

  private writer(topic: string, schema: SchemaName): Promise<{ id: number; type: Type }> {
    let writer = this.writers.get(topic);
    if (!writer) {
      writer = this.register(topic, schema).then((id) => ({ id, type: Type.forSchema(loadSchema(schema) as never) }));
      // a failed registration (registry down) must not be cached forever
      writer.catch(() => this.writers.delete(topic));
      this.writers.set(topic, writer);
    }
    return writer;
  }

  /**
   * Registers a topic's schema (idempotent), trying again when the registry was slow or
   * unavailable: a registry busy for a few seconds (a JVM warming up, a loaded node) must not
   * fail a producer's first record. A refusal (incompatible or invalid schema) is final.
   */
  private async register(topic: string, schema: SchemaName): Promise<number> {
    const body = { type: SchemaType.AVRO as const, schema: JSON.stringify(loadSchema(schema)) };
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.registry.register(body, { subject: valueSubject(topic) })).id;
      } catch (err) {
        if (attempt >= REGISTER_ATTEMPTS || !isTransientRegistryError(err)) {
          throw new Error(`cannot register the ${schema} schema for ${topic} (attempt ${attempt}): ${(err as Error).message}`, { cause: err });
        }
        await new Promise((resolve) => setTimeout(resolve, REGISTER_BACKOFF_MS * 4 ** (attempt - 1)));
      }
    }
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

/**
 * A request timeout (the HTTP client reports it as status 400 "Timeout (…ms)"), a connection
 * that failed, or a 5xx left after the client's own retries. Anything else is an answer.
 */
function isTransientRegistryError(err: unknown): boolean {
  const status = (err as { status?: number }).status;
  if (status !== undefined && status >= 500) return true;
  return /\bTimeout \(\d+ms\)|ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|EAI_AGAIN|socket hang up/.test(String((err as Error)?.message));
}

function unknownId(id: number): DecodeError {
  return new DecodeError(`cannot decode Avro record: the registry knows no schema id ${id}`);
}
