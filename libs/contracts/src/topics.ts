import { SchemaName } from './schemas';

/** Every topic of the system, declared once: name, schema, and how Kafka should keep it. */
export interface TopicSpec {
  /** Stable key used in code. */
  id: TopicId;
  /** Default name (a deployment may prefix it, see `topicName`). */
  name: string;
  /** Avro schema of the values; null for dead-letter topics, which keep the original bytes. */
  schema: SchemaName | null;
  /** What the record key holds. */
  key: string;
  cleanupPolicy: 'delete' | 'compact';
  /** Retention for delete topics; -1 keeps forever. */
  retentionMs: number;
  /** Partitions; null means the deployment's default (KAFKA_TOPIC_PARTITIONS). */
  partitions: number | null;
  /**
   * Largest value its consumers accept (bytes); a larger one is dead-lettered unread. Well under
   * the broker's 1 MB message.max.bytes, so the dead letter (value and headers) always fits.
   */
  maxValueBytes: number;
}

export type TopicId =
  | 'callLegs'
  | 'callEvents'
  | 'webhookConfig'
  | 'deliveries'
  | 'deliveriesDlq'
  | 'deliveryResults'
  | 'enricherState'
  | `deliveriesRetry${RetryTierName}`;

const DAY = 24 * 60 * 60 * 1000;
const KIB = 1024;

/**
 * Retry tiers: a failed delivery is re-published to the tier whose delay fits its backoff,
 * and the dispatcher waits on that topic until the job's not_before time. Each tier is a
 * plain delete topic; a job lives in one tier at a time.
 */
export const RETRY_TIERS = [
  { name: '5s', delayMs: 5_000 },
  { name: '30s', delayMs: 30_000 },
  { name: '2m', delayMs: 120_000 },
  { name: '10m', delayMs: 600_000 },
  { name: '1h', delayMs: 3_600_000 },
] as const;
export type RetryTierName = (typeof RETRY_TIERS)[number]['name'];

export const TOPICS: readonly TopicSpec[] = [
  { id: 'callLegs', name: 'telephony.call-legs.v1', schema: 'call-leg', key: 'call_uuid', cleanupPolicy: 'delete', retentionMs: 7 * DAY, partitions: null, maxValueBytes: 64 * KIB },
  { id: 'callEvents', name: 'callhooks.call-events.v1', schema: 'call-event', key: 'call_uuid', cleanupPolicy: 'delete', retentionMs: 7 * DAY, partitions: null, maxValueBytes: 256 * KIB },
  { id: 'webhookConfig', name: 'callhooks.webhook-config.v1', schema: 'webhook-config', key: 'entity type and id', cleanupPolicy: 'compact', retentionMs: -1, partitions: 1, maxValueBytes: 512 * KIB },
  { id: 'deliveries', name: 'callhooks.deliveries.v1', schema: 'delivery-job', key: 'target origin', cleanupPolicy: 'delete', retentionMs: 7 * DAY, partitions: null, maxValueBytes: 512 * KIB },
  ...RETRY_TIERS.map(
    (tier): TopicSpec => ({
      id: `deliveriesRetry${tier.name}`,
      name: `callhooks.deliveries.retry.${tier.name}.v1`,
      schema: 'delivery-job',
      key: 'target origin',
      cleanupPolicy: 'delete',
      retentionMs: 7 * DAY,
      partitions: null,
      maxValueBytes: 512 * KIB,
    }),
  ),
  // Jobs past their last attempt (well-formed, kept for operators to inspect and replay).
  { id: 'deliveriesDlq', name: 'callhooks.deliveries.dlq.v1', schema: 'delivery-job', key: 'target origin', cleanupPolicy: 'delete', retentionMs: 30 * DAY, partitions: 1, maxValueBytes: 512 * KIB },
  { id: 'deliveryResults', name: 'callhooks.delivery-results.v1', schema: 'delivery-result', key: 'delivery_id', cleanupPolicy: 'delete', retentionMs: 7 * DAY, partitions: null, maxValueBytes: 512 * KIB },
  // Partitioned like call-legs (same count) so a call's state lives beside its input partition.
  { id: 'enricherState', name: 'callhooks.enricher.call-state.changelog.v1', schema: 'enricher-call-state', key: 'call_uuid', cleanupPolicy: 'compact', retentionMs: -1, partitions: null, maxValueBytes: 512 * KIB },
];

export function topicSpec(id: TopicId): TopicSpec {
  const spec = TOPICS.find((t) => t.id === id);
  if (!spec) throw new Error(`unknown topic id ${id}`);
  return spec;
}

/**
 * The topic name in a deployment: the default name behind an optional prefix
 * (KAFKA_TOPIC_PREFIX), so several installations, or test runs, can share one cluster.
 */
export function topicName(id: TopicId, prefix = ''): string {
  return `${prefix}${topicSpec(id).name}`;
}

/** Dead-letter topic of an input topic, for records that cannot be decoded or break the contract: `<topic>.dlq`. */
export function deadLetterTopicOf(topic: string): string {
  return `${topic}.dlq`;
}

/** Settings of every `<topic>.dlq`: the original bytes, the reason in headers, kept two weeks. */
export const DEAD_LETTER_RETENTION_MS = 14 * DAY;

/** Schema registry subject of a topic's values (TopicNameStrategy). */
export function valueSubject(topic: string): string {
  return `${topic}-value`;
}
