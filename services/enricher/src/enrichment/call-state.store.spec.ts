import type { CallRecord, ClosedCall } from './call-state';
import { CallStateStore } from './call-state.store';

function marker(callUuid: string, dueAt: number): ClosedCall {
  return { status: 'closed', callUuid, customerId: 'c', environmentId: 'e', reportedAt: 0, dueAt };
}

/** A small deterministic generator, so a failure can be replayed. */
function lcg(seed: number): () => number {
  let x = seed;
  return () => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
}

describe('CallStateStore.due', () => {
  it('finds exactly the calls due, like a scan of every call, through restores, changes and tombstones', () => {
    const random = lcg(7);
    const store = new CallStateStore();
    const truth = new Map<string, CallRecord>();
    store.beginRestore([0]);
    const restored = new Map<string, CallRecord>();
    for (let i = 0; i < 500; i++) restored.set(`c${i}`, marker(`c${i}`, Math.floor(random() * 1000)));
    store.finishRestore(0, new Map(restored));
    for (const [k, v] of restored) truth.set(k, v);
    for (let round = 0; round < 200; round++) {
      const changes = new Map<string, CallRecord | null>();
      for (let j = 0; j < 20; j++) {
        const id = `c${Math.floor(random() * 700)}`;
        const r = random();
        // a changed deadline (often the same value again: a new record, the old entry stale), a new call, a tombstone
        changes.set(id, r < 0.15 ? null : marker(id, r < 0.3 ? (truth.get(id)?.dueAt ?? 5) : Math.floor(random() * 1000)));
      }
      store.apply(0, changes, store.epoch(0));
      for (const [k, v] of changes) {
        if (v === null) truth.delete(k);
        else truth.set(k, v);
      }
      const now = Math.floor(random() * 1000);
      const expected = [...truth].filter(([, r]) => r.dueAt !== null && r.dueAt <= now).map(([k]) => k).sort();
      const found = store.due(0, now);
      expect(found.map(([k]) => k).sort()).toEqual(expected);
      for (const [k, r] of found) expect(r).toBe(truth.get(k));
    }
  });

  it('has nothing due in a partition it does not own', () => {
    expect(new CallStateStore().due(3, Date.now())).toEqual([]);
  });
});
