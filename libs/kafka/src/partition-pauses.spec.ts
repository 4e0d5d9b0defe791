import { PartitionPauses, type PausablePartitions } from './partition-pauses';

class Partitions implements PausablePartitions {
  readonly calls: string[] = [];
  pause(topic: string, partition: number): void {
    this.calls.push(`pause ${topic}:${partition}`);
  }
  resume(topic: string, partition: number): void {
    this.calls.push(`resume ${topic}:${partition}`);
  }
}

describe('PartitionPauses', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => jest.useRealTimers());

  it('pauses a deferred partition until its time, and not at all when the time has passed', () => {
    const partitions = new Partitions();
    const pauses = new PartitionPauses(partitions);
    pauses.deferUntil('t', 0, Date.now() - 1);
    expect(partitions.calls).toEqual([]);
    pauses.deferUntil('t', 0, Date.now() + 5000);
    expect(pauses.isPaused('t', 0)).toBe(true);
    jest.advanceTimersByTime(4999);
    expect(partitions.calls).toEqual(['pause t:0']);
    jest.advanceTimersByTime(1);
    expect(partitions.calls).toEqual(['pause t:0', 'resume t:0']);
    expect(pauses.isPaused('t', 0)).toBe(false);
  });

  it('lets a later deferral replace the pause, and a rest never shorten one', () => {
    const partitions = new Partitions();
    const pauses = new PartitionPauses(partitions);
    pauses.deferUntil('t', 1, Date.now() + 1000);
    pauses.deferUntil('t', 1, Date.now() + 3000);
    pauses.rest('t', 1, 10);
    jest.advanceTimersByTime(2999);
    expect(partitions.calls).toEqual(['pause t:1', 'pause t:1']);
    jest.advanceTimersByTime(1);
    expect(partitions.calls).toEqual(['pause t:1', 'pause t:1', 'resume t:1']);
  });

  it('forgets every pause on clear: nothing resumes a stopped consumer', () => {
    const partitions = new Partitions();
    const pauses = new PartitionPauses(partitions);
    pauses.rest('t', 2, 100);
    pauses.clear();
    jest.advanceTimersByTime(1000);
    expect(partitions.calls).toEqual(['pause t:2']);
    expect(pauses.isPaused('t', 2)).toBe(false);
  });
});
