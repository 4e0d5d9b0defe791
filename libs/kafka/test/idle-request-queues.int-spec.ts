import pino from 'pino';
import type { Admin, Producer } from 'kafkajs';
import { createKafka } from '@callhooks/kafka';
import { requireServers, testKafkaSettings, uniquePrefix } from '@callhooks/testing';

interface RequestQueueState {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  scheduleCheckPendingRequests(): void;
}

// kafkajs's class, as its connections use it (createKafka replaces one of its methods)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const RequestQueue = require('kafkajs/src/network/requestQueue') as { prototype: RequestQueueState };

describe('kafkajs request queues against the real Kafka', () => {
  const prefix = uniquePrefix('idle-queues');
  const topic = `${prefix}idle-check`;
  let admin: Admin | undefined;
  let producer: Producer | undefined;
  let scheduled: RequestQueueState['scheduleCheckPendingRequests'];
  let checks = 0;
  let idleTimers = 0;

  beforeAll(async () => {
    await requireServers(['kafka']);
    const kafka = createKafka(testKafkaSettings(prefix).kafka, pino({ level: 'silent' }));
    // every scheduling of a connection's check, after createKafka's replacement ran: a timer armed
    // with no request waiting and no throttle is the 1 ms loop of kafkajs 2.2.4
    scheduled = RequestQueue.prototype.scheduleCheckPendingRequests;
    RequestQueue.prototype.scheduleCheckPendingRequests = function (this: RequestQueueState) {
      scheduled.call(this);
      checks += 1;
      if (this.throttleCheckTimeoutId !== null && this.pending.length === 0 && this.throttledUntil <= Date.now()) idleTimers += 1;
    };
    admin = kafka.admin();
    producer = kafka.producer();
    await admin.connect();
    await producer.connect();
  });
  afterAll(async () => {
    RequestQueue.prototype.scheduleCheckPendingRequests = scheduled;
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
    await producer?.disconnect();
  });

  it('arm no timer on a connection with nothing waiting, through metadata, topic creation and sends', async () => {
    await admin!.createTopics({ topics: [{ topic, numPartitions: 2 }], waitForLeaders: true });
    for (let i = 0; i < 20; i++) await producer!.send({ topic, messages: [{ key: `k${i}`, value: `v${i}` }] });
    await admin!.fetchTopicOffsets(topic);
    const offsets = await admin!.fetchTopicOffsets(topic);
    expect(offsets.reduce((n, p) => n + Number(p.high), 0)).toBe(20);
    // each response checked its queue (so the loop had its chances), and none left a timer behind
    expect(checks).toBeGreaterThan(20);
    expect(idleTimers).toBe(0);
  });
});
