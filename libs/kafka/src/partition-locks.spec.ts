import { PartitionLocks } from './partition-locks';

describe('PartitionLocks', () => {
  it('runs the work of one partition one after the other, in order, a failure not stopping the next', async () => {
    const locks = new PartitionLocks();
    const log: string[] = [];
    let release!: () => void;
    const first = locks.run('t', 0, async () => {
      log.push('first starts');
      await new Promise<void>((r) => (release = r));
      log.push('first ends');
      throw new Error('first fails');
    });
    const second = locks.run('t', 0, async () => void log.push('second'));
    // another partition does not wait
    await locks.run('t', 1, async () => void log.push('other partition'));
    expect(log).toEqual(['first starts', 'other partition']);
    release();
    await expect(first).rejects.toThrow('first fails');
    await second;
    expect(log).toEqual(['first starts', 'other partition', 'first ends', 'second']);
  });

  it('idle() waits for the work running and the work queued behind it, a failure included', async () => {
    const locks = new PartitionLocks();
    const log: string[] = [];
    let release!: () => void;
    const first = locks.run('t', 0, async () => {
      await new Promise<void>((r) => (release = r));
      log.push('first');
      throw new Error('first fails');
    });
    const queued = locks.run('t', 0, async () => void log.push('queued'));
    let idle = false;
    const waiting = locks.idle().then(() => (idle = true));
    await new Promise((r) => setImmediate(r));
    expect(idle).toBe(false);
    release();
    await waiting;
    expect(log).toEqual(['first', 'queued']);
    await expect(first).rejects.toThrow('first fails');
    await queued;
    await locks.idle();
  });
});
