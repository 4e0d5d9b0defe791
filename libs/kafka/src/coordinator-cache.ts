/**
 * kafkajs 2.2.4 asks a broker for the coordinator before every step of a transaction
 * (AddPartitionsToTxn, AddOffsetsToTxn, the group coordinator of TxnOffsetCommit, EndTxn):
 * about five FindCoordinator requests per transaction, 40% of the enricher's requests in the
 * e2e benchmark. A coordinator (of a transactional id or of a group) only moves when a broker
 * fails over, so each client keeps the answer for COORDINATOR_TTL_MS. A stale answer costs at
 * most that long: the coordinator's NOT_COORDINATOR errors are retriable in kafkajs, and its
 * retries outlast the TTL (the transactional producers' ~12 s, the others' longer). At 1 s the
 * lookups were still 5-10% of the enricher's requests at saturation, one per transaction or
 * two. kafkajs is pinned (package-lock), so the one internal method this wraps,
 * Cluster#findGroupCoordinatorMetadata, cannot change under it.
 */
export const COORDINATOR_TTL_MS = 5000;

interface CoordinatorQuery {
  groupId: string;
  coordinatorType?: number;
}

interface ClusterLike {
  findGroupCoordinatorMetadata(query: CoordinatorQuery): Promise<unknown>;
}

let installed = false;

/** Wraps kafkajs's Cluster once per process; idempotent. */
export function cacheCoordinatorLookups(now: () => number = Date.now): void {
  if (installed) return;
  installed = true;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- kafkajs does not export its Cluster class
  const Cluster = require('kafkajs/src/cluster') as { prototype: ClusterLike };
  wrapCoordinatorLookups(Cluster.prototype, now);
}

/** The caching itself, on any object with kafkajs's method (tested on a stand-in). */
export function wrapCoordinatorLookups(target: ClusterLike, now: () => number = Date.now): void {
  const original = target.findGroupCoordinatorMetadata;
  const caches = new WeakMap<object, Map<string, { at: number; answer: Promise<unknown> }>>();
  target.findGroupCoordinatorMetadata = function (this: object, query: CoordinatorQuery): Promise<unknown> {
    let cache = caches.get(this);
    if (!cache) caches.set(this, (cache = new Map()));
    const key = `${query.coordinatorType ?? 0}:${query.groupId}`;
    const hit = cache.get(key);
    if (hit && now() - hit.at < COORDINATOR_TTL_MS) return hit.answer;
    const answer = original.call(this, query);
    cache.set(key, { at: now(), answer });
    // a failed lookup is not remembered
    answer.catch(() => {
      if (cache.get(key)?.answer === answer) cache.delete(key);
    });
    return answer;
  };
}
