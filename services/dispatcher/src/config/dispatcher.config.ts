import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { commonEnvSchema, env, loadConfig, withCommonChecks, serviceSettings, type ServiceSettings } from '@callhooks/config';
import { RETRY_TIERS } from '@callhooks/contracts';

const SERVICE = 'dispatcher';

/** A comma-separated list of one delay per retry tier, ascending (tests shorten the tiers with it). */
const tierDelays = () =>
  env
    .list()
    .transform((items) => items.map(Number))
    .pipe(
      z
        .array(z.number().int().min(1))
        .length(RETRY_TIERS.length, `one delay per retry tier (${RETRY_TIERS.map((t) => t.name).join(', ')})`)
        .refine((d) => d.every((v, i) => i === 0 || v >= d[i - 1]), 'delays must not decrease'),
    );

export const dispatcherEnvSchema = withCommonChecks(
  commonEnvSchema.extend({
    HTTP_PORT: env.port().default(3003),
    /** Consumer group of the deliveries consumer, every retry tier included (KAFKA_TOPIC_PREFIX goes before it). */
    DISPATCHER_CONSUMER_GROUP: env.string().default('callhooks-dispatcher'),
    /** Timeout of one HTTP attempt, connect to last body byte. */
    DISPATCHER_ATTEMPT_TIMEOUT_MS: env.int(100, 120_000).default(15_000),
    /** How long a consumed batch waits for its attempts; slower ones go on detached (see DeliveryBatchRunner). */
    DISPATCHER_BATCH_DEADLINE_MS: env.int(50, 120_000).default(2_000),
    /** Attempts in flight at once to one target origin: every target's limit, and a slow one's for good. */
    DISPATCHER_TARGET_CONCURRENCY: env.int(1, 1000).default(10),
    /** The most a fast target's adaptive limit grows to (AdaptiveTargetConcurrency); equal to DISPATCHER_TARGET_CONCURRENCY: a fixed limit. */
    DISPATCHER_TARGET_CONCURRENCY_MAX: env.int(1, 1000).default(64),
    /** Attempts in flight at once in this process, all targets together. */
    DISPATCHER_MAX_INFLIGHT: env.int(1, 10_000).default(256),
    /** Partitions (of the deliveries topic and the retry tiers) processed at once. */
    DISPATCHER_PARTITION_CONCURRENCY: env.int(1, 256).default(8),
    DISPATCHER_MAX_ATTEMPTS: env.int(1, 100).default(10),
    /** A delivery older than this (from the job's created_at) gets no further attempt. */
    DISPATCHER_MAX_AGE_MS: env.int(1000, 30 * 24 * 3_600_000).default(24 * 3_600_000),
    /** Overrides the tier delays (5s,30s,2m,10m,1h); for tests and demos. */
    DISPATCHER_RETRY_DELAYS_MS: tierDelays().optional(),
    /** Random extra delay of a retry, as a fraction of its tier's delay. */
    DISPATCHER_RETRY_JITTER: z.coerce.number().min(0).max(1).default(0.1),
    /** Lets deliveries reach private, loopback and link-local addresses (tests and the local demo only). */
    DISPATCHER_ALLOW_PRIVATE_TARGETS: env.bool().default(false),
    /** Bytes of a response body kept as the attempt's snippet. */
    DISPATCHER_RESPONSE_SNIPPET_BYTES: env.int(0, 65_536).default(4096),
    DISPATCHER_BREAKER_RESET_MS: env.int(100, 3_600_000).default(30_000),
    DISPATCHER_BREAKER_ERROR_PERCENT: env.int(1, 100).default(50),
    /** Attempts within the rolling window before the error percentage can open a breaker. */
    DISPATCHER_BREAKER_VOLUME: env.int(1, 100_000).default(10),
    DISPATCHER_BREAKER_WINDOW_MS: env.int(1000, 3_600_000).default(30_000),
    DISPATCHER_BREAKER_CONSECUTIVE_FAILURES: env.int(1, 10_000).default(5),
    /** A job naming a webhook the config view has never seen waits this long (config lag) before it is dropped. */
    DISPATCHER_UNKNOWN_WEBHOOK_GRACE_MS: env.int(0, 3_600_000).default(60_000),
    DISPATCHER_USER_AGENT: env.optionalString(),
    /** Longest wait of a Kafka fetch: bounds how late a resumed retry tier partition is read again. */
    DISPATCHER_FETCH_MAX_WAIT_MS: env.int(10, 10_000).default(500),
  }),
).superRefine((v, ctx) => {
  if (v.DISPATCHER_TARGET_CONCURRENCY_MAX < v.DISPATCHER_TARGET_CONCURRENCY) {
    ctx.addIssue({ code: 'custom', path: ['DISPATCHER_TARGET_CONCURRENCY_MAX'], message: 'must be at least DISPATCHER_TARGET_CONCURRENCY' });
  }
});

export interface DispatcherConfig extends ServiceSettings<typeof SERVICE> {
  delivery: DeliverySettings;
}

export interface DeliverySettings {
  consumerGroup: string;
  attemptTimeoutMs: number;
  batchDeadlineMs: number;
  targetConcurrency: number;
  targetConcurrencyMax: number;
  maxInflight: number;
  partitionConcurrency: number;
  maxAttempts: number;
  maxAgeMs: number;
  /** One delay per entry of RETRY_TIERS, in the same order. */
  tierDelaysMs: number[];
  retryJitter: number;
  allowPrivateTargets: boolean;
  snippetBytes: number;
  userAgent: string;
  unknownWebhookGraceMs: number;
  fetchMaxWaitMs: number;
  breaker: {
    resetTimeoutMs: number;
    errorThresholdPercentage: number;
    volumeThreshold: number;
    rollingWindowMs: number;
    consecutiveFailures: number;
  };
}

/** Injection token of the validated configuration. */
export const DISPATCHER_CONFIG = Symbol('DISPATCHER_CONFIG');

export function loadDispatcherConfig(source: Record<string, string | undefined> = process.env): DispatcherConfig {
  const e = loadConfig(SERVICE, dispatcherEnvSchema, source);
  return {
    ...serviceSettings(SERVICE, e),
    delivery: {
      consumerGroup: e.DISPATCHER_CONSUMER_GROUP,
      attemptTimeoutMs: e.DISPATCHER_ATTEMPT_TIMEOUT_MS,
      batchDeadlineMs: e.DISPATCHER_BATCH_DEADLINE_MS,
      targetConcurrency: e.DISPATCHER_TARGET_CONCURRENCY,
      targetConcurrencyMax: e.DISPATCHER_TARGET_CONCURRENCY_MAX,
      maxInflight: e.DISPATCHER_MAX_INFLIGHT,
      partitionConcurrency: e.DISPATCHER_PARTITION_CONCURRENCY,
      maxAttempts: e.DISPATCHER_MAX_ATTEMPTS,
      maxAgeMs: e.DISPATCHER_MAX_AGE_MS,
      tierDelaysMs: e.DISPATCHER_RETRY_DELAYS_MS ?? RETRY_TIERS.map((t) => t.delayMs),
      retryJitter: e.DISPATCHER_RETRY_JITTER,
      allowPrivateTargets: e.DISPATCHER_ALLOW_PRIVATE_TARGETS,
      snippetBytes: e.DISPATCHER_RESPONSE_SNIPPET_BYTES,
      userAgent: e.DISPATCHER_USER_AGENT ?? `callhooks/${packageVersion()}`,
      unknownWebhookGraceMs: e.DISPATCHER_UNKNOWN_WEBHOOK_GRACE_MS,
      fetchMaxWaitMs: e.DISPATCHER_FETCH_MAX_WAIT_MS,
      breaker: {
        resetTimeoutMs: e.DISPATCHER_BREAKER_RESET_MS,
        errorThresholdPercentage: e.DISPATCHER_BREAKER_ERROR_PERCENT,
        volumeThreshold: e.DISPATCHER_BREAKER_VOLUME,
        rollingWindowMs: e.DISPATCHER_BREAKER_WINDOW_MS,
        consecutiveFailures: e.DISPATCHER_BREAKER_CONSECUTIVE_FAILURES,
      },
    },
  };
}

/** The version of the callhooks package (for the User-Agent), from the nearest package.json up the tree. */
function packageVersion(): string {
  let dir = __dirname;
  for (let i = 0; i < 8; i++) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'callhooks' && pkg.version) return pkg.version;
    }
    dir = dirname(dir);
  }
  return '0.0.0';
}
