/**
 * The webhook list (webhooks/webhook-list.ts): a copy of each webhook as stored in MongoDB, the
 * source of truth, for the customer's paged and filtered list. FerretDB neither sorts nor
 * limits in PostgreSQL, so a list of 1,000 webhooks read and sorted them all on every page.
 * `document` is the stored webhook (signing secrets left out) as JSON; the columns are
 * what the list filters and orders by. A row is replaced only by a higher version.
 * `webhook_list_fill` records that the rows of webhooks stored before this table existed were
 * copied (once, at a start-up).
 */
export const WEBHOOK_LIST = `
CREATE TABLE webhook_list (
  id          text COLLATE "C" PRIMARY KEY,
  customer_id text COLLATE "C" NOT NULL,
  version     integer NOT NULL,
  live        boolean NOT NULL,
  created_at  timestamptz NOT NULL,
  enabled     boolean NOT NULL,
  event       text COLLATE "C" NOT NULL,
  url         text NOT NULL,
  url_folded  text NOT NULL,
  document    text NOT NULL
);
-- the list in either order and its count, filters read on the customer's few rows
CREATE INDEX webhook_list_customer ON webhook_list (customer_id, created_at, id) WHERE live;
CREATE TABLE webhook_list_fill (
  done      boolean PRIMARY KEY DEFAULT true CHECK (done),
  filled_at timestamptz NOT NULL DEFAULT now()
);
`;
