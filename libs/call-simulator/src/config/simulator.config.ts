import { commonEnvSchema, kafkaSettings, loadConfig, registrySettings, withCommonChecks, type KafkaSettings, type RegistrySettings } from '@callhooks/config';

/** Where the simulator sends: the same KAFKA_* / SCHEMA_REGISTRY_* settings as the services. */
export interface SimulatorConnection {
  logLevel: string;
  kafka: KafkaSettings;
  registry: RegistrySettings;
}

export function loadSimulatorConnection(source: Record<string, string | undefined> = process.env): SimulatorConnection {
  const e = loadConfig('call-simulator', withCommonChecks(commonEnvSchema), source);
  return { logLevel: e.LOG_LEVEL, kafka: kafkaSettings(e, 'call-simulator'), registry: registrySettings(e) };
}
