import { RetryableError } from '@callhooks/contracts';
import { isTransientPostgresError, postgresError } from './postgres-errors';

const pgError = (code: string, message = 'x') => Object.assign(new Error(message), { code });

describe('postgresError', () => {
  it.each([
    ['a refused connection', Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5'), { code: 'ECONNREFUSED' })],
    ['the pool’s connection timeout', new Error('timeout exceeded when trying to connect')],
    ['a connection lost mid-query', new Error('Connection terminated unexpectedly')],
    ['a deadlock (40P01)', pgError('40P01')],
    ['a serialization failure (40001)', pgError('40001')],
    ['too many connections (53300)', pgError('53300')],
    ['an administrator shutdown (57P01)', pgError('57P01')],
    ['a lock not available (55P03)', pgError('55P03')],
  ])('turns %s into a RetryableError', (_what, err) => {
    expect(isTransientPostgresError(err)).toBe(true);
    expect(postgresError(err)).toBeInstanceOf(RetryableError);
  });

  it.each([
    ['a syntax error (42601)', pgError('42601', 'syntax error at or near "SELEC"')],
    ['a unique violation (23505)', pgError('23505', 'duplicate key value')],
    ['a value out of range (22008)', pgError('22008', 'timestamp out of range')],
    ['a missing table (42P01)', pgError('42P01', 'relation "deliveries" does not exist')],
    ['no error object', 'text'],
  ])('leaves %s as it is', (_what, err) => {
    expect(isTransientPostgresError(err)).toBe(false);
    expect(postgresError(err)).toBe(err);
  });
});
