import { z } from 'zod';
import { env } from './env-types';

/**
 * The settings every service shares: its HTTP port (API or /metrics + health),
 * logging, Kafka and the schema registry. Services extend this schema with their own keys.
 */
export const commonEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  HTTP_HOST: env.string().default('0.0.0.0'),
  LOG_LEVEL: env.logLevel().default('info'),
  /**
   * `json` (one JSON object a line, for collectors), `pretty` (one readable coloured line, for a
   * person at a terminal), or `auto`: pretty when stdout is a terminal outside production.
   */
  LOG_FORMAT: z.enum(['auto', 'json', 'pretty']).default('auto'),
  KAFKA_BROKERS: env.list().default(['127.0.0.1:9092']),
  KAFKA_CLIENT_ID: env.optionalString(),
  KAFKA_SSL: env.bool().default(false),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: env.optionalString(),
  KAFKA_SASL_PASSWORD: env.optionalString(),
  /** Prepended to every topic name, so several installations (or test runs) can share a cluster. */
  KAFKA_TOPIC_PREFIX: z.string().trim().regex(/^[a-zA-Z0-9._-]*$/, 'letters, digits, dot, dash and underscore only').default(''),
  KAFKA_TOPIC_PARTITIONS: env.int(1, 1024).default(6),
  KAFKA_REPLICATION_FACTOR: env.int(1, 7).default(1),
  SCHEMA_REGISTRY_URL: env.url().default('http://127.0.0.1:8081/apis/ccompat/v7'),
  SCHEMA_REGISTRY_USERNAME: env.optionalString(),
  SCHEMA_REGISTRY_PASSWORD: env.optionalString(),
  /** Per request to the registry; a registry that accepts a connection and never answers must not stall a consumer. */
  SCHEMA_REGISTRY_TIMEOUT_MS: env.int(100, 120000).default(5000),
  SHUTDOWN_TIMEOUT_MS: env.int(1000, 600000).default(30000),
  /** OpenTelemetry's standard variables: spans go over OTLP/HTTP only when one of them is set. */
  OTEL_EXPORTER_OTLP_ENDPOINT: env.optionalUrl(),
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: env.optionalUrl(),
  /** How far in the future a consumed record's timestamps may be (producers' clock skew); later ones are dead-lettered. */
  CONTRACT_MAX_CLOCK_SKEW_MS: env.int(0, 7 * 24 * 3_600_000).default(3_600_000),
  /** How far in the past a consumed event's timestamps may be; older ones are dead-lettered (compacted config records are exempt). */
  CONTRACT_MAX_RECORD_AGE_MS: env.int(60_000, 100 * 365 * 24 * 3_600_000).default(5 * 365 * 24 * 3_600_000),
});

export type CommonEnv = z.infer<typeof commonEnvSchema>;

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  ssl: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  topicPrefix: string;
  topicPartitions: number;
  replicationFactor: number;
}

export interface RegistrySettings {
  url: string;
  username?: string;
  password?: string;
  /** Per HTTP request (SCHEMA_REGISTRY_TIMEOUT_MS). */
  timeoutMs: number;
}

/**
 * Refines the common schema with the rules across keys: SASL settings come as a complete set or
 * not at all, and production logs stay JSON for the collectors.
 */
export function withCommonChecks<S extends z.ZodType<CommonEnv>>(schema: S) {
  return schema.superRefine((v, ctx) => {
    if (v.LOG_FORMAT === 'pretty' && v.NODE_ENV === 'production') {
      ctx.addIssue({ code: 'custom', path: ['LOG_FORMAT'], message: 'pretty logs are for a terminal; production logs are JSON (json or auto)' });
    }
    if (v.KAFKA_SASL_MECHANISM && (!v.KAFKA_SASL_USERNAME || !v.KAFKA_SASL_PASSWORD)) {
      ctx.addIssue({
        code: 'custom',
        path: ['KAFKA_SASL_USERNAME'],
        message: 'KAFKA_SASL_MECHANISM is set, so KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required',
      });
    }
  });
}

export function kafkaSettings(e: CommonEnv, service: string): KafkaSettings {
  return {
    brokers: e.KAFKA_BROKERS,
    clientId: e.KAFKA_CLIENT_ID ?? `callhooks-${service}`,
    ssl: e.KAFKA_SSL,
    sasl:
      e.KAFKA_SASL_MECHANISM && e.KAFKA_SASL_USERNAME && e.KAFKA_SASL_PASSWORD
        ? { mechanism: e.KAFKA_SASL_MECHANISM, username: e.KAFKA_SASL_USERNAME, password: e.KAFKA_SASL_PASSWORD }
        : undefined,
    topicPrefix: e.KAFKA_TOPIC_PREFIX,
    topicPartitions: e.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: e.KAFKA_REPLICATION_FACTOR,
  };
}

export type LogFormat = 'json' | 'pretty';

/** `auto` is pretty only for a person at a terminal: never in production, never into a pipe or file. */
export function resolveLogFormat(e: Pick<CommonEnv, 'LOG_FORMAT' | 'NODE_ENV'>, stdoutIsTerminal = process.stdout.isTTY === true): LogFormat {
  if (e.LOG_FORMAT !== 'auto') return e.LOG_FORMAT;
  return stdoutIsTerminal && e.NODE_ENV !== 'production' ? 'pretty' : 'json';
}

/**
 * The log format before (or without) a valid configuration, for the one line that says the
 * configuration is invalid: the environment's own choice when it is valid, else JSON.
 */
export function startupLogFormat(source: Record<string, string | undefined> = process.env): LogFormat {
  const parsed = commonEnvSchema.pick({ LOG_FORMAT: true, NODE_ENV: true }).safeParse(source);
  return parsed.success && parsed.data.NODE_ENV !== 'production' ? resolveLogFormat(parsed.data) : 'json';
}

export interface TracingSettings {
  /** Where spans go (OTLP/HTTP); none: no span is recorded, the trace context still passes through. */
  tracesEndpoint?: string;
}

/** The traces endpoint as OpenTelemetry's exporters derive it: the signal's own, else `<endpoint>/v1/traces`. */
export function tracingSettings(e: Pick<CommonEnv, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'>): TracingSettings {
  const base = e.OTEL_EXPORTER_OTLP_ENDPOINT?.replace(/\/+$/, '');
  return { tracesEndpoint: e.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ?? (base ? `${base}/v1/traces` : undefined) };
}

export function registrySettings(e: CommonEnv): RegistrySettings {
  return { url: e.SCHEMA_REGISTRY_URL, username: e.SCHEMA_REGISTRY_USERNAME, password: e.SCHEMA_REGISTRY_PASSWORD, timeoutMs: e.SCHEMA_REGISTRY_TIMEOUT_MS };
}

/** The window of consumed timestamps (see ContractBounds in @callhooks/contracts). */
export interface ContractBoundsSettings {
  maxClockSkewMs: number;
  maxRecordAgeMs: number;
}

/** What every service's configuration starts with; each service adds its own section. */
export interface ServiceSettings<S extends string> {
  service: S;
  logLevel: string;
  logFormat: LogFormat;
  http: { host: string; port: number };
  kafka: KafkaSettings;
  registry: RegistrySettings;
  tracing: TracingSettings;
  contractBounds: ContractBoundsSettings;
  shutdownTimeoutMs: number;
}

export function serviceSettings<S extends string>(service: S, e: CommonEnv & { HTTP_PORT: number }): ServiceSettings<S> {
  return {
    service,
    logLevel: e.LOG_LEVEL,
    logFormat: resolveLogFormat(e),
    http: { host: e.HTTP_HOST, port: e.HTTP_PORT },
    kafka: kafkaSettings(e, service),
    registry: registrySettings(e),
    tracing: tracingSettings(e),
    contractBounds: { maxClockSkewMs: e.CONTRACT_MAX_CLOCK_SKEW_MS, maxRecordAgeMs: e.CONTRACT_MAX_RECORD_AGE_MS },
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  };
}
