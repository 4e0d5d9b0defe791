import { commonEnvSchema, kafkaSettings, loadConfig, withCommonChecks, type KafkaSettings } from '@callhooks/config';

/** The DLQ tool connects with the same KAFKA_* settings as the services (KAFKA_TOPIC_PREFIX included). */
export interface DlqToolConnection {
  logLevel: string;
  kafka: KafkaSettings;
}

export function loadDlqToolConnection(source: Record<string, string | undefined> = process.env): DlqToolConnection {
  const e = loadConfig('dlq', withCommonChecks(commonEnvSchema), source);
  return { logLevel: e.LOG_LEVEL, kafka: kafkaSettings(e, 'dlq') };
}
