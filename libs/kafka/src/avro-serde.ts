import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import type { RegistrySettings } from '@callhooks/config';
import { loadSchema, valueSubject, type SchemaName } from '@callhooks/contracts';

/** Raised when bytes are not a Confluent-framed Avro record of a schema we can resolve. */
export class DecodeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DecodeError';
  }
}

/**
 * Avro in the Confluent wire format (magic byte, 4-byte schema id, Avro body), with the
 * schemas of libs/contracts registered under `<topic>-value`. Schema ids are cached, so
 * after the first record of a topic encoding costs no round trip.
 */
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

export class AvroSerde {
  readonly registry: SchemaRegistry;
  private readonly ids = new Map<string, Promise<number>>();

  constructor(private readonly settings: RegistrySettings) {
    this.registry = new SchemaRegistry({
      host: settings.url,
      auth: settings.username ? { username: settings.username, password: settings.password ?? '' } : undefined,
      middlewares: [requestTimeout(settings.timeoutMs ?? 5000)],
    });
  }

  /** Registers (idempotently) the schema of a topic and returns its id. */
  schemaId(topic: string, schema: SchemaName): Promise<number> {
    let id = this.ids.get(topic);
    if (!id) {
      id = this.registry
        .register({ type: SchemaType.AVRO, schema: JSON.stringify(loadSchema(schema)) }, { subject: valueSubject(topic) })
        .then((r) => r.id);
      // a failed registration (registry down) must not be cached forever
      id.catch(() => this.ids.delete(topic));
      this.ids.set(topic, id);
    }
    return id;
  }

  async encode(topic: string, schema: SchemaName, value: unknown): Promise<Buffer> {
    const id = await this.schemaId(topic, schema);
    return this.registry.encode(id, value);
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
    try {
      // cached after the first record of each schema id
      await this.registry.getSchema(id);
    } catch (err) {
      if ((err as { status?: number }).status === 404) throw new DecodeError(`cannot decode Avro record: the registry knows no schema id ${id}`);
      throw new Error(`schema registry unavailable while resolving schema id ${id}: ${(err as Error).message}`);
    }
    try {
      return (await this.registry.decode(buffer)) as T;
    } catch (err) {
      throw new DecodeError(`cannot decode Avro record with schema id ${id}: ${(err as Error).message}`);
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
