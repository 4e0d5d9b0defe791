import { DELIVERY_LOG } from './0001-delivery-log';
import { WEBHOOK_HEALTH } from './0002-webhook-health';
import { WEBHOOK_LIST } from './0003-webhook-list';
import { HEALTH_BUCKET_ROWS } from './0004-health-bucket-rows';
import { ATTEMPTS_WITHOUT_FOREIGN_KEY } from './0005-attempts-without-foreign-key';
import { ATTEMPTS_IN_DELIVERY_ROW } from './0006-attempts-in-delivery-row';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Applied in order, each once; append new ones, never edit an applied one. */
export const MIGRATIONS: Migration[] = [
  { version: 1, name: 'delivery log', sql: DELIVERY_LOG },
  { version: 2, name: 'webhook health', sql: WEBHOOK_HEALTH },
  { version: 3, name: 'webhook list', sql: WEBHOOK_LIST },
  { version: 4, name: 'health buckets as rows', sql: HEALTH_BUCKET_ROWS },
  { version: 5, name: 'attempts without foreign key', sql: ATTEMPTS_WITHOUT_FOREIGN_KEY },
  { version: 6, name: 'attempts in the delivery row', sql: ATTEMPTS_IN_DELIVERY_ROW },
];
