import { commonEnvSchema, env, loadConfig, withCommonChecks, serviceSettings, type ServiceSettings } from '@callhooks/config';

const SERVICE = 'matcher';

export const matcherEnvSchema = withCommonChecks(
  commonEnvSchema.extend({
    HTTP_PORT: env.port().default(3002),
    /** Consumer group of the call-events consumer (KAFKA_TOPIC_PREFIX goes before it). */
    MATCHER_CONSUMER_GROUP: env.string().default('callhooks-matcher'),
    /** Partitions of the call-events topic processed at once. */
    MATCHER_PARTITION_CONCURRENCY: env.int(1, 256).default(4),
    /** Compiled body templates kept (one per webhook at its current version, least recently used dropped first). */
    MATCHER_TEMPLATE_CACHE_SIZE: env.int(1, 10_000_000).default(10_000),
    /** Longest wait of a Kafka fetch for new call events: bounds the latency added by an idle consumer. */
    MATCHER_FETCH_MAX_WAIT_MS: env.int(10, 10_000).default(100),
  }),
);

export interface MatcherConfig extends ServiceSettings<typeof SERVICE> {
  matching: {
    consumerGroup: string;
    partitionConcurrency: number;
    templateCacheSize: number;
    fetchMaxWaitMs: number;
  };
}

/** Injection token of the validated configuration. */
export const MATCHER_CONFIG = Symbol('MATCHER_CONFIG');

export function loadMatcherConfig(source: Record<string, string | undefined> = process.env): MatcherConfig {
  const e = loadConfig(SERVICE, matcherEnvSchema, source);
  return {
    ...serviceSettings(SERVICE, e),
    matching: {
      consumerGroup: e.MATCHER_CONSUMER_GROUP,
      partitionConcurrency: e.MATCHER_PARTITION_CONCURRENCY,
      templateCacheSize: e.MATCHER_TEMPLATE_CACHE_SIZE,
      fetchMaxWaitMs: e.MATCHER_FETCH_MAX_WAIT_MS,
    },
  };
}
