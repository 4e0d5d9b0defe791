import { Logger } from '@nestjs/common';
import fc from 'fast-check';
import { Registry } from 'prom-client';
import type { ConfigRecord } from '@callhooks/contracts';
import { ConfigPublisher } from './config-publisher';
import { ConfigPublishingMetrics } from './config-publishing.metrics';
import { ConfigReconciler } from './config-reconciler';
import { ConfigSink, ConfigStore, refKey, type EntityRef, type PublishableEntity, type PublishRequest } from './config-store';

/** MongoDB's role in publishing, in memory: versioned documents with the publish_pending flag. */
class MemoryStore extends ConfigStore {
  readonly docs = new Map<string, { ref: EntityRef; version: number; published: number; pending: boolean; changedAt: number }>();

  write(id: string, type: EntityRef['type'] = 'WEBHOOK', at = Date.now()): number {
    const ref = { type, id };
    const doc = this.docs.get(refKey(ref)) ?? { ref, version: 0, published: 0, pending: true, changedAt: at };
    doc.version += 1;
    doc.pending = true;
    doc.changedAt = at;
    this.docs.set(refKey(ref), doc);
    return doc.version;
  }

  /** Documents read from the store (requests that carried no written document). */
  reads = 0;

  async load(requests: PublishRequest[]): Promise<PublishableEntity[]> {
    return requests.flatMap(({ type, id, written }) => {
      const ref = { type, id };
      if (written) return [{ ref, version: written.version, key: refKey(ref), record: record(ref, written.version) }];
      this.reads++;
      const d = this.docs.get(refKey(ref));
      return d ? [{ ref, version: d.version, key: refKey(ref), record: record(ref, d.version) }] : [];
    });
  }

  async acknowledge(entities: PublishableEntity[]): Promise<EntityRef[]> {
    for (const e of entities) {
      const d = this.docs.get(refKey(e.ref));
      if (d && d.version === e.version) {
        d.published = e.version;
        d.pending = false;
      }
    }
    return entities.filter((e) => this.docs.get(refKey(e.ref))?.version !== e.version).map((e) => e.ref);
  }

  async pending(limit: number, changedBefore: Date): Promise<EntityRef[]> {
    return [...this.docs.values()]
      .filter((d) => d.pending && d.changedAt < changedBefore.getTime())
      .slice(0, limit)
      .map((d) => d.ref);
  }

  async countPending(): Promise<number> {
    return [...this.docs.values()].filter((d) => d.pending).length;
  }
}

/** The config topic, in memory: an append-only log; `compacted()` keeps the last record per key, as Kafka compaction does. */
class MemoryTopic extends ConfigSink {
  readonly log: Array<{ key: string; version: number }> = [];
  down = false;
  /** Runs inside send, before the records are appended (to interleave other work). */
  duringSend?: () => Promise<void>;

  async send(records: Array<{ key: string; value: ConfigRecord }>): Promise<void> {
    if (this.down) throw new Error('broker unreachable');
    const hook = this.duringSend;
    this.duringSend = undefined;
    await hook?.();
    for (const r of records) this.log.push({ key: r.key, version: r.value.version });
  }

  async close(): Promise<void> {}

  compacted(): Map<string, number> {
    const last = new Map<string, number>();
    for (const r of this.log) last.set(r.key, r.version);
    return last;
  }
}

function record(ref: EntityRef, version: number): ConfigRecord {
  return { entity_type: ref.type === 'ENVIRONMENT' ? 'ENVIRONMENT' : 'WEBHOOK', entity_id: ref.id, customer_id: 'c1', version, deleted: false, published_at: 0, webhook: null, environment: null };
}

function setup(options: { backoffMinMs?: number } = {}) {
  const store = new MemoryStore();
  const topic = new MemoryTopic();
  const registry = new Registry();
  const metrics = new ConfigPublishingMetrics(registry, () => store.countPending());
  const publisher = new ConfigPublisher(store, topic, metrics, { backoffMinMs: options.backoffMinMs ?? 10, backoffMaxMs: 20, batchSize: 3 });
  const reconciler = new ConfigReconciler(store, publisher, metrics, { intervalMs: 60_000, graceMs: 0, pageSize: 100 });
  const counter = async (outcome: string) =>
    (await registry.getSingleMetric('callhooks_config_publish_total')!.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
  return { store, topic, publisher, reconciler, registry, counter };
}

function expectTopicLevelWithStore(store: MemoryStore, topic: MemoryTopic): void {
  const compacted = topic.compacted();
  for (const d of store.docs.values()) {
    expect({ key: refKey(d.ref), version: compacted.get(refKey(d.ref)) }).toEqual({ key: refKey(d.ref), version: d.version });
    expect(d.pending).toBe(false);
  }
  expect(compacted.size).toBe(store.docs.size);
}

beforeAll(() => Logger.overrideLogger(false));

describe('ConfigPublisher', () => {
  it('publishes a written entity and marks that version published', async () => {
    const { store, topic, publisher, counter } = setup();
    store.write('w1');
    publisher.request([{ type: 'WEBHOOK', id: 'w1' }]);
    await publisher.idle();
    expect(topic.log).toEqual([{ key: 'WEBHOOK:w1', version: 1 }]);
    expect(store.docs.get('WEBHOOK:w1')).toMatchObject({ published: 1, pending: false });
    expect(await counter('success')).toBe(1);
  });

  it('sends a document as written without reading it; of writes queued meanwhile, the newest, whatever the order of the requests', async () => {
    const { store, topic, publisher } = setup();
    const w1 = { type: 'WEBHOOK' as const, id: 'w1' };
    publisher.requestWritten(w1, { version: store.write('w1') });
    topic.duringSend = async () => {
      const v2 = store.write('w1');
      const v3 = store.write('w1');
      publisher.requestWritten(w1, { version: v3 });
      publisher.requestWritten(w1, { version: v2 });
      // a request without a document (the reconciler's) keeps the written one queued
      publisher.request([w1]);
    };
    await publisher.idle();
    expect(topic.log).toEqual([
      { key: 'WEBHOOK:w1', version: 1 },
      { key: 'WEBHOOK:w1', version: 3 },
    ]);
    expect(store.reads).toBe(0);
    expectTopicLevelWithStore(store, topic);
  });

  it('follows a written document that another instance overtook with the stored one, read after the acknowledgement missed', async () => {
    const { store, topic, publisher } = setup();
    const ours = store.write('w1');
    store.write('w1'); // another instance's write, published by that instance or the reconciler
    publisher.requestWritten({ type: 'WEBHOOK', id: 'w1' }, { version: ours });
    await publisher.idle();
    expect(topic.log.map((r) => r.version)).toEqual([1, 2]);
    expect(store.reads).toBe(1);
    expectTopicLevelWithStore(store, topic);
  });

  it('keeps a written document queued through a failed send and sends it once the broker is back', async () => {
    const { store, topic, publisher } = setup();
    topic.down = true;
    publisher.requestWritten({ type: 'WEBHOOK', id: 'w1' }, { version: store.write('w1') });
    await publisher.idle();
    expect(publisher.isBackingOff()).toBe(true);
    topic.down = false;
    await new Promise((resolve) => setTimeout(resolve, 50));
    await publisher.idle();
    expect(topic.log).toEqual([{ key: 'WEBHOOK:w1', version: 1 }]);
    expect(store.reads).toBe(0);
    expectTopicLevelWithStore(store, topic);
  });

  it('sends records of one key in version order, and the newest last, when writes pile up during a send', async () => {
    const { store, topic, publisher } = setup();
    store.write('w1');
    topic.duringSend = async () => {
      // three more writes while the first batch is in flight, each requesting a publish
      for (let i = 0; i < 3; i++) {
        store.write('w1');
        publisher.request([{ type: 'WEBHOOK', id: 'w1' }]);
      }
    };
    publisher.request([{ type: 'WEBHOOK', id: 'w1' }]);
    await publisher.idle();
    const versions = topic.log.map((r) => r.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(versions[versions.length - 1]).toBe(4);
    // the three requests made meanwhile were coalesced into one more send
    expect(versions).toEqual([1, 4]);
    expectTopicLevelWithStore(store, topic);
  });

  it('re-sends the current version when another instance published a newer one before its stale record landed', async () => {
    const { store, topic, publisher: a } = setup();
    const b = new ConfigPublisher(store, topic, new ConfigPublishingMetrics(new Registry(), async () => 0));
    store.write('w1');
    // A has read v1; before its record lands, B writes v2 and publishes it completely
    topic.duringSend = async () => {
      store.write('w1');
      b.request([{ type: 'WEBHOOK', id: 'w1' }]);
      await b.idle();
    };
    a.request([{ type: 'WEBHOOK', id: 'w1' }]);
    await a.idle();
    // the log holds B's v2, then A's stale v1, then A's correction: compaction keeps v2
    expect(topic.log.map((r) => r.version)).toEqual([2, 1, 2]);
    expectTopicLevelWithStore(store, topic);
  });

  it('keeps failed entities flagged, answers nobody with an error, and publishes them after the backoff', async () => {
    const { store, topic, publisher, counter } = setup({ backoffMinMs: 30 });
    topic.down = true;
    store.write('w1');
    store.write('e1', 'ENVIRONMENT');
    expect(() =>
      publisher.request([
        { type: 'WEBHOOK', id: 'w1' },
        { type: 'ENVIRONMENT', id: 'e1' },
      ]),
    ).not.toThrow();
    await publisher.idle();
    expect(publisher.isBackingOff()).toBe(true);
    expect(await store.countPending()).toBe(2);
    expect(await counter('failure')).toBe(2);
    expect(topic.log).toEqual([]);

    topic.down = false;
    await new Promise((r) => setTimeout(r, 60));
    await publisher.idle();
    expectTopicLevelWithStore(store, topic);
    expect(await counter('success')).toBe(2);
  });

  it('does not start a send per request while backing off', async () => {
    const { store, topic, publisher } = setup({ backoffMinMs: 10_000 });
    let attempts = 0;
    const send = topic.send.bind(topic);
    topic.send = async (records) => {
      attempts += 1;
      return send(records);
    };
    topic.down = true;
    store.write('w1');
    publisher.request([{ type: 'WEBHOOK', id: 'w1' }]);
    await publisher.idle();
    for (let i = 2; i < 10; i++) {
      store.write(`w${i}`);
      publisher.request([{ type: 'WEBHOOK', id: `w${i}` }]);
    }
    await publisher.idle();
    expect(attempts).toBe(1);
    await publisher.beforeApplicationShutdown();
  });
});

describe('ConfigReconciler', () => {
  it('publishes what a crashed instance wrote but never published, and only that', async () => {
    const { store, topic, reconciler, publisher, registry } = setup();
    const aMinuteAgo = Date.now() - 60_000;
    store.write('w1', 'WEBHOOK', aMinuteAgo);
    store.write('w2', 'WEBHOOK', aMinuteAgo);
    store.write('e1', 'ENVIRONMENT', aMinuteAgo);
    publisher.request([{ type: 'WEBHOOK', id: 'w2' }]);
    await publisher.idle();
    expect(topic.log).toHaveLength(1);

    expect(await reconciler.reconcile()).toBe(2);
    expectTopicLevelWithStore(store, topic);
    expect(await reconciler.reconcile()).toBe(0);
    expect(topic.log).toHaveLength(3);
    const reconciled = (await registry.getSingleMetric('callhooks_config_reconciled_total')!.get()).values[0].value;
    expect(reconciled).toBe(2);
    const unpublished = (await registry.getSingleMetric('callhooks_config_unpublished')!.get()).values[0].value;
    expect(unpublished).toBe(0);
  });

  it('leaves entities changed within the grace period to their writer', async () => {
    const store = new MemoryStore();
    const topic = new MemoryTopic();
    const metrics = new ConfigPublishingMetrics(new Registry(), async () => 0);
    const publisher = new ConfigPublisher(store, topic, metrics);
    const reconciler = new ConfigReconciler(store, publisher, metrics, { intervalMs: 60_000, graceMs: 5_000, pageSize: 100 });
    store.write('old', 'WEBHOOK', Date.now() - 10_000);
    store.write('fresh');
    expect(await reconciler.reconcile()).toBe(1);
    expect(topic.log).toEqual([{ key: 'WEBHOOK:old', version: 1 }]);
  });

  it('brings the topic level with the store whatever the interleaving of writes, outages and passes', async () => {
    // a write without a request is another instance's (or a crashed one's); `written` carries the document as written
    type Step = { kind: 'write'; id: number; request: 'none' | 'read' | 'written' } | { kind: 'outage'; down: boolean } | { kind: 'settle' };
    const step = fc.oneof(
      fc.record({ kind: fc.constant('write' as const), id: fc.integer({ min: 0, max: 5 }), request: fc.constantFrom('none' as const, 'read' as const, 'written' as const) }),
      fc.record({ kind: fc.constant('outage' as const), down: fc.boolean() }),
      fc.record({ kind: fc.constant('settle' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 40 }), async (steps: Step[]) => {
        const { store, topic, publisher, reconciler } = setup({ backoffMinMs: 1 });
        for (const s of steps) {
          if (s.kind === 'write') {
            const version = store.write(`w${s.id}`, 'WEBHOOK', 0);
            if (s.request === 'read') publisher.request([{ type: 'WEBHOOK', id: `w${s.id}` }]);
            if (s.request === 'written') publisher.requestWritten({ type: 'WEBHOOK', id: `w${s.id}` }, { version });
          } else if (s.kind === 'outage') {
            topic.down = s.down;
          } else {
            await publisher.idle();
          }
        }
        topic.down = false;
        await new Promise((r) => setTimeout(r, 5));
        await publisher.idle();
        await reconciler.reconcile();
        expectTopicLevelWithStore(store, topic);
        await publisher.beforeApplicationShutdown();
      }),
      { numRuns: 150 },
    );
  });
});
