import { testEnv, testPostgresSchema } from './servers';

describe('testPostgresSchema', () => {
  it('turns a topic prefix into a lower-case SQL identifier of at most 63 characters', () => {
    expect(testPostgresSchema('t-dlog-3F1801a0.')).toBe('t_dlog_3f1801a0');
    expect(testPostgresSchema(`t-${'x'.repeat(80)}.`)).toMatch(/^[a-z_][a-z0-9_]{0,62}$/);
  });

  it('gives every service started with testEnv the schema of its prefix', () => {
    expect(testEnv('t-e2e-1234abcd.')).toMatchObject({
      MANAGEMENT_POSTGRES_SCHEMA: 't_e2e_1234abcd',
      MANAGEMENT_POSTGRES_URL: expect.stringMatching(/^postgres:\/\//),
    });
  });
});
