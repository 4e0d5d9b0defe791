import { z } from 'zod';
import { commonEnvSchema, resolveLogFormat, startupLogFormat, withCommonChecks } from './common.config';
import { ConfigError, loadConfig } from './load-config';

const load = (env: Record<string, string>) => loadConfig('spec', withCommonChecks(commonEnvSchema.extend({ HTTP_PORT: z.coerce.number().default(1) })), env);

describe('LOG_FORMAT', () => {
  it('is pretty on auto only for a terminal outside production', () => {
    expect(resolveLogFormat({ LOG_FORMAT: 'auto', NODE_ENV: 'development' }, true)).toBe('pretty');
    expect(resolveLogFormat({ LOG_FORMAT: 'auto', NODE_ENV: 'development' }, false)).toBe('json');
    expect(resolveLogFormat({ LOG_FORMAT: 'auto', NODE_ENV: 'production' }, true)).toBe('json');
    expect(resolveLogFormat({ LOG_FORMAT: 'json', NODE_ENV: 'development' }, true)).toBe('json');
    expect(resolveLogFormat({ LOG_FORMAT: 'pretty', NODE_ENV: 'test' }, false)).toBe('pretty');
  });

  it('refuses pretty logs in production and unknown formats, naming the key', () => {
    expect(() => load({ NODE_ENV: 'production', LOG_FORMAT: 'pretty' })).toThrow(/LOG_FORMAT: pretty logs are for a terminal/);
    expect(() => load({ LOG_FORMAT: 'colour' })).toThrow(ConfigError);
    expect(() => load({ LOG_FORMAT: 'colour' })).toThrow(/LOG_FORMAT/);
    expect(load({ NODE_ENV: 'production', LOG_FORMAT: 'json' }).LOG_FORMAT).toBe('json');
  });

  it('before a valid configuration, takes the environment’s format when valid, else JSON', () => {
    expect(startupLogFormat({ LOG_FORMAT: 'pretty', KAFKA_BROKERS: '' })).toBe('pretty');
    expect(startupLogFormat({ LOG_FORMAT: 'colour' })).toBe('json');
    expect(startupLogFormat({ LOG_FORMAT: 'pretty', NODE_ENV: 'production' })).toBe('json');
    expect(startupLogFormat({ LOG_FORMAT: 'pretty', NODE_ENV: 'staging' })).toBe('json');
  });
});

describe('OTEL_EXPORTER_OTLP_ENDPOINT', () => {
  it('is unset when empty, a URL otherwise, and refused when not one', () => {
    expect(load({ OTEL_EXPORTER_OTLP_ENDPOINT: '' }).OTEL_EXPORTER_OTLP_ENDPOINT).toBeUndefined();
    expect(load({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).OTEL_EXPORTER_OTLP_ENDPOINT).toBe('http://collector:4318');
    expect(() => load({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });
});
