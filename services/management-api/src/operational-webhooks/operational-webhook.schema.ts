import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import { isUuid } from '../common/ids';
import { PublishedDocument } from '../config-publishing/published-document';
import type { PublishedCollection } from '../config-publishing/published-documents';
import type { StoredSigningSecret } from '../webhooks/webhook.schema';

/** The notices a customer can receive about its own webhooks. */
export const NOTICE_TYPES = ['webhook.disabled', 'webhook.failing', 'webhook.recovered', 'delivery.exhausted'] as const;
export type NoticeType = (typeof NOTICE_TYPES)[number];

/**
 * A URL of the customer's own that receives signed notices about its webhooks. Published to
 * the config topic as a WEBHOOK record (subscribed in no environment, so the matcher never
 * sends it call events) so the dispatcher signs and delivers its notices like any delivery.
 */
@Schema({ collection: 'operational_webhooks', versionKey: false, id: false, timestamps: { createdAt: 'created_at', updatedAt: 'updated_at' } })
export class OperationalWebhook extends PublishedDocument {
  @Prop({ type: String, required: true }) _id: string;
  @Prop({ type: String, required: true }) customer_id: string;
  @Prop({ type: Boolean, required: true }) enabled: boolean;
  @Prop({ type: String, required: true }) url: string;
  @Prop({ type: String, default: null }) description: string | null;
  /** The notice types it receives; empty = every type. */
  @Prop({ type: [String], default: [] }) notice_types: NoticeType[];
  @Prop({
    type: [{ _id: false, secret: { type: String, required: true }, created_at: { type: Date, required: true }, expires_at: { type: Date, default: null } }],
    default: [],
  })
  secrets: StoredSigningSecret[];
}

export const OperationalWebhookSchema = SchemaFactory.createForClass(OperationalWebhook);
OperationalWebhookSchema.index({ customer_id: 1, deleted_at: 1, created_at: 1, _id: 1 });
OperationalWebhookSchema.index({ publish_pending: 1 });

/** Operational webhooks are found by their UUID (their `_id`). */
export const operationalWebhookCollection: PublishedCollection<OperationalWebhook> = {
  type: 'OPERATIONAL_WEBHOOK',
  noun: 'operational webhook',
  isId: isUuid,
  key: (_customerId, id) => id,
  idOf: (o) => o._id,
};
/** Injection token of the operational webhooks' PublishedDocuments. */
export const OPERATIONAL_WEBHOOK_DOCUMENTS = Symbol('OPERATIONAL_WEBHOOK_DOCUMENTS');
