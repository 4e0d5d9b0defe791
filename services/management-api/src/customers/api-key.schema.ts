import { Prop, Schema, SchemaFactory } from '@nestjs/mongoose';
import type { HydratedDocument } from 'mongoose';

/**
 * A customer's API key. Only the sha256 of the key is stored; the short prefix (the first
 * characters of the key, not secret) finds the candidate and lets people tell keys apart.
 */
@Schema({ collection: 'api_keys', versionKey: false, id: false, timestamps: { createdAt: 'created_at', updatedAt: false } })
export class ApiKey {
  @Prop({ type: String, required: true })
  _id: string;

  @Prop({ type: String, required: true })
  customer_id: string;

  @Prop({ type: String, required: true })
  name: string;

  @Prop({ type: String, required: true })
  prefix: string;

  /** sha256 of the whole key, hex. */
  @Prop({ type: String, required: true })
  hash: string;

  @Prop({ type: Date, default: null })
  revoked_at: Date | null;

  created_at: Date;
}

export type ApiKeyDocument = HydratedDocument<ApiKey>;
export const ApiKeySchema = SchemaFactory.createForClass(ApiKey);
ApiKeySchema.index({ hash: 1 }, { unique: true });
ApiKeySchema.index({ prefix: 1 });
ApiKeySchema.index({ customer_id: 1, created_at: 1, _id: 1 });
