import { commonEnvSchema, env, loadConfig, withCommonChecks, serviceSettings, type ServiceSettings } from '@callhooks/config';
import type { EnrichmentTimings } from '../enrichment/call-state.reducer';

const SERVICE = 'enricher';

const MINUTE = 60_000;

export const enricherEnvSchema = withCommonChecks(
  commonEnvSchema.extend({
    HTTP_PORT: env.port().default(3001),
    /**
     * Consumer group of the enricher instances (KafkaContext puts KAFKA_TOPIC_PREFIX in front,
     * so installations sharing a cluster never share a group); also the prefix of their
     * transactional ids (which name the prefixed input topic).
     */
    ENRICHER_CONSUMER_GROUP: env.string().default('callhooks-enricher'),
    /**
     * How long a fetch of raw legs waits for more (up to 256 KB): a partition's legs of that
     * interval then make one batch and one Kafka transaction. Each transaction costs the broker
     * about ten requests and log writes whatever its size, so this trades up to this much
     * latency for broker load (100 = Kafka Streams' commit interval under exactly-once). 0 = none.
     */
    ENRICHER_FETCH_LINGER_MS: env.int(0, 5000).default(100),
    /** Input partitions processed at once by one instance. */
    ENRICHER_PARTITION_CONCURRENCY: env.int(1, 64).default(3),
    /** After the last leg hangs up, how long Call:Hangup waits for stragglers (a leg, the queue's verdict). 0 = at once. */
    ENRICHER_HANGUP_SETTLE_MS: env.int(0, 10 * MINUTE).default(1000),
    /** After the call ended, how long Call:Reporting waits for late legs. */
    ENRICHER_REPORTING_GRACE_MS: env.int(0, 60 * MINUTE).default(5000),
    /** After the call ended, the longest Call:Reporting waits (for the recording); then it goes with what is known. */
    ENRICHER_REPORTING_MAX_WAIT_MS: env.int(0, 24 * 60 * MINUTE).default(60000),
    /** How long a reported call is remembered to recognise its late legs, before it is tombstoned. */
    ENRICHER_CLOSED_RETENTION_MS: env.int(0, 7 * 24 * 60 * MINUTE).default(10 * MINUTE),
    /** A call with no raw event for this long, and not ended, is given up (its hangup was lost). */
    ENRICHER_STALE_CALL_MS: env.int(MINUTE, 30 * 24 * 60 * MINUTE).default(24 * 60 * MINUTE),
    /** How often the timer scheduler looks for due deadlines. */
    ENRICHER_TIMER_INTERVAL_MS: env.int(10, MINUTE).default(250),
  }),
).superRefine((v, ctx) => {
  if (v.ENRICHER_REPORTING_MAX_WAIT_MS < v.ENRICHER_REPORTING_GRACE_MS) {
    ctx.addIssue({ code: 'custom', path: ['ENRICHER_REPORTING_MAX_WAIT_MS'], message: `must not be shorter than ENRICHER_REPORTING_GRACE_MS (${v.ENRICHER_REPORTING_GRACE_MS})` });
  }
  if (v.ENRICHER_REPORTING_MAX_WAIT_MS < v.ENRICHER_HANGUP_SETTLE_MS) {
    ctx.addIssue({ code: 'custom', path: ['ENRICHER_REPORTING_MAX_WAIT_MS'], message: `must not be shorter than ENRICHER_HANGUP_SETTLE_MS (${v.ENRICHER_HANGUP_SETTLE_MS})` });
  }
});

export interface EnricherConfig extends ServiceSettings<typeof SERVICE> {
  enrichment: {
    consumerGroup: string;
    partitionConcurrency: number;
    fetchLingerMs: number;
    timerIntervalMs: number;
    timings: EnrichmentTimings;
  };
}

/** Injection token of the validated configuration. */
export const ENRICHER_CONFIG = Symbol('ENRICHER_CONFIG');

export function loadEnricherConfig(source: Record<string, string | undefined> = process.env): EnricherConfig {
  const e = loadConfig(SERVICE, enricherEnvSchema, source);
  return {
    ...serviceSettings(SERVICE, e),
    enrichment: {
      consumerGroup: e.ENRICHER_CONSUMER_GROUP,
      partitionConcurrency: e.ENRICHER_PARTITION_CONCURRENCY,
      fetchLingerMs: e.ENRICHER_FETCH_LINGER_MS,
      timerIntervalMs: e.ENRICHER_TIMER_INTERVAL_MS,
      timings: {
        hangupSettleMs: e.ENRICHER_HANGUP_SETTLE_MS,
        reportingGraceMs: e.ENRICHER_REPORTING_GRACE_MS,
        reportingMaxWaitMs: e.ENRICHER_REPORTING_MAX_WAIT_MS,
        closedRetentionMs: e.ENRICHER_CLOSED_RETENTION_MS,
        staleCallMs: e.ENRICHER_STALE_CALL_MS,
      },
    },
  };
}
