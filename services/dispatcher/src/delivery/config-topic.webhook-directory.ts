import { Injectable } from '@nestjs/common';
import type { ConfigRecord, SigningSecret } from '@callhooks/contracts';
import { KafkaContext, type TableRecord, type TopicReader } from '@callhooks/kafka';
import { WebhookDirectory, type WebhookStatus } from './webhook-directory';

interface Known {
  version: number;
  deleted: boolean;
  enabled: boolean;
  secrets: SigningSecret[];
  headers: Record<string, string>;
}

/**
 * The webhooks of the compacted config topic, read whole by every dispatcher instance (the
 * topic is keyed by entity, one record per webhook): the highest version per webhook wins,
 * so a record read twice or late changes nothing. A deletion is remembered as such (until
 * compaction drops the tombstone), so its queued deliveries are dropped rather than held.
 */
@Injectable()
export class ConfigTopicWebhookDirectory extends WebhookDirectory {
  private readonly webhooks = new Map<string, Known>();
  private reader?: TopicReader<ConfigRecord>;
  private following?: Promise<void>;

  constructor(private readonly kafka: KafkaContext) {
    super();
  }

  status(webhookId: string): WebhookStatus {
    const w = this.webhooks.get(webhookId);
    if (!w) return { state: 'unknown' };
    if (w.deleted) return { state: 'deleted' };
    return { state: 'active', enabled: w.enabled, secrets: w.secrets, headers: w.headers };
  }

  isReady(): boolean {
    return this.reader?.isCaughtUp() ?? false;
  }

  ready(): Promise<void> {
    if (!this.following) {
      this.reader = this.kafka.reader<ConfigRecord>({
        topic: this.kafka.topicName('webhookConfig'),
        purpose: 'dispatcher-webhooks',
        onRecord: (r) => this.apply(r),
        onUndecodable: (r) => this.kafka.logger.warn({ partition: r.partition, offset: r.offset, err: r.error }, 'undecodable config record skipped'),
      });
      this.following = this.reader.follow();
    }
    return this.following;
  }

  /** Applies one config record (also used by tests). */
  apply(record: Pick<TableRecord<ConfigRecord>, 'key' | 'value'>): void {
    const value = record.value;
    if (!value) {
      // a tombstone: keys are '<entity_type>:<entity_id>'
      const [type, id] = splitKey(record.key);
      if (type === 'WEBHOOK' && id) this.webhooks.set(id, { version: Number.MAX_SAFE_INTEGER, deleted: true, enabled: false, secrets: [], headers: {} });
      return;
    }
    if (value.entity_type !== 'WEBHOOK') return;
    const current = this.webhooks.get(value.entity_id);
    if (current && current.version > value.version) return;
    this.webhooks.set(value.entity_id, {
      version: value.version,
      deleted: value.deleted || !value.webhook,
      enabled: value.webhook?.enabled ?? false,
      secrets: value.webhook?.secrets ?? [],
      headers: value.webhook?.headers ?? {},
    });
  }
}

function splitKey(key: string): [string, string] {
  const i = key.indexOf(':');
  return i < 0 ? ['', key] : [key.slice(0, i), key.slice(i + 1)];
}
