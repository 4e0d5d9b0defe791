import { DocumentLocks } from './document-locks';

const tick = () => new Promise((r) => setImmediate(r));

describe('DocumentLocks', () => {
  it('runs the work of one key one at a time, in arrival order, and different keys side by side', async () => {
    const locks = new DocumentLocks();
    const log: string[] = [];
    const job = (key: string, name: string) =>
      locks.run(key, async () => {
        log.push(`start ${name}`);
        await tick();
        await tick();
        log.push(`end ${name}`);
        return name;
      });
    const results = await Promise.all([job('a', 'a1'), job('a', 'a2'), job('b', 'b1'), job('a', 'a3')]);
    expect(results).toEqual(['a1', 'a2', 'b1', 'a3']);
    const a = log.filter((l) => l.endsWith('a1') || l.endsWith('a2') || l.endsWith('a3'));
    expect(a).toEqual(['start a1', 'end a1', 'start a2', 'end a2', 'start a3', 'end a3']);
    // b1 started while a1 was still running
    expect(log.indexOf('start b1')).toBeLessThan(log.indexOf('end a1'));
    expect(locks.size()).toBe(0);
  });

  it('releases the lock when the work fails', async () => {
    const locks = new DocumentLocks();
    await expect(locks.run('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(locks.run('k', async () => 'next')).resolves.toBe('next');
    expect(locks.size()).toBe(0);
  });
});
