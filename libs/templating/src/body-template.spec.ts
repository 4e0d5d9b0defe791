import { ValidationError } from '@callhooks/contracts';
import { compileTemplate, TemplateError, templateFields, templateProblems, type TemplateProblem } from './body-template';

function problemsOf(text: string, method?: 'GET' | 'POST'): TemplateProblem[] {
  try {
    compileTemplate(text, { method });
  } catch (error) {
    expect(error).toBeInstanceOf(TemplateError);
    expect(error).toBeInstanceOf(ValidationError);
    return (error as TemplateError).fields as TemplateProblem[];
  }
  throw new Error(`expected ${text} to be refused`);
}

describe('compileTemplate', () => {
  it('compiles exact placeholders as typed fields, longer strings as text, the rest as literals', () => {
    const template = compileTemplate('{"d": "{{duration}}", "s": "{{ uuid }}", "t": "call {{uuid}} ({{cause}})", "n": 1.5, "b": true, "z": null, "l": "plain"}');
    expect(template.root).toEqual({
      kind: 'object',
      entries: [
        { key: 'd', value: { kind: 'field', field: 'duration' } },
        { key: 's', value: { kind: 'field', field: 'uuid' } },
        { key: 't', value: { kind: 'text', parts: [{ text: 'call ' }, { field: 'uuid' }, { text: ' (' }, { field: 'cause' }, { text: ')' }] } },
        { key: 'n', value: { kind: 'literal', value: 1.5 } },
        { key: 'b', value: { kind: 'literal', value: true } },
        { key: 'z', value: { kind: 'literal', value: null } },
        { key: 'l', value: { kind: 'literal', value: 'plain' } },
      ],
    });
    expect(template.fields).toEqual(['duration', 'uuid', 'cause']);
    expect(template.isObject).toBe(true);
  });

  it('treats whitespace outside the braces as text, and allows tabs and newlines (escaped) inside them', () => {
    expect(compileTemplate('" {{uuid}}"').root).toEqual({ kind: 'text', parts: [{ text: ' ' }, { field: 'uuid' }] });
    expect(compileTemplate('"{{\\tuuid\\n}}"').root).toEqual({ kind: 'field', field: 'uuid' });
  });

  it('accepts any JSON document at the top level for POST, nested arrays and objects included', () => {
    expect(compileTemplate('["{{uuid}}", [1, {"a": []}]]').isObject).toBe(false);
    expect(compileTemplate('"{{uuid}}"').fields).toEqual(['uuid']);
    expect(compileTemplate('42').root).toEqual({ kind: 'literal', value: 42 });
  });

  it('names every unknown field with its JSON path, suggesting a close catalog name', () => {
    const problems = problemsOf('{"customer": {"name": "{{foo}}"}, "items": [1, "x {{durration}} y"], "odd key": "{{Uuid}}"}');
    expect(problems).toEqual([
      { field: 'body', path: '$.customer.name', message: 'unknown field "foo" at $.customer.name' },
      { field: 'body', path: '$.items[1]', message: 'unknown field "durration" at $.items[1] (did you mean "duration"?)' },
      { field: 'body', path: '$["odd key"]', message: 'unknown field "Uuid" at $["odd key"] (did you mean "uuid"?)' },
    ]);
  });

  it('refuses malformed and unclosed placeholders', () => {
    expect(problemsOf('{"a": "{{}}"}')[0].message).toBe('invalid placeholder "{{}}" at $.a (expected {{field_name}})');
    expect(problemsOf('{"a": "{{call-state}}"}')[0].message).toContain('invalid placeholder "{{call-state}}"');
    expect(problemsOf('{"a": "{{uuid} }"}')[0].message).toBe('unclosed placeholder "{{uuid} }" at $.a');
    expect(problemsOf('{"a": "{{{uuid}}}"}')[0].message).toContain('invalid placeholder "{{{uuid}}"');
  });

  it('looks names up in the catalog only: prototype members and expressions are not fields', () => {
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'prototype']) {
      expect(problemsOf(`{"a": "{{${name}}}"}`)[0].message).toMatch(new RegExp(`^unknown field "${name}" at \\$\\.a`));
    }
    expect(problemsOf('{"a": "{{constructor.constructor(\'return process\')()}}"}')[0].message).toContain('invalid placeholder');
    expect(problemsOf('{"a": "{{ uuid.length }}"}')[0].message).toContain('invalid placeholder');
  });

  it('keeps keys literal: placeholders in keys and duplicate keys are refused', () => {
    expect(problemsOf('{"{{uuid}}": 1}')[0].message).toBe('placeholders are not allowed in keys: "{{uuid}}" at $');
    expect(problemsOf('{"a": {"b": 1, "b": 2}}')[0].message).toBe('duplicate key "b" at $.a');
  });

  it('gives the line and column of invalid JSON', () => {
    const problems = problemsOf('{\n  "a": 1,\n  "b" 2\n}');
    expect(problems).toEqual([
      { field: 'body', line: 3, column: 7, message: "invalid JSON at line 3, column 7: expected ':' after the property name, found '2'" },
    ]);
    expect(problemsOf('{"a": 1,}')[0]).toMatchObject({ line: 1, column: 9 });
    expect(problemsOf('{"a": "x\ny"}')[0].message).toContain('control character in a string');
    expect(problemsOf("{'a': 1}")[0].message).toContain('expected a property name in double quotes');
    expect(problemsOf('{"a": 01}')[0].message).toContain('invalid number "01…"');
    expect(problemsOf('{"a": "\\x"}')[0].message).toContain('invalid escape "\\\\x"');
    expect(problemsOf('{"a": 1} x')[0].message).toContain("unexpected 'x' after the end of the JSON value");
    expect(problemsOf('{"a": tru}')[0].message).toContain("expected a value, found 't'");
    expect(problemsOf('{"a": "')[0].message).toContain('unterminated string');
    expect(problemsOf('[')[0].message).toContain('expected a value, found the end of the text');
  });

  it('refuses an empty body, numbers it cannot keep exactly and deep nesting', () => {
    expect(problemsOf('  \n')[0].message).toContain('the body template is empty');
    expect(problemsOf('{"id": 12345678901234567890}')[0].message).toBe('integer 12345678901234567890 at $.id is too large to keep exactly; write it as a string');
    expect(problemsOf('[1e400]')[0].message).toBe('number 1e400 at $[0] is out of range');
    expect(problemsOf('['.repeat(100) + ']'.repeat(100))[0].message).toContain('nested deeper than 64 levels');
    // deep enough to overflow a recursive parser's stack: still a clean refusal
    expect(problemsOf('['.repeat(200_000))[0].message).toContain('nested deeper than 64 levels');
  });

  it('needs a JSON object for GET', () => {
    expect(problemsOf('["{{uuid}}"]', 'GET')[0].message).toContain('its body must be a JSON object');
    expect(() => compileTemplate('{"a": "{{uuid}}"}', { method: 'GET' })).not.toThrow();
  });

  it('summarizes long problem lists', () => {
    const text = JSON.stringify(Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${i}`, `{{nope${i}}}`])));
    const problems = problemsOf(text);
    expect(problems).toHaveLength(21);
    expect(problems[20].message).toBe('and 10 more problems');
  });

  it('reports problems without throwing through templateProblems, under the chosen field', () => {
    expect(templateProblems('{"a": "{{uuid}}"}')).toEqual([]);
    expect(templateProblems('{"a": "{{nope}}"}', { field: 'template' })).toEqual([{ field: 'template', path: '$.a', message: 'unknown field "nope" at $.a' }]);
    expect(templateFields('["{{cause}}", "{{uuid}} {{cause}}"]')).toEqual(['cause', 'uuid']);
  });

  it('is a ValidationError with one summary message', () => {
    try {
      compileTemplate('{"a": "{{nope}}"}');
      throw new Error('not refused');
    } catch (error) {
      expect((error as ValidationError).code).toBe('validation_failed');
      expect((error as ValidationError).message).toBe('invalid body template: unknown field "nope" at $.a');
    }
  });

  it('parses escapes and unicode exactly as JSON.parse does', () => {
    const text = '{"s": "a\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00 \\u2028 ✓", "e": -0.5e-3, "__proto__": {"x": 1}}';
    const template = compileTemplate(text);
    expect(template.root).toEqual({
      kind: 'object',
      entries: [
        { key: 's', value: { kind: 'literal', value: JSON.parse(text).s } },
        { key: 'e', value: { kind: 'literal', value: -0.5e-3 } },
        { key: '__proto__', value: { kind: 'object', entries: [{ key: 'x', value: { kind: 'literal', value: 1 } }] } },
      ],
    });
  });
});
