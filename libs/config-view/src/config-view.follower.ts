import { Inject, Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { Counter, Gauge, Registry } from 'prom-client';
import { topicSpec, type ConfigRecord } from '@callhooks/contracts';
import { KafkaContext, type TableRecord, type TopicReader } from '@callhooks/kafka';
import { ReadinessChecks } from '@callhooks/observability';
import { configRecordViolation } from './config-record.contract';
import { ConfigView, type ApplyOutcome } from './config-view';

export interface ConfigViewOptions {
  /** Names the reader's throwaway consumer group (`callhooks-<purpose>-<uuid>`), e.g. `matcher-config-view`. */
  purpose: string;
}

export const CONFIG_VIEW_OPTIONS = Symbol('CONFIG_VIEW_OPTIONS');

/** The view's metrics, registered once per process registry. */
class ConfigViewMetrics {
  private static readonly byRegistry = new WeakMap<Registry, ConfigViewMetrics>();
  readonly records: Counter<'outcome'>;
  readonly lastUpdate: Gauge;
  readonly entities: Gauge<'type'>;

  static for(registry: Registry, view: () => ConfigView): ConfigViewMetrics {
    let metrics = ConfigViewMetrics.byRegistry.get(registry);
    if (!metrics) ConfigViewMetrics.byRegistry.set(registry, (metrics = new ConfigViewMetrics(registry, view)));
    return metrics;
  }

  private constructor(registry: Registry, view: () => ConfigView) {
    const registers = [registry];
    this.records = new Counter({
      name: 'callhooks_config_view_records_total',
      help: 'Config topic records read into the config view, by outcome: applied, stale (an older or repeated version), ignored (a tombstone of a key not understood), dead_lettered (unreadable or breaking the contract: set aside to the DLQ, the view keeps what it knew)',
      labelNames: ['outcome'],
      registers,
    });
    this.lastUpdate = new Gauge({
      name: 'callhooks_config_view_last_update_timestamp_seconds',
      help: 'When the config view last applied a change or caught up with the config topic (unix seconds); with the config publisher metrics it tells how stale the view may be',
      registers,
    });
    this.entities = new Gauge({
      name: 'callhooks_config_view_entities',
      help: 'Live (not deleted) webhooks and environments in the config view',
      labelNames: ['type'],
      registers,
      collect() {
        const counts = view().counts();
        this.set({ type: 'webhook' }, counts.webhooks);
        this.set({ type: 'environment' }, counts.environments);
      },
    });
  }
}

/**
 * Keeps a ConfigView fed from the compacted config topic: every instance reads the whole topic
 * (its own throwaway group, read_committed) and keeps following it. Registers the readiness
 * check `config-view`, which passes once the view has caught up with the end of the topic as it
 * was when reading began, so no decision is taken on a partial configuration.
 */
@Injectable()
export class ConfigViewFollower {
  private readonly metrics: ConfigViewMetrics;
  private reader?: TopicReader<ConfigRecord>;
  private following?: Promise<void>;
  private failure?: Error;

  constructor(
    readonly view: ConfigView,
    private readonly kafka: KafkaContext,
    @Inject(CONFIG_VIEW_OPTIONS) private readonly options: ConfigViewOptions,
    @Inject(Registry) registry: Registry,
    readiness: ReadinessChecks,
    private readonly logger: PinoLogger,
  ) {
    this.logger.setContext(ConfigViewFollower.name);
    this.metrics = ConfigViewMetrics.for(registry, () => this.view);
    readiness.register('config-view', async () => this.check());
  }

  /** Starts reading (once); resolves when the view has caught up. The config topic must exist. */
  follow(): Promise<void> {
    if (!this.following) {
      this.reader = this.kafka.reader<ConfigRecord>({
        topic: this.kafka.topicName('webhookConfig'),
        spec: topicSpec('webhookConfig'),
        purpose: this.options.purpose,
        validate: (record, key) => configRecordViolation(record, key, this.kafka.contractBounds),
        onRecord: (record) => this.onRecord(record),
        // sent to the config topic's DLQ by the reader; the view goes on with what it knows
        onUnreadable: () => this.metrics.records.inc({ outcome: 'dead_lettered' }),
      });
      const started = Date.now();
      this.following = this.reader.follow().then(
        () => {
          // up to date as of now, even when the topic held nothing to apply: a view that has not
          // applied a change yet is not one stale since 1970 (CallhooksConfigViewStale)
          this.metrics.lastUpdate.set(Date.now() / 1000);
          const counts = this.view.counts();
          this.logger.info({ ...counts, ms: Date.now() - started }, 'config view caught up');
        },
        (err: Error) => {
          this.failure = err;
          throw err;
        },
      );
    }
    return this.following;
  }

  isCaughtUp(): boolean {
    return this.reader?.isCaughtUp() ?? false;
  }

  /** Readiness: throws while the view is not (or no longer) following the topic up to date. */
  async check(): Promise<void> {
    if (this.failure) throw new Error(`the config view stopped reading the config topic: ${this.failure.message}`);
    if (!this.reader) throw new Error('the config view has not started reading the config topic');
    if (!this.reader.isCaughtUp()) throw new Error('the config view has not caught up with the config topic yet');
  }

  private onRecord(record: TableRecord<ConfigRecord>): void {
    const outcome: ApplyOutcome = this.view.apply(record.key, record.value);
    this.metrics.records.inc({ outcome });
    if (outcome === 'applied') this.metrics.lastUpdate.set(Date.now() / 1000);
    else if (outcome === 'ignored') this.logger.warn({ key: record.key, offset: record.offset }, 'config record not understood, skipped');
  }
}
