import type { Producer, Transaction } from 'kafkajs';
import { AvroSerde } from './avro-serde';
import type { DeadLetter } from './dead-letter';
import { RecordPublisher } from './record-publisher';
import type { TransactionalProducerPool } from './transactional-producers';
import { UnitCommitter } from './unit-commit';

const letter: DeadLetter = { topic: 't', partition: 3, offset: '41', key: 'k', value: Buffer.from('x'), errorClass: 'decode_error', reason: 'bad bytes' };
// no record to encode (sends are empty): the serde is never asked
const publisher = new RecordPublisher(new AvroSerde({ url: 'http://127.0.0.1:1', timeoutMs: 100 }), '');

/** A sink that writes down what reaches it, in order; `failOn` makes that call throw. */
function sink(log: string[], failOn?: string, error: Error = new Error(`${failOn} failed`)) {
  const step = (name: string) => {
    log.push(name);
    if (name === failOn) throw error;
  };
  return {
    sendBatch: async () => void step('send'),
    sendOffsets: async ({ topics }: { topics: Array<{ partitions: Array<{ offset: string }> }> }) => void step(`offsets ${topics[0].partitions[0].offset}`),
    commit: async () => void step('commit'),
    abort: async () => void step('abort'),
  };
}

function pool(txn: ReturnType<typeof sink>, dropped: string[]): TransactionalProducerPool {
  return {
    get: async () => ({ transaction: async () => txn as unknown as Transaction }) as unknown as Producer,
    drop: async (topic: string, partition: number) => void dropped.push(`${topic}:${partition}`),
  } as unknown as TransactionalProducerPool;
}

describe('UnitCommitter: one commit path', () => {
  it('transactional: the letters, the consumed offset and the commit in one transaction', async () => {
    const log: string[] = [];
    const committer = new UnitCommitter(publisher, 'g', { transactional: pool(sink(log), []) });
    await committer.commit({ topic: 't', partition: 3, sends: [], letters: [letter], commitOffset: '42' });
    // the offsets first: the records' send is then the last request before the commit
    expect(log).toEqual(['offsets 42', 'send', 'commit']);
  });

  it('transactional without an offset (an out-of-band transaction): no offsets sent', async () => {
    const log: string[] = [];
    const committer = new UnitCommitter(publisher, 'g', { transactional: pool(sink(log), []) });
    await committer.commit({ topic: 't', partition: 3, sends: [], letters: [letter] });
    expect(log).toEqual(['send', 'commit']);
  });

  it('transactional failure: aborts and rethrows; a fenced producer is dropped', async () => {
    const log: string[] = [];
    const dropped: string[] = [];
    const fenced = Object.assign(new Error('fenced'), { type: 'PRODUCER_FENCED' });
    const committer = new UnitCommitter(publisher, 'g', { transactional: pool(sink(log, 'commit', fenced), dropped) });
    await expect(committer.commit({ topic: 't', partition: 3, sends: [], letters: [letter], commitOffset: '42' })).rejects.toBe(fenced);
    expect(log).toEqual(['offsets 42', 'send', 'commit', 'abort']);
    expect(dropped).toEqual(['t:3']);
  });

  it('plain: the acknowledged sends first, then the offset commit; nothing committed when a send fails', async () => {
    const log: string[] = [];
    const producer = sink(log) as unknown as Producer;
    const committed: string[] = [];
    const commitAfterUnit = (topic: string, partition: number, offset: string) => {
      log.push(`commit ${topic}:${partition}@${offset}`);
      committed.push(offset);
    };
    await new UnitCommitter(publisher, 'g', { plain: { producer: () => producer, commitAfterUnit } }).commit({ topic: 't', partition: 3, sends: [], letters: [letter], commitOffset: '42' });
    expect(log).toEqual(['send', 'commit t:3@42']);

    const failing = sink([], 'send') as unknown as Producer;
    await expect(new UnitCommitter(publisher, 'g', { plain: { producer: () => failing, commitAfterUnit } }).commit({ topic: 't', partition: 3, sends: [], letters: [letter], commitOffset: '43' })).rejects.toThrow('send failed');
    expect(committed).toEqual(['42']);
  });
});
