import { ConfigError } from '@callhooks/config';
import { loadEnricherConfig } from './enricher.config';

describe('loadEnricherConfig', () => {
  it('has defaults for every enricher key', () => {
    const config = loadEnricherConfig({});
    expect(config.http.port).toBe(3001);
    expect(config.registry.timeoutMs).toBe(5000);
    expect(config.enrichment).toEqual({
      consumerGroup: 'callhooks-enricher',
      partitionConcurrency: 3,
      fetchLingerMs: 100,
      timerIntervalMs: 250,
      timings: { hangupSettleMs: 1000, reportingGraceMs: 5000, reportingMaxWaitMs: 60_000, closedRetentionMs: 3 * 86_400_000, staleCallMs: 86_400_000 },
    });
  });

  it('reads the fetch linger (0 turns it off) and the registry timeout', () => {
    const config = loadEnricherConfig({ ENRICHER_FETCH_LINGER_MS: '0', SCHEMA_REGISTRY_TIMEOUT_MS: '750' });
    expect(config.enrichment.fetchLingerMs).toBe(0);
    expect(config.registry.timeoutMs).toBe(750);
  });

  it('names every bad key', () => {
    const load = () => loadEnricherConfig({ ENRICHER_FETCH_LINGER_MS: '-1', SCHEMA_REGISTRY_TIMEOUT_MS: 'soon' });
    expect(load).toThrow(ConfigError);
    for (const key of ['ENRICHER_FETCH_LINGER_MS', 'SCHEMA_REGISTRY_TIMEOUT_MS']) expect(load).toThrow(key);
  });
});
