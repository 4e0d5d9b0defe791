import { encodeCopyBinary } from './postgres-copy';

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const TRAILER = Buffer.from([0xff, 0xff]);

/** The fields of the only row of `data`, each as its bytes or null, after checking the header and the trailer. */
function onlyRow(data: Buffer): Array<Buffer | null> {
  expect(data.subarray(0, 11)).toEqual(SIGNATURE);
  expect(data.readInt32BE(11)).toBe(0); // flags
  expect(data.readInt32BE(15)).toBe(0); // header extension
  let at = 19;
  const count = data.readInt16BE(at);
  at += 2;
  const fields: Array<Buffer | null> = [];
  for (let i = 0; i < count; i++) {
    const length = data.readInt32BE(at);
    at += 4;
    fields.push(length === -1 ? null : data.subarray(at, at + length));
    if (length > 0) at += length;
  }
  expect(data.subarray(at)).toEqual(TRAILER);
  return fields;
}

describe('encodeCopyBinary (PostgreSQL binary COPY data)', () => {
  it('writes each type in its binary form, NULL as length -1', () => {
    const fields = onlyRow(
      encodeCopyBinary(
        ['text', 'text', 'int4', 'timestamptz', 'timestamptz', 'jsonb'],
        [['é-1', null, -7, Date.UTC(2000, 0, 1, 0, 0, 1, 500), Date.UTC(1999, 11, 31, 23, 59, 59), { a: [1] }]],
      ),
    );
    expect(fields[0]).toEqual(Buffer.from('é-1', 'utf8'));
    expect(fields[1]).toBeNull();
    expect(fields[2]).toEqual(Buffer.from([0xff, 0xff, 0xff, 0xf9]));
    // microseconds since 2000-01-01T00:00:00Z, 64 bits: 1.5 s, and -1 s before it
    expect(fields[3]!.readBigInt64BE()).toBe(1_500_000n);
    expect(fields[4]!.readBigInt64BE()).toBe(-1_000_000n);
    // jsonb: version 1, then the JSON text
    expect(fields[5]![0]).toBe(1);
    expect(fields[5]!.subarray(1).toString()).toBe('{"a":[1]}');
  });

  it('writes U+0000 and a lone surrogate as U+FFFD, in text and in JSON, as every string bound for PostgreSQL', () => {
    const [text, json] = onlyRow(encodeCopyBinary(['text', 'jsonb'], [['a\u0000b\ud800c', { s: 'x\u0000\udc00' }]]));
    expect(text!.toString()).toBe('a\uFFFDb\uFFFDc');
    expect(JSON.parse(json!.subarray(1).toString())).toEqual({ s: 'x\uFFFD\uFFFD' });
  });

  it('grows past its first estimate for long and multi-byte values, and writes many rows in order', () => {
    const long = '€'.repeat(50_000);
    const rows = Array.from({ length: 300 }, (_, i) => [`${i}`, i === 150 ? long : 'x']);
    const data = encodeCopyBinary(['text', 'text'], rows);
    let at = 19;
    for (let i = 0; i < rows.length; i++) {
      expect(data.readInt16BE(at)).toBe(2);
      const first = data.readInt32BE(at + 2);
      expect(data.subarray(at + 6, at + 6 + first).toString()).toBe(`${i}`);
      const second = data.readInt32BE(at + 6 + first);
      expect(data.subarray(at + 10 + first, at + 10 + first + second).toString()).toBe(i === 150 ? long : 'x');
      at += 10 + first + second;
    }
    expect(data.subarray(at)).toEqual(TRAILER);
  });

  it('refuses a row whose values do not match the columns', () => {
    expect(() => encodeCopyBinary(['text', 'int4'], [['only one']])).toThrow('a COPY row has 1 values for 2 columns');
  });
});
