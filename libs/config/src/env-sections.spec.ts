import { z } from 'zod';
import { env } from './env-types';
import { envSections } from './env-sections';
import { ConfigError, loadConfig } from './load-config';

describe('envSections', () => {
  it('joins sections into one schema whose single error names the bad keys of every section', () => {
    const schema = z.object(envSections({ A_PORT: env.port() }, { B_COUNT: env.int(1, 10).default(1) }, { C_NAME: env.string() }));
    expect(loadConfig('spec', schema, { A_PORT: '80', C_NAME: 'c' })).toEqual({ A_PORT: 80, B_COUNT: 1, C_NAME: 'c' });
    let error: unknown;
    try {
      loadConfig('spec', schema, { A_PORT: '0', B_COUNT: '11' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((p) => p.split(':')[0])).toEqual(['A_PORT', 'B_COUNT', 'C_NAME']);
  });

  it('refuses a key declared by two sections', () => {
    expect(() => envSections({ A: env.string() }, { B: env.string() }, { A: env.int() })).toThrow('environment key A is declared by two sections');
  });
});
