import { z } from 'zod';
import { commonEnvSchema, env, kafkaSettings, loadConfig, registrySettings, withSaslCheck, type KafkaSettings, type RegistrySettings } from '@callhooks/config';

const SERVICE = 'enricher';

export const enricherEnvSchema = withSaslCheck(
  commonEnvSchema.extend({
    HTTP_PORT: env.port().default(3001),
  }),
);

export interface EnricherConfig {
  service: typeof SERVICE;
  logLevel: string;
  http: { host: string; port: number };
  kafka: KafkaSettings;
  registry: RegistrySettings;
  shutdownTimeoutMs: number;
}

/** Injection token of the validated configuration. */
export const ENRICHER_CONFIG = Symbol('ENRICHER_CONFIG');

export function loadEnricherConfig(source: Record<string, string | undefined> = process.env): EnricherConfig {
  const e = loadConfig(SERVICE, enricherEnvSchema, source);
  return {
    service: SERVICE,
    logLevel: e.LOG_LEVEL,
    http: { host: e.HTTP_HOST, port: e.HTTP_PORT },
    kafka: kafkaSettings(e, SERVICE),
    registry: registrySettings(e),
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  };
}
