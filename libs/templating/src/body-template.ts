import { FIELD_NAMES, ValidationError, type FieldProblem } from '@callhooks/contracts';
import { JsonSyntaxError, parseJson, type JsonNode } from './json-syntax';

/**
 * The webhook body template: JSON written by the admin, with `{{field}}` placeholders naming
 * call payload fields. Compiled once at save time (where problems are refused) and again by
 * the matcher (once per webhook version); rendering a compiled template never fails and never
 * runs code — there is no expression language, only field look-ups in a fixed catalog.
 *
 * Rules (see README.md beside this file):
 * - a string value that is exactly one placeholder, `"{{duration}}"`, becomes the field's typed
 *   value (number, string or null);
 * - placeholders inside a longer string are interpolated as text, null as the empty string;
 * - whitespace inside the braces is allowed (`{{ duration }}`); every `{{` must open a
 *   placeholder naming a known field (there is no escape for a literal `{{`);
 * - keys are literal and may not contain placeholders; duplicate keys are refused;
 * - numbers must be exact in IEEE doubles (larger integers: write them as strings).
 */

/** A node of a compiled template. Literals are kept as they render; objects as ordered entries. */
export type TemplateNode =
  | { kind: 'literal'; value: string | number | boolean | null }
  | { kind: 'field'; field: string }
  | { kind: 'text'; parts: readonly TextPart[] }
  | { kind: 'object'; entries: readonly TemplateEntry[] }
  | { kind: 'array'; items: readonly TemplateNode[] };

export type TextPart = { text: string } | { field: string };

export interface TemplateEntry {
  key: string;
  value: TemplateNode;
}

/** A problem of a template, under the API field that holds it (usually `body`). */
export interface TemplateProblem extends FieldProblem {
  /** JSON path of the value at fault, e.g. `$.customer.name` (absent for syntax errors). */
  path?: string;
  /** 1-based position of a JSON syntax error. */
  line?: number;
  column?: number;
}

export class TemplateError extends ValidationError {
  constructor(readonly problems: TemplateProblem[]) {
    super(problems.length === 1 ? `invalid body template: ${problems[0].message}` : `invalid body template: ${problems.length} problems`, problems);
  }
}

export interface CompiledTemplate {
  readonly root: TemplateNode;
  /** The payload fields the template uses, in order of first use. */
  readonly fields: readonly string[];
  /** GET sends the top-level properties as query parameters, so only an object template suits it. */
  readonly isObject: boolean;
}

export interface CompileOptions {
  /** The API field named in problems (default `body`). */
  field?: string;
  /** GET needs a JSON object at the top level. */
  method?: 'GET' | 'POST';
}

/** Problems beyond this are summarized: a long list helps nobody fix a template. */
const MAX_PROBLEMS = 20;
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Compiles a template, throwing a TemplateError (a ValidationError) listing every problem. */
export function compileTemplate(text: string, options: CompileOptions = {}): CompiledTemplate {
  const outcome = checkTemplate(text, options);
  if ('problems' in outcome) throw new TemplateError(outcome.problems);
  return outcome.template;
}

/** The problems of a template, none when it is valid (for APIs that collect errors of several fields). */
export function templateProblems(text: string, options: CompileOptions = {}): TemplateProblem[] {
  const outcome = checkTemplate(text, options);
  return 'problems' in outcome ? outcome.problems : [];
}

/** The payload fields a valid template uses (throws a TemplateError for an invalid one). */
export function templateFields(text: string): readonly string[] {
  return compileTemplate(text).fields;
}

function checkTemplate(text: string, options: CompileOptions): { template: CompiledTemplate } | { problems: TemplateProblem[] } {
  const field = options.field ?? 'body';
  if (typeof text !== 'string') return { problems: [{ field, message: 'the body template must be a string of JSON text' }] };
  if (text.trim() === '') {
    return { problems: [{ field, message: 'the body template is empty; leave the body out (null) to send the full payload' }] };
  }
  let json: JsonNode;
  try {
    json = parseJson(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) return { problems: [{ field, message: error.message, line: error.line, column: error.column }] };
    throw error;
  }
  const compiler = new TemplateCompiler(field);
  const root = compiler.node(json, '$');
  if (options.method === 'GET' && root.kind !== 'object') {
    compiler.problem('$', 'a GET webhook sends the top-level properties as query parameters, so its body must be a JSON object');
  }
  if (compiler.problems.length > 0) return { problems: compiler.summarizedProblems() };
  return { template: Object.freeze({ root, fields: Object.freeze([...compiler.fields]), isObject: root.kind === 'object' }) };
}

class TemplateCompiler {
  readonly problems: TemplateProblem[] = [];
  readonly fields = new Set<string>();

  constructor(private readonly field: string) {}

  node(json: JsonNode, path: string): TemplateNode {
    switch (json.kind) {
      case 'object': {
        const seen = new Set<string>();
        const entries: TemplateEntry[] = [];
        for (const { key, value } of json.entries) {
          const childPath = pathOf(path, key);
          if (seen.has(key)) this.problem(childPath, `duplicate key ${JSON.stringify(key)} at ${path}`);
          seen.add(key);
          if (key.includes('{{')) this.problem(childPath, `placeholders are not allowed in keys: ${JSON.stringify(key)} at ${path}`);
          entries.push({ key, value: this.node(value, childPath) });
        }
        return { kind: 'object', entries };
      }
      case 'array':
        return { kind: 'array', items: json.items.map((item, index) => this.node(item, `${path}[${index}]`)) };
      case 'string':
        return this.string(json.value, path);
      case 'number':
        if (!Number.isFinite(json.value)) this.problem(path, `number ${json.text} at ${path} is out of range`);
        else if (Number.isInteger(json.value) && !Number.isSafeInteger(json.value) && !/[.eE]/.test(json.text)) {
          this.problem(path, `integer ${json.text} at ${path} is too large to keep exactly; write it as a string`);
        }
        return { kind: 'literal', value: json.value };
      case 'boolean':
        return { kind: 'literal', value: json.value };
      case 'null':
        return { kind: 'literal', value: null };
    }
  }

  private string(value: string, path: string): TemplateNode {
    const parts: TextPart[] = [];
    let cursor = 0;
    for (;;) {
      const open = value.indexOf('{{', cursor);
      if (open < 0) break;
      const close = value.indexOf('}}', open + 2);
      if (close < 0) {
        this.problem(path, `unclosed placeholder ${JSON.stringify(clip(value.slice(open)))} at ${path}`);
        return { kind: 'literal', value };
      }
      const name = value.slice(open + 2, close).trim();
      if (!FIELD_NAME.test(name)) {
        this.problem(path, `invalid placeholder ${JSON.stringify(clip(value.slice(open, close + 2)))} at ${path} (expected {{field_name}})`);
      } else if (!FIELD_NAMES.has(name)) {
        const suggestion = closestField(name);
        this.problem(path, `unknown field ${JSON.stringify(name)} at ${path}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`);
      } else {
        this.fields.add(name);
      }
      if (open > cursor) parts.push({ text: value.slice(cursor, open) });
      parts.push({ field: name });
      cursor = close + 2;
    }
    if (parts.length === 0) return { kind: 'literal', value };
    if (cursor < value.length) parts.push({ text: value.slice(cursor) });
    const only = parts[0];
    if (parts.length === 1 && 'field' in only) return { kind: 'field', field: only.field };
    return { kind: 'text', parts };
  }

  problem(path: string, message: string): void {
    this.problems.push({ field: this.field, message, path });
  }

  summarizedProblems(): TemplateProblem[] {
    if (this.problems.length <= MAX_PROBLEMS) return this.problems;
    const shown = this.problems.slice(0, MAX_PROBLEMS);
    shown.push({ field: this.field, message: `and ${this.problems.length - MAX_PROBLEMS} more problems` });
    return shown;
  }
}

/** `$.a.b`, `$.items[0]`, or `$["odd key"]` for keys that are not identifiers. */
function pathOf(parent: string, key: string): string {
  return FIELD_NAME.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

/** The closest catalog field to a misspelt name (case-insensitive): one edit per four letters, at least one. */
function closestField(name: string): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(name.length / 4)) + 1;
  for (const candidate of FIELD_NAMES) {
    const distance = editDistance(name.toLowerCase(), candidate);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length];
}
