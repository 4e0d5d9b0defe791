import type { ConfigRecord } from '@callhooks/contracts';

/** OPERATIONAL_WEBHOOK documents are published as WEBHOOK records (operational-webhooks/). */
export type ConfigEntityType = 'WEBHOOK' | 'ENVIRONMENT' | 'OPERATIONAL_WEBHOOK';

/** A webhook or environment document, by its MongoDB _id. */
export interface EntityRef {
  type: ConfigEntityType;
  id: string;
}

/** The current state of an entity, ready to publish. */
export interface PublishableEntity {
  ref: EntityRef;
  version: number;
  key: string;
  record: ConfigRecord;
}

export function refKey(ref: EntityRef): string {
  return `${ref.type}:${ref.id}`;
}

/**
 * Where the publisher reads what to publish and records what Kafka acknowledged. Abstract
 * so the publishing logic is tested without a database (see config-publisher.spec.ts).
 */
export abstract class ConfigStore {
  /** The current state of these entities (deleted ones included, as tombstone records). */
  abstract load(refs: EntityRef[]): Promise<PublishableEntity[]>;
  /**
   * Marks each entity published at the version sent, only if the document is still at that
   * version. Returns the entities whose document is at another version now: changed after
   * we read it, here or in another instance, whose own publish may have landed before ours.
   */
  abstract acknowledge(entities: PublishableEntity[]): Promise<EntityRef[]>;
  /** Entities changed before `changedBefore` and not yet acknowledged by Kafka. */
  abstract pending(limit: number, changedBefore: Date): Promise<EntityRef[]>;
  abstract countPending(): Promise<number>;
}

/** Where records go: the compacted config topic. */
export abstract class ConfigSink {
  /** Resolves once every record is acknowledged (acks=all), in order. */
  abstract send(records: Array<{ key: string; value: ConfigRecord }>): Promise<void>;
  abstract close(): Promise<void>;
}
