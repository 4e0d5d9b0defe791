import { ConfigError } from '@callhooks/config';
import { loadMatcherConfig } from './matcher.config';

describe('loadMatcherConfig', () => {
  it('has defaults for every matcher key', () => {
    const config = loadMatcherConfig({});
    expect(config.http.port).toBe(3002);
    expect(config.matching).toEqual({ consumerGroup: 'callhooks-matcher', partitionConcurrency: 4, templateCacheSize: 10_000, fetchMaxWaitMs: 100 });
  });

  it('reads the matcher keys', () => {
    const config = loadMatcherConfig({
      MATCHER_CONSUMER_GROUP: 'matcher-blue',
      MATCHER_PARTITION_CONCURRENCY: '8',
      MATCHER_TEMPLATE_CACHE_SIZE: '50',
      MATCHER_FETCH_MAX_WAIT_MS: '250',
    });
    expect(config.matching).toEqual({ consumerGroup: 'matcher-blue', partitionConcurrency: 8, templateCacheSize: 50, fetchMaxWaitMs: 250 });
  });

  it('names every bad key', () => {
    let error: unknown;
    try {
      loadMatcherConfig({
        MATCHER_CONSUMER_GROUP: ' ',
        MATCHER_PARTITION_CONCURRENCY: '0',
        MATCHER_TEMPLATE_CACHE_SIZE: 'many',
        MATCHER_FETCH_MAX_WAIT_MS: '-1',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    for (const key of ['MATCHER_CONSUMER_GROUP', 'MATCHER_PARTITION_CONCURRENCY', 'MATCHER_TEMPLATE_CACHE_SIZE', 'MATCHER_FETCH_MAX_WAIT_MS'])
      expect(message).toContain(key);
  });
});
