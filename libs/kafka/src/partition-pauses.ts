import { partitionKey } from './partition-key';

/** What pausing needs of the group member: kafkajs pause/resume of one partition. */
export interface PausablePartitions {
  pause(topic: string, partition: number): void;
  resume(topic: string, partition: number): void;
}

/**
 * Partitions left out of the fetches for a while, each with the timer that resumes it: a
 * deferral (records not yet due, BatchContext.defer) or an adaptive linger's rest.
 */
export class PartitionPauses {
  private readonly timers = new Map<string, NodeJS.Timeout>();

  constructor(private readonly partitions: PausablePartitions) {}

  isPaused(topic: string, partition: number): boolean {
    return this.timers.has(partitionKey(topic, partition));
  }

  /** Pauses until `resumeAt` (epoch ms), replacing a pause already there; nothing when it has passed. */
  deferUntil(topic: string, partition: number, resumeAt: number): void {
    if (resumeAt <= Date.now()) return;
    clearTimeout(this.timers.get(partitionKey(topic, partition)));
    this.pauseFor(topic, partition, resumeAt - Date.now());
  }

  /** Rests a partition for `ms` (an adaptive linger), unless it is paused already. */
  rest(topic: string, partition: number, ms: number): void {
    if (ms <= 0 || this.isPaused(topic, partition)) return;
    this.pauseFor(topic, partition, ms);
  }

  /** Forgets every pause (the consumer stops: its pauses go with it). */
  clear(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private pauseFor(topic: string, partition: number, ms: number): void {
    const key = partitionKey(topic, partition);
    this.partitions.pause(topic, partition);
    this.timers.set(
      key,
      setTimeout(
        () => {
          this.timers.delete(key);
          this.partitions.resume(topic, partition);
        },
        Math.max(0, ms),
      ),
    );
  }
}
