import { z } from 'zod';
import { commonEnvSchema, env, envSections, loadConfig, withCommonChecks, serviceSettings, type ServiceSettings } from '@callhooks/config';
import { deliveriesEnvSchema, deliveriesSettings, type DeliveriesConfig } from '../deliveries/config/deliveries.config';
import { recoveriesEnvSchema, recoveriesSettings, type RecoveriesConfig } from '../recoveries/config/recoveries.config';
import { webhookHealthEnvSchema, webhookHealthSettings, type WebhookHealthConfig } from '../webhook-health/config/webhook-health.config';

const SERVICE = 'management-api';

const HOUR = 3_600_000;

/**
 * The whole environment of the management API, checked in one load: the common keys, the
 * API's own, and the sections its features keep beside their code (delivery log, webhook
 * health, recoveries), so one error names every bad key.
 */
export const managementApiEnvSchema = withCommonChecks(
  z.object(
    envSections(commonEnvSchema.shape, deliveriesEnvSchema.shape, webhookHealthEnvSchema.shape, recoveriesEnvSchema.shape, {
      HTTP_PORT: env.port().default(3000),
      /** MongoDB (or FerretDB) connection string, with the database name. */
      MONGODB_URI: env
        .string()
        .regex(/^mongodb(\+srv)?:\/\//, 'must be a mongodb:// or mongodb+srv:// URI')
        .default('mongodb://127.0.0.1:27017/callhooks'),
      /** PostgreSQL connection string of the delivery log (deliveries and their attempts), with the database name. */
      MANAGEMENT_POSTGRES_URL: env
        .string()
        .regex(/^postgres(ql)?:\/\/[^/]+\/[^/?]+/, 'must be a postgres:// or postgresql:// URL with a database name')
        .default('postgres://postgres@127.0.0.1:55432/callhooks'),
      /** The schema of the delivery log's tables in that database (created by the migrations when missing). */
      MANAGEMENT_POSTGRES_SCHEMA: env
        .string()
        .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier (letters, digits, _; at most 63)')
        .default('callhooks'),
      /** Connections this instance keeps open to PostgreSQL at most. */
      MANAGEMENT_POSTGRES_POOL_SIZE: env.int(1, 200).default(10),
      /** Bearer token of the platform operator: creates customers and issues their API keys. */
      MANAGEMENT_OPERATOR_TOKEN: z.string().min(24, 'must be at least 24 characters'),
      /** Accept webhook URLs on private, loopback, link-local and metadata addresses (tests and the local demo only). */
      MANAGEMENT_ALLOW_PRIVATE_TARGETS: env.bool().default(false),
      /** How long the previous signing secret stays valid after a rotation. */
      MANAGEMENT_SECRET_ROTATION_OVERLAP_MS: env.int(0, 30 * 24 * HOUR).default(24 * HOUR),
      /** How often the reconciler republishes what MongoDB holds that Kafka has not acknowledged. */
      MANAGEMENT_RECONCILE_INTERVAL_MS: env.int(100, HOUR).default(5000),
      /** Requests per minute per API key (per client IP when unauthenticated). */
      MANAGEMENT_RATE_LIMIT_PER_MINUTE: env.int(1, 1_000_000).default(600),
      /** Failed sign-ins (no, unknown or revoked key; wrong operator token) per client address and minute, before 429. */
      MANAGEMENT_SIGN_IN_FAILURES_PER_MINUTE: env.int(1, 1_000_000).default(60),
      /** How long a verified API key is remembered in memory (a revoked key is refused by other instances after at most this), and an unknown one as unknown. 0 = no cache. */
      MANAGEMENT_API_KEY_CACHE_MS: env.int(0, 10 * 60_000).default(10_000),
    }),
  ),
);

export interface ManagementApiConfig extends ServiceSettings<typeof SERVICE> {
  mongodbUri: string;
  postgres: PostgresSettings;
  auth: { operatorToken: string; apiKeyCacheMs: number };
  webhooks: { allowPrivateTargets: boolean; secretRotationOverlapMs: number };
  publishing: { reconcileIntervalMs: number };
  rateLimit: { perMinute: number; signInFailuresPerMinute: number };
  deliveries: DeliveriesConfig;
  webhookHealth: WebhookHealthConfig;
  recoveries: RecoveriesConfig;
}

export interface PostgresSettings {
  url: string;
  schema: string;
  poolSize: number;
}

/** Injection token of the validated configuration. */
export const MANAGEMENT_API_CONFIG = Symbol('MANAGEMENT_API_CONFIG');

export function loadManagementApiConfig(source: Record<string, string | undefined> = process.env): ManagementApiConfig {
  const e = loadConfig(SERVICE, managementApiEnvSchema, source);
  return {
    ...serviceSettings(SERVICE, e),
    mongodbUri: e.MONGODB_URI,
    postgres: { url: e.MANAGEMENT_POSTGRES_URL, schema: e.MANAGEMENT_POSTGRES_SCHEMA, poolSize: e.MANAGEMENT_POSTGRES_POOL_SIZE },
    auth: { operatorToken: e.MANAGEMENT_OPERATOR_TOKEN, apiKeyCacheMs: e.MANAGEMENT_API_KEY_CACHE_MS },
    webhooks: { allowPrivateTargets: e.MANAGEMENT_ALLOW_PRIVATE_TARGETS, secretRotationOverlapMs: e.MANAGEMENT_SECRET_ROTATION_OVERLAP_MS },
    publishing: { reconcileIntervalMs: e.MANAGEMENT_RECONCILE_INTERVAL_MS },
    rateLimit: { perMinute: e.MANAGEMENT_RATE_LIMIT_PER_MINUTE, signInFailuresPerMinute: e.MANAGEMENT_SIGN_IN_FAILURES_PER_MINUTE },
    deliveries: deliveriesSettings(e),
    webhookHealth: webhookHealthSettings(e),
    recoveries: recoveriesSettings(e),
  };
}
