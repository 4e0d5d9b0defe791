import { histogramBuckets, histogramQuantileBound, metricSum } from './prometheus-text';

const TEXT = `# HELP callhooks_consumer_records_total Records consumed
# TYPE callhooks_consumer_records_total counter
callhooks_consumer_records_total{group="g",topic="a",outcome="processed"} 10
callhooks_consumer_records_total{group="g",topic="b",outcome="processed"} 5
callhooks_consumer_records_total{group="g",topic="a",outcome="dead_lettered"} 2
callhooks_consumer_records_total_other 99
process_resident_memory_bytes 1048576
`;

describe('metricSum', () => {
  it('sums every series of a metric, and only that metric', () => {
    expect(metricSum(TEXT, 'callhooks_consumer_records_total')).toBe(17);
  });

  it('keeps only the lines matching a filter', () => {
    expect(metricSum(TEXT, 'callhooks_consumer_records_total', /outcome="processed"/)).toBe(15);
  });

  it('reads unlabelled samples and gives 0 for an absent metric', () => {
    expect(metricSum(TEXT, 'process_resident_memory_bytes')).toBe(1048576);
    expect(metricSum(TEXT, 'nodejs_heap_size_used_bytes')).toBe(0);
  });
});

const HISTOGRAM = (a: number[], b: number[]) => `# TYPE w histogram
w_bucket{le="0.1",topic="a"} ${a[0]}
w_bucket{le="1",topic="a"} ${a[1]}
w_bucket{le="+Inf",topic="a"} ${a[2]}
w_bucket{le="0.1",topic="retry"} ${b[0]}
w_bucket{le="1",topic="retry"} ${b[1]}
w_bucket{le="+Inf",topic="retry"} ${b[2]}
w_sum{topic="a"} 1
w_count{topic="a"} ${a[2]}
`;

describe('histogramBuckets and histogramQuantileBound', () => {
  it('sums the cumulative buckets of the accepted series, by bound', () => {
    expect(histogramBuckets(HISTOGRAM([1, 2, 3], [10, 20, 30]), 'w')).toEqual(new Map([[0.1, 11], [1, 22], [Infinity, 33]]));
    expect(histogramBuckets(HISTOGRAM([1, 2, 3], [10, 20, 30]), 'w', /topic="a"/)).toEqual(new Map([[0.1, 1], [1, 2], [Infinity, 3]]));
  });

  it('gives the bucket bound of a quantile of what was observed between two scrapes', () => {
    const before = histogramBuckets(HISTOGRAM([90, 90, 90], [0, 0, 0]), 'w', /topic="a"/);
    // 100 new observations: 10 under 0.1 s, 89 under 1 s, 1 above
    const after = histogramBuckets(HISTOGRAM([100, 189, 190], [0, 0, 0]), 'w', /topic="a"/);
    expect(histogramQuantileBound(before, after, 0.5)).toBe(1);
    expect(histogramQuantileBound(before, after, 0.99)).toBe(1);
    expect(histogramQuantileBound(before, after, 1)).toBe(Infinity);
    expect(histogramQuantileBound(new Map(), after, 0.05)).toBe(0.1);
  });

  it('gives null when nothing was observed', () => {
    const same = histogramBuckets(HISTOGRAM([5, 5, 5], [0, 0, 0]), 'w');
    expect(histogramQuantileBound(same, same, 0.99)).toBeNull();
  });
});
