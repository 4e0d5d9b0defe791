import { partitionKey } from './partition-key';

/**
 * One chain of work per input partition: the batches of a partition and the out-of-band
 * transactions on it (the enricher's timers) run one after the other, never interleaved.
 */
export class PartitionLocks {
  /** Per partition, the tail of its chain; gone once the chain is idle. */
  private readonly tails = new Map<string, Promise<unknown>>();

  async run<R>(topic: string, partition: number, fn: () => Promise<R>): Promise<R> {
    const key = partitionKey(topic, partition);
    const previous = this.tails.get(key) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(fn);
    const tail = run.catch(() => undefined);
    this.tails.set(key, tail);
    try {
      return await run;
    } finally {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Resolves once no partition has work running or waiting (work added meanwhile included). */
  async idle(): Promise<void> {
    while (this.tails.size > 0) await Promise.all(this.tails.values());
  }
}
