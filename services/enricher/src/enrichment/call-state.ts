import type { CallLegEvent, CallStateSnapshot, LegEventKind } from '@callhooks/contracts';

/** Bumped when the JSON shape below changes incompatibly; a restore refuses versions it does not know. */
export const CALL_STATE_VERSION = 1;

type LegDetails = Omit<CallLegEvent, 'event_id' | 'leg_uuid' | 'kind' | 'occurred_at' | 'call_uuid' | 'customer_id' | 'environment_id' | 'environment_name'>;

/**
 * One raw event as the state keeps it: without the call-level fields (kept once per call)
 * and without its null fields, so that the state, written to the changelog on every change,
 * stays small.
 */
export type StoredLeg = Pick<CallLegEvent, 'event_id' | 'leg_uuid' | 'kind' | 'occurred_at'> & { [K in keyof LegDetails]?: NonNullable<LegDetails[K]> };

/**
 * A call being enriched. The raw events themselves are the state (deduplicated by event_id):
 * every payload is derived from them, so the outcome does not depend on the order they came in.
 * Times named `...At` without "occurred" are this service's clock (epoch ms), used for timers.
 */
export interface OpenCall {
  status: 'open';
  callUuid: string;
  customerId: string;
  environmentId: string;
  environmentName: string | null;
  legs: StoredLeg[];
  /** Keys of the events already emitted: the event name, plus `:<raw event_id>` for IVR events. */
  emitted: string[];
  /** When the last raw event of this call was applied. */
  lastSeenAt: number;
  /** When the state first showed every leg hung up; null while some leg is up. Fixed once Call:Hangup is out. */
  endedSeenAt: number | null;
  /** The next timer deadline (hangup settle, reporting grace or maximum wait, stale call), or null. */
  dueAt: number | null;
}

/**
 * What is left of a call once it is over for the enricher: enough to recognise its late legs
 * for days (ENRICHER_CLOSED_RETENTION_MS), then tombstoned. Either Call:Reporting went out, or
 * the call was given up without its CALLER leg's LEG_CREATED (`unbegun`): a call the enricher
 * has not seen begin never produces events, whatever arrives later.
 */
export interface ClosedCall {
  status: 'closed';
  callUuid: string;
  customerId: string;
  environmentId: string;
  /** When Call:Reporting went out, or when the unbegun call was given up. */
  reportedAt: number;
  /** Given up without events: its CALLER leg's LEG_CREATED never came within ENRICHER_REPORTING_MAX_WAIT_MS of its end. */
  unbegun?: true;
  /** When the marker is forgotten (tombstoned). */
  dueAt: number;
}

export type CallRecord = OpenCall | ClosedCall;

const CALL_LEVEL_FIELDS: ReadonlySet<string> = new Set(['call_uuid', 'customer_id', 'environment_id', 'environment_name']);

export function storeLeg(leg: CallLegEvent): StoredLeg {
  const stored: Record<string, unknown> = {};
  const source = leg as unknown as Record<string, unknown>;
  for (const k in source) {
    const v = source[k];
    if (v === null || v === undefined || CALL_LEVEL_FIELDS.has(k)) continue;
    stored[k] = v;
  }
  return stored as StoredLeg;
}

export function newCall(leg: CallLegEvent): OpenCall {
  return {
    status: 'open',
    callUuid: leg.call_uuid,
    customerId: leg.customer_id,
    environmentId: leg.environment_id,
    environmentName: leg.environment_name,
    legs: [],
    emitted: [],
    lastSeenAt: 0,
    endedSeenAt: null,
    dueAt: null,
  };
}

export function toSnapshot(record: CallRecord): CallStateSnapshot {
  return { state_version: CALL_STATE_VERSION, state_json: JSON.stringify(record) };
}

/** Thrown by a restore that meets a snapshot it cannot read: better to stop than to run on a wrong state. */
export class UnreadableSnapshotError extends Error {
  constructor(callUuid: string, reason: string) {
    super(`cannot restore the state of call ${callUuid}: ${reason}`);
    this.name = 'UnreadableSnapshotError';
  }
}

const KINDS: ReadonlySet<LegEventKind> = new Set(['LEG_CREATED', 'LEG_RINGING', 'LEG_ANSWERED', 'LEG_BRIDGED', 'LEG_HANGUP', 'IVR_ENTERED', 'IVR_EXITED', 'QUEUE_JOINED', 'QUEUE_LEFT', 'RECORDING_READY']);

export function fromSnapshot(callUuid: string, snapshot: CallStateSnapshot): CallRecord {
  if (snapshot.state_version !== CALL_STATE_VERSION) throw new UnreadableSnapshotError(callUuid, `state_version ${snapshot.state_version} (this enricher reads ${CALL_STATE_VERSION})`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(snapshot.state_json);
  } catch (err) {
    throw new UnreadableSnapshotError(callUuid, `state_json is not JSON: ${(err as Error).message}`);
  }
  const record = parsed as CallRecord;
  if (record?.callUuid !== callUuid) throw new UnreadableSnapshotError(callUuid, 'the snapshot belongs to another call');
  if (record.status === 'closed') return record;
  if (record.status !== 'open' || !Array.isArray(record.legs) || !Array.isArray(record.emitted)) throw new UnreadableSnapshotError(callUuid, 'not an open or closed call');
  for (const leg of record.legs) if (!KINDS.has(leg.kind)) throw new UnreadableSnapshotError(callUuid, `unknown leg kind ${String(leg.kind)}`);
  return record;
}
