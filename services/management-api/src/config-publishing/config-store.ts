import type { ConfigRecord } from '@callhooks/contracts';

/** OPERATIONAL_WEBHOOK documents are published as WEBHOOK records (operational-webhooks/). */
export type ConfigEntityType = 'WEBHOOK' | 'ENVIRONMENT' | 'OPERATIONAL_WEBHOOK';

/** A webhook or environment document, by its MongoDB _id. */
export interface EntityRef {
  type: ConfigEntityType;
  id: string;
}

/**
 * An entity to publish, with the document as this process has just written it when the
 * request comes from that write: publishing sends it without reading it back. A document
 * written since (here or by another instance) is caught by the acknowledgement, which
 * matches only the version sent, and the entity is then published again from a fresh read.
 */
export interface PublishRequest extends EntityRef {
  written?: { version: number };
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
  /**
   * The current state of these entities (deleted ones included, as tombstone records): the
   * document a request carries, else the stored one.
   */
  abstract load(requests: PublishRequest[]): Promise<PublishableEntity[]>;
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
