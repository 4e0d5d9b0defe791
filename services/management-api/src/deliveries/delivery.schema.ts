import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument } from 'mongoose';

/** The state of a delivery as the log shows it: the outcome of its latest attempt, or PENDING before any. */
export const DELIVERY_STATUSES = ['PENDING', 'RETRYING', 'SUCCEEDED', 'FAILED', 'GONE', 'BLOCKED'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

@Schema({ _id: false })
export class DeliveryAttempt {
  @Prop({ type: Number, required: true }) attempt: number;
  /** SUCCEEDED, RETRYING, FAILED, GONE, BLOCKED or BREAKER_OPEN (not attempted, rescheduled). */
  @Prop({ type: String, required: true }) outcome: string;
  @Prop({ type: Number, default: null }) status_code: number | null;
  @Prop({ type: String, default: null }) error_class: string | null;
  @Prop({ type: Number, default: null }) latency_ms: number | null;
  @Prop({ type: String, default: null }) response_snippet: string | null;
  @Prop({ type: Date, required: true }) attempted_at: Date;
  @Prop({ type: Date, default: null }) next_attempt_at: Date | null;
}
export const DeliveryAttemptSchema = SchemaFactory.createForClass(DeliveryAttempt);

/**
 * One delivery (one event to one webhook) with all its attempts. Written only by the
 * delivery log (the consumer of the delivery-results topic, and redelivery requests);
 * `_id` is the delivery id, so a result read twice lands on the same document, and an
 * attempt is keyed by its number, so it is never listed twice. `rev` guards concurrent
 * read-modify-write (FerretDB has no transactions).
 */
@Schema({ collection: 'deliveries', versionKey: false })
export class DeliveryRecord {
  @Prop({ type: String, required: true }) _id: string;
  @Prop({ type: String, required: true, index: true }) customer_id: string;
  @Prop({ type: String, required: true }) webhook_id: string;
  @Prop({ type: String, default: null }) environment_id: string | null;
  @Prop({ type: String, required: true }) event: string;
  @Prop({ type: String, required: true }) event_id: string;
  @Prop({ type: String, default: null }) call_uuid: string | null;
  @Prop({ type: String, required: true }) origin: string;
  @Prop({ type: String, required: true }) method: string;
  @Prop({ type: String, required: true }) url: string;
  @Prop({ type: String, default: null }) request_body: string | null;
  @Prop({ type: String, required: true, enum: DELIVERY_STATUSES }) status: DeliveryStatus;
  @Prop({ type: [DeliveryAttemptSchema], default: [] }) attempts: DeliveryAttempt[];
  @Prop({ type: Number, required: true, default: 0 }) attempt_count: number;
  @Prop({ type: Date, default: null }) last_attempt_at: Date | null;
  @Prop({ type: Date, default: null }) next_attempt_at: Date | null;
  @Prop({ type: Date, required: true }) created_at: Date;
  @Prop({ type: Date, required: true }) updated_at: Date;
  @Prop({ type: Number, required: true, default: 0 }) rev: number;
}

export type DeliveryDocument = HydratedDocument<DeliveryRecord>;
export const DeliveryRecordSchema = SchemaFactory.createForClass(DeliveryRecord);
// the list's filters, newest first, within one customer
DeliveryRecordSchema.index({ customer_id: 1, created_at: -1 });
DeliveryRecordSchema.index({ customer_id: 1, webhook_id: 1, created_at: -1 });
DeliveryRecordSchema.index({ customer_id: 1, call_uuid: 1 });
// the retention purge
DeliveryRecordSchema.index({ created_at: 1 });
