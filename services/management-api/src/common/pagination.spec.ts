import { ValidationError } from '@callhooks/contracts';
import { decodeCursor, encodeCursor } from './pagination';

const crafted = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('decodeCursor', () => {
  it('reads back a cursor this API made', () => {
    const cursor = { t: 1733173480701, i: '3f6f1c2e-8a4b-4d2a-9c51-7e2b1d0a9f43', o: 'desc' as const };
    expect(decodeCursor(encodeCursor(cursor), 'desc')).toEqual(cursor);
  });

  it.each([
    ['a time of 1e300', crafted({ t: 1e300, i: 'x', o: 'desc' })],
    ['a time of 9e15', crafted({ t: 9e15, i: 'x', o: 'desc' })],
    ['a time of -9e15', crafted({ t: -9e15, i: 'x', o: 'desc' })],
    ['a fractional time', crafted({ t: 1.5, i: 'x', o: 'desc' })],
    ['a time given as text', crafted({ t: '1733173480701', i: 'x', o: 'desc' })],
    ['an over-long id', crafted({ t: 1, i: 'x'.repeat(201), o: 'desc' })],
    ['an id that is no string', crafted({ t: 1, i: { $gt: '' }, o: 'desc' })],
    ['a JSON number', crafted(5)],
    ['a JSON array', crafted([1, 'x', 'desc'])],
    ['garbage', '!!not-base64!!'],
    ['an empty cursor', ''],
  ])('refuses %s as a 400 naming cursor', (_what, text) => {
    let thrown: unknown;
    try {
      decodeCursor(text, 'desc');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(ValidationError);
    expect((thrown as ValidationError).fields.map((f) => f.field)).toEqual(['cursor']);
  });
});
