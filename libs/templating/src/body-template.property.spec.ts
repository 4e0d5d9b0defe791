import fc from 'fast-check';
import { FIELD_CATALOG, FIELD_NAMES } from '@callhooks/contracts';
import { compileTemplate, TemplateError } from './body-template';
import { renderBody, renderJson, renderQuery } from './body-renderer';

/**
 * Property tests: random templates (built with a model of what they must render to) and hostile
 * payload values always give valid JSON equal to the model, never throw at render, and never
 * let a field name the catalog does not have through.
 */

type Spec =
  | { t: 'literal'; value: string | number | boolean | null }
  | { t: 'field'; field: string; pad: [string, string] }
  | { t: 'text'; parts: Array<{ text: string } | { field: string; pad: [string, string] }> }
  | { t: 'array'; items: Spec[] }
  | { t: 'object'; entries: Array<[string, Spec]> };

const HOSTILE = ['"', '\\', '\\"', '{', '}', '}}', '{{', '{{uuid}}', '__proto__', 'constructor', '\u0000', '\u001f', '\n', '\u2028', '\ud800', '\udfff', '😀', '</script>', "'); DROP TABLE x; --", '${process.exit(1)}'];

const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom(...HOSTILE),
  fc.array(fc.oneof(fc.constantFrom(...HOSTILE), fc.string({ maxLength: 3 })), { maxLength: 5 }).map((parts) => parts.join('')),
);

/** Literal text of a template: anything but an opening "{{", including a "{" just before a placeholder. */
const templateText = hostileString.map((s) => s.replace(/\{(?=\{|$)/g, '('));

const padding = fc.tuple(fc.constantFrom('', ' ', '  ', '\t', '\n '), fc.constantFrom('', ' ', '\t'));

const safeNumber = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Number.isInteger(x) || Number.isSafeInteger(x) || Math.abs(x) >= 1e21),
);

const templateKey = fc.oneof(templateText, fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', ''));

function specOf(fieldName: fc.Arbitrary<string>): fc.Arbitrary<Spec> {
  const placeholder = fc.record({ field: fieldName, pad: padding });
  const { spec } = fc.letrec<{ spec: Spec }>((tie) => ({
    spec: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.oneof(templateText, safeNumber, fc.boolean(), fc.constant(null)).map((value): Spec => ({ t: 'literal', value })),
      placeholder.map((p): Spec => ({ t: 'field', ...p })),
      fc
        .array(fc.oneof(templateText.map((text) => ({ text })), placeholder), { minLength: 1, maxLength: 5 })
        // some literal text, or the string would be exactly one placeholder: a typed field, not text
        .filter((parts) => parts.some((p) => 'field' in p) && parts.some((p) => 'text' in p && p.text !== ''))
        .map((parts): Spec => ({ t: 'text', parts })),
      fc.array(tie('spec'), { maxLength: 4 }).map((items): Spec => ({ t: 'array', items })),
      fc
        .uniqueArray(fc.tuple(templateKey, tie('spec')), { maxLength: 4, selector: ([key]) => key })
        .map((entries): Spec => ({ t: 'object', entries })),
    ),
  }));
  return spec;
}

function placeholderText(p: { field: string; pad: [string, string] }): string {
  return `{{${p.pad[0]}${p.field}${p.pad[1]}}}`;
}

/** The template text a spec stands for (built by hand so keys like "__proto__" are written as they are). */
function templateSource(spec: Spec, indent: string): string {
  switch (spec.t) {
    case 'literal':
      return JSON.stringify(spec.value);
    case 'field':
      return JSON.stringify(placeholderText(spec));
    case 'text':
      return JSON.stringify(spec.parts.map((p) => ('text' in p ? p.text : placeholderText(p))).join(''));
    case 'array':
      return `[${indent}${spec.items.map((item) => templateSource(item, indent)).join(`,${indent}`)}]`;
    case 'object':
      return `{${indent}${spec.entries.map(([key, value]) => `${JSON.stringify(key)}:${indent}${templateSource(value, indent)}`).join(`,${indent}`)}}`;
  }
}

type Payload = Record<string, string | number | null>;

/** What the spec must render to, as JSON text: typed values for exact placeholders, text (null as '') inside strings. */
function expectedJson(spec: Spec, payload: Payload): string {
  switch (spec.t) {
    case 'literal':
      return JSON.stringify(spec.value);
    case 'field':
      return JSON.stringify(payload[spec.field] ?? null);
    case 'text':
      return JSON.stringify(spec.parts.map((p) => ('text' in p ? p.text : String(payload[p.field] ?? ''))).join(''));
    case 'array':
      return `[${spec.items.map((item) => expectedJson(item, payload)).join(',')}]`;
    case 'object':
      return `{${spec.entries.map(([key, value]) => `${JSON.stringify(key)}:${expectedJson(value, payload)}`).join(',')}}`;
  }
}

function usesField(spec: Spec, field: string): boolean {
  switch (spec.t) {
    case 'literal':
      return false;
    case 'field':
      return spec.field === field;
    case 'text':
      return spec.parts.some((p) => 'field' in p && p.field === field);
    case 'array':
      return spec.items.some((item) => usesField(item, field));
    case 'object':
      return spec.entries.some(([, value]) => usesField(value, field));
  }
}

const knownField = fc.constantFrom(...FIELD_NAMES);

const payloadArb: fc.Arbitrary<Payload> = fc.record(
  Object.fromEntries(
    FIELD_CATALOG.map((f) => [f.name, f.type === 'integer' ? fc.option(fc.maxSafeInteger(), { nil: null }) : fc.option(hostileString, { nil: null })]),
  ) as Record<string, fc.Arbitrary<string | number | null>>,
);

/** Lone surrogates replaced by U+FFFD, as UTF-8 percent-encoding does. */
function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

const indentArb = fc.constantFrom('', ' ', '\n', '\n\t', '\r\n  ');

describe('body templates (properties)', () => {
  afterEach(() => {
    // nothing a template does may ever reach Object.prototype
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(OBJECT_PROTOTYPE_NAMES);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  const OBJECT_PROTOTYPE_NAMES = Object.getOwnPropertyNames(Object.prototype).sort();

  it('random templates over known fields compile, and render valid JSON equal to the model for any payload', () => {
    fc.assert(
      fc.property(specOf(knownField), indentArb, fc.array(payloadArb, { minLength: 1, maxLength: 3 }), (spec, indent, payloads) => {
        const template = compileTemplate(templateSource(spec, indent));
        for (const payload of payloads) {
          const json = renderJson(template, payload);
          expect(() => JSON.parse(json)).not.toThrow();
          expect(json).toBe(expectedJson(spec, payload));
        }
      }),
      { numRuns: 400 },
    );
  });

  it('typed substitution keeps the type of the field: numbers stay numbers, strings strings, null null', () => {
    fc.assert(
      fc.property(knownField, padding, payloadArb, (field, pad, payload) => {
        const rendered = renderBody(compileTemplate(JSON.stringify({ v: placeholderText({ field, pad }) })), payload) as Record<string, unknown>;
        expect(rendered.v).toBe(payload[field] ?? null);
      }),
      { numRuns: 300 },
    );
  });

  it('GET templates render to query parameters that decode back to the rendered top-level values', () => {
    const objectSpec = specOf(knownField).filter((s): s is Extract<Spec, { t: 'object' }> => s.t === 'object');
    fc.assert(
      fc.property(objectSpec, payloadArb, (spec, payload) => {
        const template = compileTemplate(templateSource(spec, ''), { method: 'GET' });
        const decoded = new URLSearchParams(renderQuery(template, payload).toString());
        expect([...decoded.keys()]).toEqual(spec.entries.map(([key]) => wellFormed(key)));
        const values = [...decoded.values()];
        spec.entries.forEach(([, valueSpec], index) => {
          const json = expectedJson(valueSpec, payload);
          const value = JSON.parse(json) as unknown;
          const text = value === null ? '' : typeof value === 'object' ? json : String(value);
          // a lone surrogate cannot be percent-encoded as UTF-8: URLSearchParams writes U+FFFD, as browsers do
          expect(values[index]).toBe(wellFormed(text));
        });
      }),
      { numRuns: 200 },
    );
  });

  it('a template naming a field outside the catalog is always refused, naming it', () => {
    const unknown = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,15}$/).filter((name) => !FIELD_NAMES.has(name));
    fc.assert(
      fc.property(
        unknown.chain((name) => fc.tuple(fc.constant(name), specOf(fc.oneof(knownField, fc.constant(name))))),
        indentArb,
        ([name, spec], indent) => {
          const text = templateSource(spec, indent);
          if (!usesField(spec, name)) {
            expect(() => compileTemplate(text)).not.toThrow();
            return;
          }
          let error: unknown;
          try {
            compileTemplate(text);
          } catch (caught) {
            error = caught;
          }
          expect(error).toBeInstanceOf(TemplateError);
          expect((error as TemplateError).problems.some((p) => p.message.startsWith(`unknown field ${JSON.stringify(name)} at $`))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('any text either compiles or is refused with a TemplateError; valid JSON without placeholders renders as JSON.parse reads it', () => {
    const texts = fc.oneof(
      fc.json(),
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.json().map((json) => json.slice(0, Math.max(0, json.length - 1))),
      fc.json().chain((json) => fc.nat(json.length).map((at) => `${json.slice(0, at)}${'{}[]",:\\'[at % 9]}${json.slice(at)}`)),
    );
    fc.assert(
      fc.property(texts, (text) => {
        let parsed: unknown;
        let parsedOk = true;
        try {
          parsed = JSON.parse(text);
        } catch {
          parsedOk = false;
        }
        let template: ReturnType<typeof compileTemplate> | undefined;
        try {
          template = compileTemplate(text);
        } catch (error) {
          expect(error).toBeInstanceOf(TemplateError);
        }
        if (!parsedOk) expect(template).toBeUndefined();
        // compared after a JSON.parse round trip: renderJson keeps the template's key order, JSON.parse moves integer-like keys first
        if (template && !text.includes('{{')) expect(JSON.stringify(JSON.parse(renderJson(template, {})))).toBe(JSON.stringify(parsed));
      }),
      { numRuns: 1000 },
    );
  });
});
