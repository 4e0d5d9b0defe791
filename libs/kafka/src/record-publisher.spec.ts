import type { Message } from 'kafkajs';
import { splitBySize } from './record-publisher';

describe('splitBySize', () => {
  const msg = (key: string, bytes: number): Message => ({ key, value: Buffer.alloc(bytes) });

  it('keeps a small send in one request', () => {
    const requests = splitBySize([{ topic: 'a', messages: [msg('1', 10), msg('2', 10)] }, { topic: 'b', messages: [msg('3', 10)] }], 1000);
    expect(requests).toHaveLength(1);
    expect(requests[0].map((t) => t.topic)).toEqual(['a', 'b']);
  });

  it('cuts a large send into requests under the limit, keeping every message once and in order per topic', () => {
    const a = Array.from({ length: 50 }, (_, i) => msg(`a${i}`, 100));
    const b = Array.from({ length: 30 }, (_, i) => msg(`b${i}`, 100));
    const requests = splitBySize([{ topic: 'a', messages: a }, { topic: 'b', messages: b }], 1000);
    expect(requests.length).toBeGreaterThan(1);
    for (const r of requests) expect(r.flatMap((t) => t.messages).reduce((n, m) => n + (m.value as Buffer).length, 0)).toBeLessThanOrEqual(1000);
    const keysOf = (topic: string) => requests.flatMap((r) => r.filter((t) => t.topic === topic).flatMap((t) => t.messages.map((m) => m.key)));
    expect(keysOf('a')).toEqual(a.map((m) => m.key));
    expect(keysOf('b')).toEqual(b.map((m) => m.key));
  });

  it('sends a single message above the limit alone rather than dropping it', () => {
    const requests = splitBySize([{ topic: 'a', messages: [msg('small', 10), msg('huge', 5000), msg('after', 10)] }], 1000);
    expect(requests.map((r) => r.flatMap((t) => t.messages.map((m) => m.key)))).toEqual([['small'], ['huge'], ['after']]);
  });
});
