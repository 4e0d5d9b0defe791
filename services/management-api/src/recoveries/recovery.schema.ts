import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';

export const RECOVERY_STATES = ['RUNNING', 'DONE'] as const;
export type RecoveryState = (typeof RECOVERY_STATES)[number];

/** A resent delivery whose outcome is not known yet. */
export interface InFlightResend {
  id: string;
  attempt: number;
  /** false until the job is known to be on the topic (a restart sends it again if it was not). */
  sent: boolean;
}

/**
 * A bulk recovery: the failed deliveries of a webhook (or of an environment) in a time window,
 * resent at most `window` at a time. Its progress lives here, so any API instance can carry it
 * on after a restart: `lease_owner`/`lease_until` say who runs it now; `cursor` where the scan of
 * the window stopped; `in_flight` the resends not yet over.
 */
@Schema({ collection: 'recoveries', versionKey: false })
export class Recovery {
  @Prop({ type: String, required: true }) _id: string;
  @Prop({ type: String, required: true }) customer_id: string;
  @Prop({ type: String, default: null }) webhook_id: string | null;
  @Prop({ type: String, default: null }) environment_id: string | null;
  @Prop({ type: Date, required: true }) since: Date;
  @Prop({ type: Date, default: null }) until: Date | null;
  @Prop({ type: String, required: true, enum: RECOVERY_STATES }) state: RecoveryState;
  @Prop({ type: Number, default: 0 }) matched: number;
  @Prop({ type: Number, default: 0 }) requeued: number;
  @Prop({ type: Number, default: 0 }) delivered: number;
  @Prop({ type: Number, default: 0 }) failed: number;
  /** Failed deliveries of the window not sent: delivered, or being resent by another recovery, by the time this one came to them. */
  @Prop({ type: Number, default: 0 }) skipped: number;
  @Prop({ type: Object, default: null }) cursor: { created_at: Date; id: string } | null;
  @Prop({ type: Boolean, default: false }) scan_done: boolean;
  @Prop({ type: Array, default: [] }) in_flight: InFlightResend[];
  @Prop({ type: String, default: null }) lease_owner: string | null;
  @Prop({ type: Date, default: null }) lease_until: Date | null;
  @Prop({ type: Date, required: true }) created_at: Date;
  @Prop({ type: Date, required: true }) updated_at: Date;
  @Prop({ type: Date, default: null }) finished_at: Date | null;
  @Prop({ type: Number, required: true, default: 0 }) rev: number;
}

export const RecoverySchema = SchemaFactory.createForClass(Recovery);
RecoverySchema.index({ state: 1 });
RecoverySchema.index({ customer_id: 1, created_at: -1 });
