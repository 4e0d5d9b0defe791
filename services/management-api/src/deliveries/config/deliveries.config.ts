import { z } from 'zod';
import { env } from '@callhooks/config';

/**
 * The delivery log's own settings: a section of the management API's environment, validated
 * in its one load with every other key (config/management-api.config.ts).
 */
export const deliveriesEnvSchema = z.object({
  /** Consumer group of the delivery-log consumer of delivery results (KAFKA_TOPIC_PREFIX goes before it). */
  MANAGEMENT_DELIVERY_LOG_CONSUMER_GROUP: env.string().default('callhooks-delivery-log'),
  /** Deliveries older than this are purged (with their attempts), every MANAGEMENT_DELIVERY_PURGE_INTERVAL_MS. */
  MANAGEMENT_DELIVERY_RETENTION_DAYS: env.int(1, 3650).default(30),
  MANAGEMENT_DELIVERY_PURGE_INTERVAL_MS: env.int(1000, 24 * 3_600_000).default(3_600_000),
  /** How long POST /v1/webhooks/{id}/test waits for the attempt before answering 202. */
  MANAGEMENT_TEST_SEND_WAIT_MS: env.int(0, 60_000).default(15_000),
  /**
   * How long a fetch of delivery results waits for more: a partition's results of that
   * interval are written in one PostgreSQL transaction and one offset commit, instead of one
   * per few results. 0 = none. It is also how far the log may lag behind the deliveries.
   */
  MANAGEMENT_DELIVERY_LOG_FETCH_LINGER_MS: env.int(0, 5000).default(1000),
});

export interface DeliveriesConfig {
  consumerGroup: string;
  retentionDays: number;
  purgeIntervalMs: number;
  testSendWaitMs: number;
  fetchLingerMs: number;
}

export const DELIVERIES_CONFIG = Symbol('DELIVERIES_CONFIG');

export function deliveriesSettings(e: z.infer<typeof deliveriesEnvSchema>): DeliveriesConfig {
  return {
    consumerGroup: e.MANAGEMENT_DELIVERY_LOG_CONSUMER_GROUP,
    retentionDays: e.MANAGEMENT_DELIVERY_RETENTION_DAYS,
    purgeIntervalMs: e.MANAGEMENT_DELIVERY_PURGE_INTERVAL_MS,
    testSendWaitMs: e.MANAGEMENT_TEST_SEND_WAIT_MS,
    fetchLingerMs: e.MANAGEMENT_DELIVERY_LOG_FETCH_LINGER_MS,
  };
}
