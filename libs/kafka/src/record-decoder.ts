import type { IHeaders, KafkaMessage } from 'kafkajs';
import { RetryableError, type TopicSpec } from '@callhooks/contracts';
import { DecodeError, type AvroSerde } from './avro-serde';
import type { ConsumedRecord } from './batch-context';
import { contractProblem, oversizeProblem, type DeadLetter } from './dead-letter';

/**
 * Turns fetched messages into the records a handler sees, or into the dead letters they make;
 * keeps each record's original message so that a dead letter carries the bytes as they arrived.
 */
export class RecordDecoder<T> {
  private readonly raw = new WeakMap<object, KafkaMessage>();

  constructor(
    private readonly serde: AvroSerde,
    /** The contract (schema, size bound) of each consumed topic, by its name in this deployment. */
    private readonly specs: Map<string, TopicSpec>,
    private readonly validate?: (value: T, record: ConsumedRecord<T>) => string | null,
  ) {}

  /**
   * A record as its handler sees it, or the dead letter it makes: larger than its topic's bound,
   * not readable as the topic's contract (DecodeError), or breaking the contract check. Only a
   * registry outage throws (retried: it is not the record's fault).
   */
  async decode(topic: string, partition: number, m: KafkaMessage): Promise<ConsumedRecord<T> | DeadLetter> {
    const spec = this.specs.get(topic);
    const oversized = spec && oversizeProblem(spec, topic, m.value);
    if (oversized) return asLetter(topic, partition, m, 'oversized', oversized);
    let value: T;
    try {
      value = await this.serde.decode<T>(m.value, spec?.schema ?? undefined);
    } catch (err) {
      if (err instanceof DecodeError) return asLetter(topic, partition, m, 'decode_error', err.message);
      // the registry being unreachable is not the record's fault
      throw new RetryableError(`schema registry: ${(err as Error).message}`);
    }
    const record: ConsumedRecord<T> = {
      topic,
      partition,
      offset: m.offset,
      key: m.key ? m.key.toString() : null,
      value,
      headers: stringHeaders(m.headers),
      timestamp: Number(m.timestamp),
    };
    this.raw.set(record, m);
    const problem = contractProblem(() => this.validate?.(value, record));
    if (problem) return asLetter(topic, partition, m, 'contract_violation', problem);
    return record;
  }

  /** The dead letter of a decoded record: its original key, bytes and headers. */
  letterFor(record: ConsumedRecord<unknown>, errorClass: string, reason: string): DeadLetter {
    const m = this.raw.get(record);
    return {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      key: m?.key ?? record.key,
      value: m?.value ?? null,
      headers: m?.headers,
      errorClass,
      reason,
    };
  }
}

/** A message set aside as it arrived (made only for those: decoding runs per consumed record). */
function asLetter(topic: string, partition: number, m: KafkaMessage, errorClass: string, reason: string): DeadLetter {
  return { topic, partition, offset: m.offset, key: m.key, value: m.value, headers: m.headers, errorClass, reason };
}

export function isDeadLetter<T>(u: ConsumedRecord<T> | DeadLetter): u is DeadLetter {
  return 'errorClass' in u;
}

function stringHeaders(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v === undefined) continue;
    out[k] = Array.isArray(v) ? v.map(String).join(',') : v.toString();
  }
  return out;
}
