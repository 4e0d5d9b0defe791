import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument } from 'mongoose';
import { isUuid } from '../common/ids';
import { PublishedDocument } from '../config-publishing/published-document';
import type { PublishedCollection } from '../config-publishing/published-documents';
import type { EventName, HttpMethod } from '@callhooks/contracts';

/** A custom header; kept as name/value pairs because header names may contain dots, which MongoDB keys may not. */
export class WebhookHeader {
  name: string;
  value: string;
}

export class StoredSigningSecret {
  secret: string;
  created_at: Date;
  /** null for the current secret; set when a rotation retires it. */
  expires_at: Date | null;
}

/** A webhook: versioned, published and soft-deleted as a PublishedDocument. */
@Schema({ collection: 'webhooks', versionKey: false, id: false, timestamps: { createdAt: 'created_at', updatedAt: 'updated_at' } })
export class Webhook extends PublishedDocument {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true })
  customer_id: string;

  @Prop({ type: Boolean, required: true })
  enabled: boolean;

  @Prop({ type: String, required: true })
  event: EventName;

  @Prop({ type: String, required: true })
  method: HttpMethod;

  @Prop({ type: String, required: true })
  url: string;

  @Prop({ type: String, default: null })
  body: string | null;

  @Prop({ type: [{ _id: false, name: { type: String, required: true }, value: { type: String, required: true } }], default: [] })
  headers: WebhookHeader[];

  @Prop({ type: String, default: null })
  description: string | null;

  /** Requests per second at most to its URL (enforced by the dispatcher); null: no limit. */
  @Prop({ type: Number, default: null })
  rate_limit: number | null;

  /** Why the system disabled the webhook (its receiver answered 410 Gone, or every attempt failed for too long); cleared when it is enabled again. */
  @Prop({ type: String, default: null })
  disabled_reason: string | null;

  /** When the webhook was last disabled (by an admin or by the system); cleared when it is enabled again. */
  @Prop({ type: Date, default: null })
  disabled_at: Date | null;

  /** When the webhook was last enabled (created enabled, or enabled again): the auto-disable clock starts no earlier. */
  @Prop({ type: Date, default: null })
  enabled_at: Date | null;

  @Prop({
    type: [{ _id: false, secret: { type: String, required: true }, created_at: { type: Date, required: true }, expires_at: { type: Date, default: null } }],
    default: [],
  })
  secrets: StoredSigningSecret[];
}

export type WebhookDocument = HydratedDocument<Webhook>;
export const WebhookSchema = SchemaFactory.createForClass(Webhook);
// the list queries: a customer's live webhooks by creation date, optionally of one event
WebhookSchema.index({ customer_id: 1, deleted_at: 1, created_at: 1, _id: 1 });
WebhookSchema.index({ customer_id: 1, deleted_at: 1, event: 1, created_at: 1, _id: 1 });
WebhookSchema.index({ publish_pending: 1 });

/** Webhooks are found by their UUID (their `_id`). */
export const webhookCollection: PublishedCollection<Webhook> = { type: 'WEBHOOK', noun: 'webhook', isId: isUuid, key: (_customerId, id) => id, idOf: (w) => w._id };
/** Injection token of the webhooks' PublishedDocuments. */
export const WEBHOOK_DOCUMENTS = Symbol('WEBHOOK_DOCUMENTS');
