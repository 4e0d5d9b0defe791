import { z } from 'zod';
import { commonEnvSchema, env, kafkaSettings, loadConfig, registrySettings, withSaslCheck, type KafkaSettings, type RegistrySettings } from '@callhooks/config';

const SERVICE = 'dispatcher';

export const dispatcherEnvSchema = withSaslCheck(
  commonEnvSchema.extend({
    HTTP_PORT: env.port().default(3003),
  }),
);

export interface DispatcherConfig {
  service: typeof SERVICE;
  logLevel: string;
  http: { host: string; port: number };
  kafka: KafkaSettings;
  registry: RegistrySettings;
  shutdownTimeoutMs: number;
}

/** Injection token of the validated configuration. */
export const DISPATCHER_CONFIG = Symbol('DISPATCHER_CONFIG');

export function loadDispatcherConfig(source: Record<string, string | undefined> = process.env): DispatcherConfig {
  const e = loadConfig(SERVICE, dispatcherEnvSchema, source);
  return {
    service: SERVICE,
    logLevel: e.LOG_LEVEL,
    http: { host: e.HTTP_HOST, port: e.HTTP_PORT },
    kafka: kafkaSettings(e, SERVICE),
    registry: registrySettings(e),
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
  };
}
