import type { DeliveryAttemptResult } from '@callhooks/contracts';
import type { ConsumedRecord } from '@callhooks/kafka';

/**
 * What else reads the delivery results, beside the log (webhook health aggregates): called with
 * each consumed batch after the log wrote it and before the offsets are committed, so it sees
 * every result at least once. The record's partition and offset let it ignore a replay.
 */
export abstract class DeliveryResultsObserver {
  abstract observe(records: Array<ConsumedRecord<DeliveryAttemptResult>>): Promise<void>;
}
