import { z } from 'zod';
import { commonEnvSchema, env, kafkaSettings, loadConfig, registrySettings, withSaslCheck, type KafkaSettings, type RegistrySettings } from '@callhooks/config';

const SERVICE = 'matcher';

export const matcherEnvSchema = withSaslCheck(
  commonEnvSchema.extend({
    HTTP_PORT: env.port().default(3002),
  }),
);

export interface MatcherConfig {
  service: typeof SERVICE;
  logLevel: string;
  http: { host: string; port: number };
  kafka: KafkaSettings;
  registry: RegistrySettings;
  shutdownTimeoutMs: number;
}

/** Injection token of the validated configuration. */
export const MATCHER_CONFIG = Symbol('MATCHER_CONFIG');

export function loadMatcherConfig(source: Record<string, string | undefined> = process.env): MatcherConfig {
  const e = loadConfig(SERVICE, matcherEnvSchema, source);
  return {
    service: SERVICE,
    logLevel: e.LOG_LEVEL,
    http: { host: e.HTTP_HOST, port: e.HTTP_PORT },
    kafka: kafkaSettings(e, SERVICE),
    registry: registrySettings(e),
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  };
}
