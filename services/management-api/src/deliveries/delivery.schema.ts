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
  @Prop({ type: String, required: true }) customer_id: string;
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
  /** created_at's UTC date (YYYY-MM-DD): the retention purge deletes by day, an equality. */
  @Prop({ type: String, required: true }) created_day: string;
  @Prop({ type: Date, required: true }) updated_at: Date;
  @Prop({ type: Number, required: true, default: 0 }) rev: number;
}

export type DeliveryDocument = HydratedDocument<DeliveryRecord>;
export const DeliveryRecordSchema = SchemaFactory.createForClass(DeliveryRecord);
// The list: one customer's deliveries in (created_at, _id) order (the page order, _id breaking
// ties), alone or filtered by one field. With _id in the key MongoDB reads a page's 51 entries
// from the index in order instead of sorting every match; the environment filter rides on the
// first (a customer has few environments, so matches come early in its order). On FerretDB
// (local) an equality on each of these fields reaches a PostgreSQL index: deploy/local/ferretdb/gin-indexes.sql.
DeliveryRecordSchema.index({ customer_id: 1, created_at: -1, _id: -1 });
for (const field of ['webhook_id', 'status', 'event', 'call_uuid'] as const) {
  DeliveryRecordSchema.index({ customer_id: 1, [field]: 1, created_at: -1, _id: -1 });
}
// The retention purge: its regular runs by day (equality, which FerretDB can push down), its
// first run after start by created_at range (the whole log).
DeliveryRecordSchema.index({ created_day: 1, created_at: 1 });
DeliveryRecordSchema.index({ created_at: 1 });

/** The UTC date of an instant, as created_day holds it. */
export function dayOf(at: Date): string {
  return at.toISOString().slice(0, 10);
}
