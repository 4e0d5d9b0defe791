import { metricSum } from './prometheus-text';

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
