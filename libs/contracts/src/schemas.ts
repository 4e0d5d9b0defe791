import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The Avro schemas of the contracts, by file name. The `.avsc` files are the single source of truth. */
export type SchemaName =
  | 'call-leg'
  | 'call-event'
  | 'webhook-config'
  | 'delivery-job'
  | 'delivery-result'
  | 'enricher-call-state';

export const SCHEMA_NAMES: readonly SchemaName[] = [
  'call-leg',
  'call-event',
  'webhook-config',
  'delivery-job',
  'delivery-result',
  'enricher-call-state',
];

// The same relative path holds in the sources (libs/contracts/src) and the build (dist/libs/contracts/src),
// because the build copies schemas/ beside src/.
const SCHEMA_DIR = join(__dirname, '..', 'schemas');

const cache = new Map<SchemaName, AvroRecordSchema>();

export interface AvroRecordSchema {
  type: 'record';
  name: string;
  namespace?: string;
  doc?: string;
  fields: Array<{ name: string; type: unknown; default?: unknown; doc?: string }>;
}

export function loadSchema(name: SchemaName): AvroRecordSchema {
  let schema = cache.get(name);
  if (!schema) {
    schema = JSON.parse(readFileSync(join(SCHEMA_DIR, `${name}.avsc`), 'utf8')) as AvroRecordSchema;
    cache.set(name, schema);
  }
  return schema;
}

export function schemaDir(): string {
  return SCHEMA_DIR;
}
