import { quietIdleRequestQueues, type RequestQueueLike } from './idle-request-queues';

// kafkajs's own class, patched as createKafka patches it
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as new (options: Record<string, unknown>) => RequestQueueLike & {
  push(request: { entry: RequestEntry; expectResponse: boolean; sendRequest: () => void }): void;
  fulfillRequest(response: { correlationId: number; payload: Buffer; size: number }): void;
  maybeThrottle(ms: number): void;
  destroy(): void;
};

interface RequestEntry {
  correlationId: number;
  apiName: string;
  resolve: () => void;
  reject: () => void;
}

/** A request as kafkajs's connection hands it to its queue; sending records its id. */
function request(correlationId: number, sent: number[]) {
  const entry: RequestEntry = { correlationId, apiName: 'Fetch', resolve: () => undefined, reject: () => undefined };
  return { entry, expectResponse: true, sendRequest: () => sent.push(correlationId) };
}

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function queue(maxInFlightRequests: number | null = null) {
  return new RequestQueue({ maxInFlightRequests, requestTimeout: 30_000, enforceRequestTimeout: false, clientId: 'spec', broker: 'localhost:9092', logger: silent });
}

describe('kafkajs request queues', () => {
  const queues: Array<ReturnType<typeof queue>> = [];
  const made = (max: number | null = null) => {
    const q = queue(max);
    queues.push(q);
    return q;
  };
  beforeAll(() => quietIdleRequestQueues());
  beforeEach(() => jest.useFakeTimers({ now: 1_000_000 }));
  afterEach(() => {
    queues.splice(0).forEach((q) => q.destroy());
    jest.useRealTimers();
  });

  it('arm no timer once a response leaves nothing pending (kafkajs 2.2.4 re-armed one every millisecond)', () => {
    const q = made();
    const sent: number[] = [];
    q.push(request(1, sent));
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(sent).toEqual([1]);
    expect(q.throttleCheckTimeoutId).toBeNull();
    expect(jest.getTimerCount()).toBe(0);
  });

  it('still send a request queued beyond the in-flight limit once a response frees a slot', () => {
    const q = made(1);
    const sent: number[] = [];
    q.push(request(1, sent));
    q.push(request(2, sent));
    expect(sent).toEqual([1]);
    q.fulfillRequest({ correlationId: 1, payload: Buffer.alloc(0), size: 0 });
    expect(sent).toEqual([1, 2]);
  });

  it('still send a request queued while the broker throttles the client once the throttle ends', () => {
    const q = made();
    const sent: number[] = [];
    q.maybeThrottle(500);
    q.push(request(1, sent));
    expect(sent).toEqual([]);
    jest.advanceTimersByTime(499);
    expect(sent).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(sent).toEqual([1]);
    // and then, nothing pending and the throttle over, no timer is left
    expect(jest.getTimerCount()).toBe(0);
  });
});
