import { z } from 'zod';
import { commonEnvSchema, env, kafkaSettings, loadConfig, registrySettings, withSaslCheck, type KafkaSettings, type RegistrySettings } from '@callhooks/config';

const SERVICE = 'management-api';

export const managementApiEnvSchema = withSaslCheck(
  commonEnvSchema.extend({
    HTTP_PORT: env.port().default(3000),
  }),
);

export interface ManagementApiConfig {
  service: typeof SERVICE;
  logLevel: string;
  http: { host: string; port: number };
  kafka: KafkaSettings;
  registry: RegistrySettings;
  shutdownTimeoutMs: number;
}

/** Injection token of the validated configuration. */
export const MANAGEMENT_API_CONFIG = Symbol('MANAGEMENT_API_CONFIG');

export function loadManagementApiConfig(source: Record<string, string | undefined> = process.env): ManagementApiConfig {
  const e = loadConfig(SERVICE, managementApiEnvSchema, source);
  return {
    service: SERVICE,
    logLevel: e.LOG_LEVEL,
    http: { host: e.HTTP_HOST, port: e.HTTP_PORT },
    kafka: kafkaSettings(e, SERVICE),
    registry: registrySettings(e),
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  };
}
