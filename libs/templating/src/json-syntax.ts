/**
 * A strict RFC 8259 JSON parser that keeps what JSON.parse throws away and the template
 * checker needs: the line and column of a syntax error, duplicate keys, and object entries
 * as an ordered list (so a key such as "__proto__" is just data, never a property write).
 */

export type JsonNode =
  | { kind: 'object'; entries: JsonEntry[] }
  | { kind: 'array'; items: JsonNode[] }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number; text: string }
  | { kind: 'boolean'; value: boolean }
  | { kind: 'null' };

export interface JsonEntry {
  key: string;
  value: JsonNode;
}

export class JsonSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`invalid JSON at line ${line}, column ${column}: ${reason}`);
    this.name = 'JsonSyntaxError';
  }
}

/** Deeper templates are refused rather than risking the call stack (a webhook body has no need for them). */
export const MAX_JSON_DEPTH = 64;

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

export function parseJson(text: string): JsonNode {
  return new JsonParser(text).document();
}

class JsonParser {
  private pos = 0;

  constructor(private readonly text: string) {}

  document(): JsonNode {
    this.skipWhitespace();
    if (this.pos >= this.text.length) this.fail('the text is empty');
    const node = this.value(1);
    this.skipWhitespace();
    if (this.pos < this.text.length) this.fail(`unexpected ${this.describe()} after the end of the JSON value`);
    return node;
  }

  private value(depth: number): JsonNode {
    if (depth > MAX_JSON_DEPTH) this.fail(`nested deeper than ${MAX_JSON_DEPTH} levels`);
    const ch = this.text[this.pos];
    switch (ch) {
      case '{':
        return this.object(depth);
      case '[':
        return this.array(depth);
      case '"':
        return { kind: 'string', value: this.string() };
      case 't':
        return this.literal('true', { kind: 'boolean', value: true });
      case 'f':
        return this.literal('false', { kind: 'boolean', value: false });
      case 'n':
        return this.literal('null', { kind: 'null' });
      default:
        if (ch === '-' || (ch !== undefined && ch >= '0' && ch <= '9')) return this.number();
        return this.fail(`expected a value, found ${this.describe()}`);
    }
  }

  private object(depth: number): JsonNode {
    this.pos++; // {
    const entries: JsonEntry[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return { kind: 'object', entries };
    }
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.pos] !== '"') this.fail(`expected a property name in double quotes, found ${this.describe()}`);
      const key = this.string();
      this.skipWhitespace();
      if (this.text[this.pos] !== ':') this.fail(`expected ':' after the property name, found ${this.describe()}`);
      this.pos++;
      this.skipWhitespace();
      entries.push({ key, value: this.value(depth + 1) });
      this.skipWhitespace();
      const next = this.text[this.pos];
      if (next === ',') {
        this.pos++;
        continue;
      }
      if (next === '}') {
        this.pos++;
        return { kind: 'object', entries };
      }
      this.fail(`expected ',' or '}' after a property value, found ${this.describe()}`);
    }
  }

  private array(depth: number): JsonNode {
    this.pos++; // [
    const items: JsonNode[] = [];
    this.skipWhitespace();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return { kind: 'array', items };
    }
    for (;;) {
      this.skipWhitespace();
      items.push(this.value(depth + 1));
      this.skipWhitespace();
      const next = this.text[this.pos];
      if (next === ',') {
        this.pos++;
        continue;
      }
      if (next === ']') {
        this.pos++;
        return { kind: 'array', items };
      }
      this.fail(`expected ',' or ']' after an array item, found ${this.describe()}`);
    }
  }

  private string(): string {
    this.pos++; // opening quote
    let out = '';
    let runStart = this.pos;
    for (;;) {
      if (this.pos >= this.text.length) this.fail('unterminated string');
      const code = this.text.charCodeAt(this.pos);
      if (code === 0x22) {
        out += this.text.slice(runStart, this.pos);
        this.pos++;
        return out;
      }
      if (code < 0x20) this.fail('control character in a string (escape it, e.g. \\n)');
      if (code !== 0x5c) {
        this.pos++;
        continue;
      }
      out += this.text.slice(runStart, this.pos);
      const escape = this.text[this.pos + 1];
      if (escape === 'u') {
        const hex = this.text.slice(this.pos + 2, this.pos + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          this.pos++;
          this.fail('invalid \\u escape (four hex digits expected)');
        }
        out += String.fromCharCode(parseInt(hex, 16));
        this.pos += 6;
      } else if (escape !== undefined && Object.prototype.hasOwnProperty.call(SIMPLE_ESCAPES, escape)) {
        out += SIMPLE_ESCAPES[escape];
        this.pos += 2;
      } else {
        this.pos++;
        this.fail(`invalid escape ${escape === undefined ? 'at the end of the text' : JSON.stringify('\\' + escape)}`);
      }
      runStart = this.pos;
    }
  }

  private number(): JsonNode {
    NUMBER.lastIndex = this.pos;
    const match = NUMBER.exec(this.text);
    if (!match || match[0] === '-') this.fail(`invalid number, found ${this.describe()}`);
    const text = match[0];
    this.pos += text.length;
    // "01" or "1." would otherwise read as a number followed by junk; say what is wrong instead
    const after = this.text[this.pos];
    if (after !== undefined && /[0-9.eE+-]/.test(after)) this.fail(`invalid number "${text}${after}…"`);
    return { kind: 'number', value: Number(text), text };
  }

  private literal(word: string, node: JsonNode): JsonNode {
    if (this.text.startsWith(word, this.pos)) {
      this.pos += word.length;
      return node;
    }
    return this.fail(`expected a value, found ${this.describe()}`);
  }

  private skipWhitespace(): void {
    for (;;) {
      const ch = this.text[this.pos];
      if (ch === ' ' || ch === '\t' || ch === '\n' || ch === '\r') this.pos++;
      else return;
    }
  }

  private describe(): string {
    if (this.pos >= this.text.length) return 'the end of the text';
    const ch = this.text[this.pos];
    const code = ch.charCodeAt(0);
    if (code < 0x20 || code === 0x7f) return `character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
    return `'${ch}'`;
  }

  private fail(reason: string): never {
    // line and column are 1-based; a column counts UTF-16 units, as editors' JSON linters do
    let line = 1;
    let lineStart = 0;
    for (let i = 0; i < this.pos && i < this.text.length; i++) {
      if (this.text.charCodeAt(i) === 0x0a) {
        line++;
        lineStart = i + 1;
      }
    }
    throw new JsonSyntaxError(reason, line, this.pos - lineStart + 1);
  }
}
