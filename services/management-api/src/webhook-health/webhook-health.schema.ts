import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HealthBucket, LastAttempt } from './health-buckets';

/**
 * The rolling health aggregates of one webhook (`_id` = webhook id), kept by the delivery-log
 * consumer from the delivery results (its only writer), read by the stats endpoints and the
 * failing-webhooks sweep. `applied_offsets` (results partition → last offset applied) makes a
 * result read again after a crash count once; `rev` guards read-modify-write across instances.
 */
@Schema({ collection: 'webhook_health', versionKey: false })
export class WebhookHealthRecord {
  @Prop({ type: String, required: true }) _id: string;
  @Prop({ type: String, required: true }) customer_id: string;
  @Prop({ type: Array, default: [] }) minutes: HealthBucket[];
  @Prop({ type: Array, default: [] }) hours: HealthBucket[];
  @Prop({ type: Object, default: null }) last_success: LastAttempt | null;
  @Prop({ type: Object, default: null }) last_failure: LastAttempt | null;
  @Prop({ type: Number, default: 0 }) consecutive_failures: number;
  @Prop({ type: Date, default: null }) failing_since: Date | null;
  @Prop({ type: [Number], default: [] }) streak: number[];
  @Prop({ type: Number, default: 0 }) streak_overflow: number;
  @Prop({ type: Date, default: null }) breaker_open_at: Date | null;
  @Prop({ type: Date, default: null }) last_attempt_at: Date | null;
  @Prop({ type: Object, default: {} }) applied_offsets: Record<string, number>;
  @Prop({ type: Date, required: true }) updated_at: Date;
  @Prop({ type: Number, required: true, default: 0 }) rev: number;
}

export const WebhookHealthSchema = SchemaFactory.createForClass(WebhookHealthRecord);
// the failing-webhooks sweep: webhooks failing since before a cutoff
WebhookHealthSchema.index({ failing_since: 1 });
