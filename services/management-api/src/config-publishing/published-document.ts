import { Prop } from '@nestjs/mongoose';

/**
 * What every configuration document published to the config topic carries (webhooks and
 * environments extend it). `version` grows with every change; `published_version` is the
 * version Kafka acknowledged; `publish_pending` says they differ (FerretDB cannot compare two
 * fields in a query, so the reconciler finds unpublished documents by this flag, indexed by
 * each schema). A deletion is soft: `deleted_at` is set and the document stays as a
 * tombstone, so the version of the id keeps growing and readers of the config topic never
 * take an old record for a newer one.
 */
export abstract class PublishedDocument {
  @Prop({ type: Number, required: true })
  version: number;

  @Prop({ type: Number, default: 0 })
  published_version: number;

  @Prop({ type: Boolean, default: true })
  publish_pending: boolean;

  @Prop({ type: Date, default: null })
  deleted_at: Date | null;

  created_at: Date;
  updated_at: Date;
}
