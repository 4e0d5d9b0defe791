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

  it('runAll holds every key of a batch while it runs: it waits for work holding a key, and single-key work of its keys waits for it', async () => {
    const locks = new DocumentLocks();
    const log: string[] = [];
    const job = (key: string, name: string) =>
      locks.run(key, async () => {
        log.push(`start ${name}`);
        await tick();
        log.push(`end ${name}`);
      });
    const before = job('b', 'b-before');
    const batch = locks.runAll(['c', 'b', 'a', 'b'], async () => {
      log.push('start batch');
      await tick();
      await tick();
      log.push('end batch');
      return 'batch';
    });
    const after = [job('a', 'a-after'), job('c', 'c-after'), job('d', 'd-free')];
    await expect(batch).resolves.toBe('batch');
    await Promise.all([before, ...after]);
    expect(log.indexOf('start batch')).toBeGreaterThan(log.indexOf('end b-before'));
    expect(log.indexOf('start a-after')).toBeGreaterThan(log.indexOf('end batch'));
    // a key the batch had not reached yet (it waited for b) may go first, but never overlaps the batch
    const cOutside = log.indexOf('end c-after') < log.indexOf('start batch') || log.indexOf('start c-after') > log.indexOf('end batch');
    expect(cOutside).toBe(true);
    // a key outside the batch is not held
    expect(log.indexOf('start d-free')).toBeLessThan(log.indexOf('end batch'));
    expect(locks.size()).toBe(0);
  });

  it('runAll of two overlapping batches started together finishes both (no cycle), one after the other', async () => {
    const locks = new DocumentLocks();
    const log: string[] = [];
    const batch = (keys: string[], name: string) =>
      locks.runAll(keys, async () => {
        log.push(`start ${name}`);
        await tick();
        log.push(`end ${name}`);
      });
    await Promise.all([batch(['x', 'y'], 'one'), batch(['y', 'x'], 'two')]);
    expect(log).toEqual(['start one', 'end one', 'start two', 'end two']);
    expect(locks.size()).toBe(0);
  });
});
