import { finished } from 'node:stream/promises';
import type { PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { postgresJson, postgresText } from './postgres-text';

/** How a column's values are written: text (a string), int4 (an integer), timestamptz (epoch milliseconds), jsonb (any JSON value). */
export type CopyType = 'text' | 'int4' | 'timestamptz' | 'jsonb';

/** A column of a COPY: its name and type; a row gives its values in the columns' order, null for NULL. */
export type CopyColumn = readonly [name: string, type: CopyType];

/**
 * Rows into a table through `COPY … FROM STDIN (FORMAT binary)`: each value travels in its
 * binary form, so the server neither parses nor unescapes text as it does for a JSON or an
 * array parameter (whose parsing took half of a delivery log batch's statement time). A COPY has
 * no ON CONFLICT: a row whose unique key is taken fails it whole (SQLSTATE 23505), which the
 * delivery log's writer undoes to a savepoint before it takes its merging way. Text passes
 * through postgresText and JSON through postgresJson, the rule of every string bound for
 * PostgreSQL (postgres-text.ts): U+0000 and a lone surrogate become U+FFFD.
 */
export async function copyRows(client: PoolClient, table: string, columns: readonly CopyColumn[], rows: ReadonlyArray<readonly unknown[]>): Promise<void> {
  const stream = client.query(copyFrom(`COPY ${table} (${columns.map(([name]) => name).join(', ')}) FROM STDIN (FORMAT binary)`));
  stream.end(
    encodeCopyBinary(
      columns.map(([, type]) => type),
      rows,
    ),
  );
  await finished(stream);
}

/** PostgreSQL's binary COPY signature, then the flags field and the header extension's length (both 0). */
const HEADER = Buffer.from('PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0', 'latin1');
/** PostgreSQL's timestamps count microseconds from 2000-01-01T00:00:00Z. */
const POSTGRES_EPOCH_MS = Date.UTC(2000, 0, 1);
const TWO_TO_32 = 2 ** 32;

/** The binary COPY data of `rows`: the header, per row its field count and each field's length and bytes (-1: NULL), the trailer. */
export function encodeCopyBinary(types: readonly CopyType[], rows: ReadonlyArray<readonly unknown[]>): Buffer {
  const out = new GrowingBuffer(HEADER.length + rows.length * (2 + types.length * 12) + 2);
  out.bytes(HEADER);
  for (const row of rows) {
    if (row.length !== types.length) throw new Error(`a COPY row has ${row.length} values for ${types.length} columns`);
    out.int16(types.length);
    for (let i = 0; i < types.length; i++) {
      const value = row[i];
      if (value === null || value === undefined) {
        out.int32(-1);
        continue;
      }
      switch (types[i]) {
        case 'text':
          out.text(postgresText(String(value)));
          break;
        case 'int4':
          out.int32(4);
          out.int32(value as number);
          break;
        case 'timestamptz': {
          const micros = Math.round(((value as number) - POSTGRES_EPOCH_MS) * 1000);
          const high = Math.floor(micros / TWO_TO_32);
          out.int32(8);
          out.int32(high);
          out.uint32(micros - high * TWO_TO_32);
          break;
        }
        case 'jsonb':
          // jsonb's binary form: a version byte (1), then the JSON text
          out.text(postgresJson(value), 1);
          break;
      }
    }
  }
  out.int16(-1);
  return out.result();
}

/** A buffer written front to back, doubled when the next write may not fit. */
class GrowingBuffer {
  private buffer: Buffer;
  private offset = 0;

  constructor(size: number) {
    this.buffer = Buffer.allocUnsafe(Math.max(size, 1024));
  }

  int16(value: number): void {
    this.reserve(2);
    this.offset = this.buffer.writeInt16BE(value, this.offset);
  }

  int32(value: number): void {
    this.reserve(4);
    this.offset = this.buffer.writeInt32BE(value, this.offset);
  }

  uint32(value: number): void {
    this.reserve(4);
    this.offset = this.buffer.writeUInt32BE(value, this.offset);
  }

  bytes(value: Buffer): void {
    this.reserve(value.length);
    this.offset += value.copy(this.buffer, this.offset);
  }

  /** A length-prefixed UTF-8 field, after `version` when given (one byte, counted in the length). */
  text(value: string, version?: number): void {
    const prefix = version === undefined ? 0 : 1;
    // UTF-8 takes at most 3 bytes per UTF-16 code unit
    this.reserve(4 + prefix + value.length * 3);
    if (version !== undefined) this.buffer[this.offset + 4] = version;
    const written = this.buffer.write(value, this.offset + 4 + prefix, 'utf8');
    this.buffer.writeInt32BE(written + prefix, this.offset);
    this.offset += 4 + prefix + written;
  }

  result(): Buffer {
    return this.buffer.subarray(0, this.offset);
  }

  private reserve(bytes: number): void {
    if (this.offset + bytes <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.offset + bytes));
    this.buffer.copy(grown, 0, 0, this.offset);
    this.buffer = grown;
  }
}
