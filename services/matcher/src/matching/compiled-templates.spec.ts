import { CompiledTemplates } from './compiled-templates';

const hook = (id: string, version: number, body: string | null, method: 'GET' | 'POST' = 'POST') => ({ id, version, body, method });

describe('CompiledTemplates', () => {
  it('compiles once per webhook version', () => {
    const templates = new CompiledTemplates(10);
    const first = templates.lookup(hook('w1', 1, '{"a": "{{uuid}}"}'));
    expect(templates.lookup(hook('w1', 1, '{"a": "{{uuid}}"}'))).toBe(first);
    const next = templates.lookup(hook('w1', 2, '{"b": "{{uuid}}"}'));
    expect(next).not.toBe(first);
    expect('template' in next && next.template?.fields).toEqual(['uuid']);
    expect(templates.size).toBe(1);
  });

  it('gives no template for a webhook without a body, and the problem of one that does not compile', () => {
    const templates = new CompiledTemplates(10);
    expect(templates.lookup(hook('w1', 1, null))).toEqual({ template: null });
    expect(templates.lookup(hook('w2', 1, '{"a": "{{nope}}"}'))).toEqual({ problem: 'invalid body template: unknown field "nope" at $.a' });
    expect(templates.lookup(hook('w3', 1, '[1]', 'GET'))).toEqual({ problem: expect.stringContaining('must be a JSON object') });
  });

  it('drops the least recently used webhook beyond its capacity', () => {
    const templates = new CompiledTemplates(2);
    const w1 = templates.lookup(hook('w1', 1, '[1]'));
    templates.lookup(hook('w2', 1, '[2]'));
    expect(templates.lookup(hook('w1', 1, '[1]'))).toBe(w1); // w1 used again: w2 is now the oldest
    templates.lookup(hook('w3', 1, '[3]'));
    expect(templates.size).toBe(2);
    expect(templates.lookup(hook('w1', 1, '[1]'))).toBe(w1);
  });
});
