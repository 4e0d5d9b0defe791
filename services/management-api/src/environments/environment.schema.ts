import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument } from 'mongoose';
import { PLATFORM_ID_PATTERN } from '../common/ids';
import { PublishedDocument } from '../config-publishing/published-document';
import type { PublishedCollection } from '../config-publishing/published-documents';

/**
 * An environment of a customer, under the platform's environment id, with the webhooks
 * subscribed in it. Versioned, published and soft-deleted as a PublishedDocument: a PUT
 * after a DELETE revives the same document, so its version keeps growing.
 */
@Schema({ collection: 'environments', versionKey: false, id: false, timestamps: { createdAt: 'created_at', updatedAt: 'updated_at' } })
export class Environment extends PublishedDocument {
  /** `<customer_id>:<environment_id>` (neither may contain a colon): found by _id, the one lookup FerretDB v1 serves from an index. */
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true })
  customer_id: string;

  /** The platform's environment id (unique per customer). */
  @Prop({ type: String, required: true })
  environment_id: string;

  @Prop({ type: String, required: true })
  name: string;

  @Prop({ type: String, required: true })
  timezone: string;

  @Prop({ type: [String], default: [] })
  webhook_ids: string[];
}

export type EnvironmentDocument = HydratedDocument<Environment>;
export const EnvironmentSchema = SchemaFactory.createForClass(Environment);
EnvironmentSchema.index({ customer_id: 1, environment_id: 1 }, { unique: true });
EnvironmentSchema.index({ customer_id: 1, deleted_at: 1, created_at: 1, _id: 1 });
// No index on webhook_ids: on FerretDB's PostgreSQL backend an index over an array is one btree
// entry holding the whole array, refused past 2,704 bytes (about 70 subscriptions). Finding the
// environments that hold a webhook reads the customer's few environments by customer_id.
EnvironmentSchema.index({ publish_pending: 1 });

export function environmentKey(customerId: string, environmentId: string): string {
  return `${customerId}:${environmentId}`;
}

/** Environments are found under the platform's id, by their `<customer_id>:<environment_id>` key. */
export const environmentCollection: PublishedCollection<Environment> = {
  type: 'ENVIRONMENT',
  noun: 'environment',
  isId: (id) => PLATFORM_ID_PATTERN.test(id),
  key: environmentKey,
  idOf: (e) => e.environment_id,
};
/** Injection token of the environments' PublishedDocuments. */
export const ENVIRONMENT_DOCUMENTS = Symbol('ENVIRONMENT_DOCUMENTS');
