import { FIELD_CATALOG, ValidationError, type CallPayload } from '@callhooks/contracts';
import type { CompiledTemplate, TemplateNode } from './body-template';

/**
 * Rendering of compiled templates against a call payload. Rendering never throws for a valid
 * template (except renderQuery on a non-object template, which compileTemplate refuses for GET),
 * reads payload fields as own properties only, and builds every object with a null prototype and
 * plain assignment, so a template key such as "__proto__" or "constructor" is ordinary data and
 * cannot reach any prototype.
 */

export type RenderedScalar = string | number | boolean | null;
/** A rendered JSON value. Objects have a null prototype (JSON.stringify and spreading treat them as usual). */
export type RenderedValue = RenderedScalar | RenderedValue[] | { [key: string]: RenderedValue };

/** Anything with the payload's field names; missing fields render as null. */
export type PayloadFields = CallPayload | Readonly<Record<string, unknown>>;

const hasOwn = Object.prototype.hasOwnProperty;

/** A payload field as a JSON scalar: strings, finite numbers and booleans as they are, anything else null. */
export function fieldValue(payload: PayloadFields, field: string): RenderedScalar {
  if (!hasOwn.call(payload, field)) return null;
  const value = (payload as Readonly<Record<string, unknown>>)[field];
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'bigint':
      return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
    default:
      return null;
  }
}

/** A payload field inside a longer string: null (unknown yet) renders as the empty string. */
function fieldText(payload: PayloadFields, field: string): string {
  const value = fieldValue(payload, field);
  return value === null ? '' : String(value);
}

/** The body value: the template rendered, or the full payload (every catalog field, catalog order) without a template. */
export function renderBody(template: CompiledTemplate | null, payload: PayloadFields): RenderedValue {
  if (template === null) return fullPayload(payload);
  return renderNode(template.root, payload);
}

/**
 * The body as JSON text (always valid JSON), written straight from the template so properties
 * keep the template's order (a JavaScript object would move integer-like keys such as "10" first).
 */
export function renderJson(template: CompiledTemplate | null, payload: PayloadFields): string {
  if (template === null) return JSON.stringify(fullPayload(payload));
  return writeJson(template.root, payload);
}

/**
 * The query parameters of a GET: each rendered top-level property in template order, strings as
 * they are, numbers and booleans as text, null as the empty string (the parameter stays, so
 * receivers see a stable set), nested objects and arrays as JSON text. Without a template: every
 * payload field.
 */
export function renderQuery(template: CompiledTemplate | null, payload: PayloadFields): URLSearchParams {
  const params = new URLSearchParams();
  if (template === null) {
    for (const { name } of FIELD_CATALOG) params.append(name, scalarText(fieldValue(payload, name)));
    return params;
  }
  const root = template.root;
  if (root.kind !== 'object') {
    throw new ValidationError('a GET body template must be a JSON object', [{ field: 'body', message: 'a GET body template must be a JSON object' }]);
  }
  for (const { key, value } of root.entries) {
    params.append(key, value.kind === 'object' || value.kind === 'array' ? writeJson(value, payload) : scalarText(renderNode(value, payload) as RenderedScalar));
  }
  return params;
}

function scalarText(value: RenderedScalar): string {
  return value === null ? '' : String(value);
}

/** Appends query parameters to a URL, after any query it has and before its fragment. */
export function appendQuery(url: string, params: URLSearchParams): string {
  const query = params.toString();
  if (query === '') return url;
  const hashAt = url.indexOf('#');
  const base = hashAt < 0 ? url : url.slice(0, hashAt);
  const fragment = hashAt < 0 ? '' : url.slice(hashAt);
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${separator}${query}${fragment}`;
}

export interface RenderableWebhook {
  method: 'GET' | 'POST';
  url: string;
  /** The compiled body template; null sends the full payload. */
  template: CompiledTemplate | null;
}

/** The HTTP request a webhook makes for a payload, as a delivery job carries it. */
export interface RenderedRequest {
  method: 'GET' | 'POST';
  /** For GET, with the rendered fields appended as query parameters. */
  url: string;
  /** JSON text for POST; null for GET. */
  body: string | null;
  /** The query parameters added for GET; null for POST. */
  query: Record<string, string> | null;
}

export function renderRequest(webhook: RenderableWebhook, payload: PayloadFields): RenderedRequest {
  if (webhook.method === 'GET') {
    const params = renderQuery(webhook.template, payload);
    const query: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [key, value] of params) query[key] = value;
    return { method: 'GET', url: appendQuery(webhook.url, params), body: null, query };
  }
  return { method: 'POST', url: webhook.url, body: renderJson(webhook.template, payload), query: null };
}

function renderNode(node: TemplateNode, payload: PayloadFields): RenderedValue {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'field':
      return fieldValue(payload, node.field);
    case 'text': {
      let text = '';
      for (const part of node.parts) text += 'text' in part ? part.text : fieldText(payload, part.field);
      return text;
    }
    case 'array':
      return node.items.map((item) => renderNode(item, payload));
    case 'object': {
      // null prototype: assigning "__proto__" creates an own property instead of calling a setter
      const object = Object.create(null) as Record<string, RenderedValue>;
      for (const entry of node.entries) object[entry.key] = renderNode(entry.value, payload);
      return object;
    }
  }
}

function writeJson(node: TemplateNode, payload: PayloadFields): string {
  switch (node.kind) {
    case 'literal':
      return JSON.stringify(node.value);
    case 'field':
      return JSON.stringify(fieldValue(payload, node.field));
    case 'text':
      return JSON.stringify(renderNode(node, payload));
    case 'array':
      return `[${node.items.map((item) => writeJson(item, payload)).join(',')}]`;
    case 'object':
      return `{${node.entries.map((entry) => `${JSON.stringify(entry.key)}:${writeJson(entry.value, payload)}`).join(',')}}`;
  }
}

function fullPayload(payload: PayloadFields): Record<string, RenderedValue> {
  const object = Object.create(null) as Record<string, RenderedValue>;
  for (const { name } of FIELD_CATALOG) object[name] = fieldValue(payload, name);
  return object;
}
