import { AdaptiveFetchLinger } from './fetch-linger';

/** Feeds batches of `records` every `everyMs` (each taking `tookMs`) and returns the rests asked for. */
function rests(linger: AdaptiveFetchLinger, batches: number, records: number, everyMs: number, tookMs = 2, from = 0, partition = 'p'): number[] {
  const out: number[] = [];
  let t = from;
  for (let i = 0; i < batches; i++) {
    const rest = linger.restAfter(partition, records, t, t + tookMs);
    out.push(rest);
    t += Math.max(everyMs, tookMs + rest);
  }
  return out;
}

describe('AdaptiveFetchLinger', () => {
  it('asks for no rest when idle: a record now and then is handled at once', () => {
    expect(rests(new AdaptiveFetchLinger(100), 20, 1, 250)).toEqual(Array(20).fill(0));
    // a record every 120 ms: one linger would hold less than one record
    expect(rests(new AdaptiveFetchLinger(100), 20, 1, 120)).toEqual(Array(20).fill(0));
  });

  it('rests longer as the load grows, up to the maximum', () => {
    const settled = (recordsPerBatch: number) => rests(new AdaptiveFetchLinger(100), 30, recordsPerBatch, 5).slice(-5);
    const light = settled(1); // ~200 records/s offered by the batches' spacing
    const heavy = settled(50);
    for (const r of [...light, ...heavy]) {
      expect(r).toBeGreaterThanOrEqual(0);
      expect(r).toBeLessThanOrEqual(100);
    }
    expect(Math.min(...heavy)).toBeGreaterThan(90);
    expect(Math.max(...light)).toBeLessThan(Math.min(...heavy));
  });

  it('the first batch after a quiet spell goes at once, even on a partition that was busy', () => {
    const linger = new AdaptiveFetchLinger(100);
    const busy = rests(linger, 10, 50, 5);
    expect(busy[busy.length - 1]).toBeGreaterThan(0);
    expect(linger.restAfter('p', 1, 60_000, 60_002)).toBe(0);
  });

  it('keeps the rate of each partition apart', () => {
    const linger = new AdaptiveFetchLinger(100);
    rests(linger, 10, 50, 5, 2, 0, 'busy');
    expect(rests(linger, 10, 1, 300, 2, 0, 'quiet')).toEqual(Array(10).fill(0));
  });

  it('counts the batch\'s own time: units start about one interval apart, not one interval after each ended', () => {
    const linger = new AdaptiveFetchLinger(100);
    rests(linger, 10, 50, 5);
    const quick = linger.restAfter('p', 50, 1000, 1002);
    const linger2 = new AdaptiveFetchLinger(100);
    rests(linger2, 10, 50, 5);
    const slow = linger2.restAfter('p', 50, 1000, 1060);
    expect(slow).toBeLessThan(quick);
    expect(quick - slow).toBeGreaterThan(50);
  });
});
