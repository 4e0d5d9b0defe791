import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { FIELD_CATALOG, loadSchema, SCHEMA_NAMES, TOPICS, samplePayload } from './index';
import type { AvroRecordSchema } from './schemas';

describe('contracts', () => {
  it('the generated TypeScript types match the .avsc files', () => {
    // exits non-zero (and throws here) when someone edited a schema without regenerating
    expect(() =>
      execFileSync('node', [join(__dirname, '../../../scripts/generate-contract-types.js'), '--check'], { stdio: 'pipe' }),
    ).not.toThrow();
  });

  it('every schema parses and is a record', () => {
    for (const name of SCHEMA_NAMES) expect(loadSchema(name).type).toBe('record');
  });

  it('the field catalog lists exactly the fields of the CallPayload record', () => {
    const event = loadSchema('call-event');
    const payloadField = event.fields.find((f) => f.name === 'payload');
    const payload = payloadField?.type as AvroRecordSchema;
    expect(FIELD_CATALOG.map((f) => f.name).sort()).toEqual(payload.fields.map((f) => f.name).sort());
  });

  it('the sample payload has a value for every field', () => {
    const sample = samplePayload() as unknown as Record<string, unknown>;
    for (const f of FIELD_CATALOG) expect(sample[f.name]).toBe(f.example);
  });

  it('topic names are unique and versioned', () => {
    const names = TOPICS.map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    for (const n of names) expect(n).toMatch(/\.v\d+$/);
  });
});
