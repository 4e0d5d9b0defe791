import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import type { EventName } from '@callhooks/contracts';
import type { ListQueryDto, PageMetaDto } from '../common/pagination';
import { bind, pageOf, sqlPage, type SqlFilter } from '../common/sql-pagination';
import { PostgresPool, withConnection } from '../database/postgres-pool';
import { postgresJson } from '../database/postgres-text';
import { Webhook } from './webhook.schema';

/** The list's filters (ListWebhooksQueryDto's). */
export interface WebhookListFilter {
  event?: EventName;
  enabled?: boolean;
  /** Contained in the URL, case-insensitive. */
  url?: string;
  /** The URL starts with it, case-sensitive. */
  url_prefix?: string;
}

/** What a page reads of each row. */
export const WEBHOOK_LIST_COLUMNS = 'id, created_at, document';

/** The conditions of a customer's list: its live rows (the partial index's), then the filters on those few rows. */
export function webhookListFilter(customerId: string, filter: WebhookListFilter): SqlFilter {
  // `live` first and literal: the planner matches it to the partial index
  const sql: SqlFilter = { where: ['live'], values: [] };
  sql.where.push(`customer_id = ${bind(sql, customerId)}`);
  if (filter.event !== undefined) sql.where.push(`event = ${bind(sql, filter.event)}`);
  if (filter.enabled !== undefined) sql.where.push(`enabled = ${bind(sql, filter.enabled)}`);
  if (filter.url !== undefined) sql.where.push(`strpos(url_folded, ${bind(sql, foldCase(filter.url))}) > 0`);
  if (filter.url_prefix !== undefined) sql.where.push(`starts_with(url, ${bind(sql, filter.url_prefix)})`);
  return sql;
}

/** Versions copied at write remembered at most (they are forgotten as they are published). */
const MAX_REMEMBERED = 100_000;

/** Webhooks copied per statement when the list is filled from MongoDB. */
const FILL_BATCH = 500;
/** The advisory lock of the first fill: one per schema, as the migrations'. */
const FILL_LOCK = 'callhooks-webhook-list-fill:';

/**
 * The dates of a listed webhook, stored as ISO strings in its JSON and made Dates again when
 * read (plain JSON parses several times faster than Extended JSON; webhook-list.spec.ts
 * checks this against the schema's Date paths).
 */
export const LISTED_DATES = ['created_at', 'updated_at', 'deleted_at', 'disabled_at', 'enabled_at'] as const satisfies ReadonlyArray<keyof Webhook>;

/**
 * The customers' webhook lists, served from PostgreSQL (table `webhook_list`, migration 0003):
 * MongoDB keeps the webhooks, FerretDB cannot sort or limit in its backend, so a page of a
 * customer with 1,000 webhooks read and decoded all of them twice (page and count).
 *
 * Every write of a webhook reaches the list right after the MongoDB write (so a customer
 * lists what it just created), and publishing the webhook repairs what that missed (a copy
 * that failed, a crash between the two, another instance's write; the publisher keeps trying
 * while PostgreSQL is down). A row only ever moves to a higher version, so late or repeated
 * copies change nothing. The first start after an upgrade copies the
 * webhooks stored before the list existed.
 */
@Injectable()
export class WebhookList implements OnApplicationBootstrap {
  private readonly logger = new Logger(WebhookList.name);
  /** Webhook id → the version this process copied right after writing it, until publishing reads it. */
  private readonly copiedAtWrite = new Map<string, number>();

  constructor(
    private readonly postgres: PostgresPool,
    @InjectModel(Webhook.name) private readonly model: Model<Webhook>,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const copied = await this.fill();
    if (copied !== null) this.logger.log({ webhooks: copied }, 'webhook list filled from MongoDB');
  }

  /**
   * The write path: brings the list up to these webhooks just written, and remembers their
   * versions so that publishing them does not copy them again (repair()).
   */
  async put(webhooks: Webhook[]): Promise<void> {
    await this.upsert(webhooks);
    if (this.copiedAtWrite.size > MAX_REMEMBERED) this.copiedAtWrite.clear(); // forgetting only costs copies
    for (const w of webhooks) if ((this.copiedAtWrite.get(w._id) ?? -1) < w.version) this.copiedAtWrite.set(w._id, w.version);
  }

  /**
   * Publishing: copies the webhooks this process did not copy at their version when it wrote
   * them (a copy that failed, a crash in between, another instance's write). Each copy saved
   * is a statement less per write: about a tenth of a webhook creation's CPU.
   */
  async repair(webhooks: Webhook[]): Promise<void> {
    const missing: Webhook[] = [];
    for (const w of webhooks) {
      const copied = this.copiedAtWrite.get(w._id) ?? -1;
      if (copied <= w.version) this.copiedAtWrite.delete(w._id);
      if (copied < w.version) missing.push(w);
    }
    await this.upsert(missing);
  }

  /** Writes these webhooks' rows (any customers, deleted ones too); a row only moves to a higher version. */
  private async upsert(webhooks: Webhook[]): Promise<void> {
    const newest = new Map<string, Webhook>();
    for (const w of webhooks) if ((newest.get(w._id)?.version ?? -1) < w.version) newest.set(w._id, w);
    if (newest.size === 0) return;
    await this.postgres.query(
      `INSERT INTO webhook_list AS l (id, customer_id, version, live, created_at, enabled, event, url, url_folded, document)
       SELECT u.id, u.customer_id, u.version, u.live, to_timestamp(u.created_at / 1000.0), u.enabled, u.event, u.url, u.url_folded, u.document
         FROM jsonb_to_recordset($1::jsonb)
           AS u(id text, customer_id text, version int, live bool, created_at float8, enabled bool, event text, url text, url_folded text, document text)
       ON CONFLICT (id) DO UPDATE SET customer_id = EXCLUDED.customer_id, version = EXCLUDED.version, live = EXCLUDED.live, created_at = EXCLUDED.created_at,
         enabled = EXCLUDED.enabled, event = EXCLUDED.event, url = EXCLUDED.url, url_folded = EXCLUDED.url_folded, document = EXCLUDED.document
       WHERE l.version < EXCLUDED.version`,
      // rows as one JSON parameter, as the health aggregates and the delivery log's updates are sent
      [postgresJson([...newest.values()].map(listRow))],
    );
  }

  /** One page of the customer's live webhooks, in the order and with the cursor of every list. */
  async page(customerId: string, filter: WebhookListFilter, query: ListQueryDto): Promise<{ items: Webhook[]; meta: PageMetaDto }> {
    const sql = sqlPage('webhook_list', WEBHOOK_LIST_COLUMNS, webhookListFilter(customerId, filter), query);
    const [rows, [{ total }]] = await Promise.all([
      this.postgres.query<{ id: string; created_at: Date; document: string }>(sql.page.text, sql.page.values),
      this.postgres.query<{ total: string }>(sql.count.text, sql.count.values),
    ]);
    const { items, meta } = pageOf(rows, Number(total), sql, query.page);
    return { items: items.map((row) => listedWebhook(row.document)), meta };
  }

  /**
   * Copies every webhook of MongoDB into the list, once per schema: under an advisory lock, so
   * instances starting together copy once; writes meanwhile are safe (versions only grow).
   * Returns how many were copied, or null when the list was filled before.
   */
  async fill(): Promise<number | null> {
    const lock = FILL_LOCK + this.postgres.settings.schema;
    return withConnection(this.postgres.pool, async (client) => {
      await client.query('SELECT pg_advisory_lock(hashtext($1))', [lock]);
      try {
        if ((await client.query('SELECT 1 FROM webhook_list_fill')).rowCount) return null;
        let copied = 0;
        let batch: Webhook[] = [];
        for await (const w of this.model.find().lean<Webhook>().cursor({ batchSize: FILL_BATCH })) {
          batch.push(w);
          if (batch.length >= FILL_BATCH) {
            await this.upsert(batch);
            copied += batch.length;
            batch = [];
          }
        }
        await this.upsert(batch);
        copied += batch.length;
        await client.query('INSERT INTO webhook_list_fill DEFAULT VALUES ON CONFLICT DO NOTHING');
        return copied;
      } finally {
        await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lock]).catch(() => undefined);
      }
    });
  }
}

/** Case folding of the URL filter, the same for stored URLs and filters whatever the database's locale. */
function foldCase(text: string): string {
  return text.toLowerCase();
}

/** The stored webhook of a row's document. */
export function listedWebhook(document: string): Webhook {
  const w = JSON.parse(document) as Record<string, unknown>;
  for (const field of LISTED_DATES) if (typeof w[field] === 'string') w[field] = new Date(w[field]);
  return w as unknown as Webhook;
}

/** A webhook's row: the columns the list filters and orders by, and the stored document without its signing secrets. */
export function listRow(w: Webhook) {
  const { secrets: _secrets, ...listed } = w;
  return {
    id: w._id,
    customer_id: w.customer_id,
    version: w.version,
    live: w.deleted_at === null,
    created_at: w.created_at.getTime(),
    enabled: w.enabled,
    event: w.event,
    url: w.url,
    url_folded: foldCase(w.url),
    document: JSON.stringify(listed),
  };
}
