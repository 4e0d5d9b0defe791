import type { INestApplicationContext } from '@nestjs/common';
import { deadLetterTopicOf, type DeliveryJob } from '@callhooks/contracts';
import { ConfigView } from '@callhooks/config-view';
import { DLQ_HEADERS } from '@callhooks/kafka';
import { eventually, requireServers, uniquePrefix, type TopicCollector } from '@callhooks/testing';
import { deliveryId } from '../src/matching/delivery-id';
import { callEvent, environmentRecord, MatcherHarness, readinessProblems, webhookRecord } from './matcher-harness';

/**
 * The matcher against the real Kafka and registry: config records and call events in,
 * delivery jobs (and dead letters) out.
 *
 * Customer c1, environment "prod" (Asia/Jerusalem) subscribes w-post, w-get, w-off (disabled),
 * w-hangup (another event), w-late (published last, after 300 others) and c2's w-c2 (another
 * customer's webhook: never matched for c1). Environment "dev" subscribes w-dev; w-unsub is
 * subscribed nowhere. Customer c2's own "prod" subscribes w-c2.
 */
describe('matcher against the real servers', () => {
  const harness = new MatcherHarness(uniquePrefix('matcher'));
  let app: INestApplicationContext;
  let jobs: TopicCollector<DeliveryJob>;

  const jobsOf = (eventId: string): DeliveryJob[] => jobs.values().filter((j) => j.event_id === eventId);
  const webhooksOf = (eventId: string): string[] => [...new Set(jobsOf(eventId).map((j) => j.webhook_id))].sort();

  beforeAll(async () => {
    await requireServers(['kafka', 'registry']);
    await harness.provision();
    await harness.publishConfig([
      webhookRecord('w-post', 'c1', {
        url: 'https://Hooks.Example.com/calls',
        body: '{"call": "{{uuid}}", "started": "{{start_at}}", "answered": "{{answer_at}}", "text": "{{cause}} at {{ start_at }}", "secs": "{{ring_duration}}"}',
        headers: { 'x-customer-tag': 'gold' },
      }),
      webhookRecord('w-get', 'c1', { method: 'GET', url: 'http://hooks.example.com:8080/in?token=t1', body: '{"uuid": "{{uuid}}", "start": "{{start_at}}", "none": "{{ivr_name}}"}' }),
      webhookRecord('w-off', 'c1', { enabled: false }),
      webhookRecord('w-hangup', 'c1', { event: 'Call:Hangup' }),
      webhookRecord('w-dev', 'c1'),
      webhookRecord('w-unsub', 'c1'),
      webhookRecord('w-c2', 'c2'),
      environmentRecord('prod', 'c1', ['w-post', 'w-get', 'w-off', 'w-hangup', 'w-late', 'w-c2'], 'Asia/Jerusalem'),
      environmentRecord('dev', 'c1', ['w-dev'], 'UTC'),
      environmentRecord('prod', 'c2', ['w-c2'], 'UTC'),
    ]);
    jobs = await harness.collect<DeliveryJob>(harness.kafka.topicName('deliveries'));
  });

  afterAll(async () => {
    await app?.close();
    await harness.stop();
  });

  it('is not ready, and matches nothing, until its config view has caught up; then matches with the whole config', async () => {
    // a longer topic to read, with w-late at its very end
    const fillers = Array.from({ length: 1000 }, (_, i) => webhookRecord(`w-filler-${i}`, 'c-filler'));
    await harness.publishConfig([...fillers, webhookRecord('w-late', 'c1', { url: 'https://late.example.com/x' })]);
    app = await harness.startInProcess();
    // the view is read in the background after start-up, over the network: right now it cannot have caught up
    // (these two checks first: the Kafka and registry checks would give the reader time)
    const problems = await readinessProblems(app, ['config-view', 'call-events-consumer']);
    expect(problems['config-view']).toBe('the config view has not caught up with the config topic yet');
    expect(problems['call-events-consumer']).toBe('the call events consumer waits for the config view to catch up');

    const early = callEvent({ event: 'Call:Answer', customer_id: 'c1', environment_id: 'prod' });
    await harness.publishEvents([early]);
    await eventually(async () => expect(await readinessProblems(app)).toEqual({}), 60_000);
    await jobs.until(() => webhooksOf(early.event_id).length >= 3, 30_000);
    // matched against the whole config, w-late (the last record) included
    expect(webhooksOf(early.event_id)).toEqual(['w-get', 'w-late', 'w-post']);
  });

  it('renders each subscribed, enabled webhook of the event with local times, keyed by target origin', async () => {
    const answered = callEvent({ event: 'Call:Answer', customer_id: 'c1', environment_id: 'prod' });
    const event = { ...answered, payload: { ...answered.payload, ivr_name: null } };
    await harness.publishEvents([event]);
    await jobs.until(() => webhooksOf(event.event_id).length >= 3);
    await new Promise((r) => setTimeout(r, 500)); // room for a wrong extra job to show up
    expect(webhooksOf(event.event_id)).toEqual(['w-get', 'w-late', 'w-post']);

    const record = (webhookId: string) => jobs.records.find((r) => r.value?.event_id === event.event_id && r.value.webhook_id === webhookId)!;
    const post = record('w-post');
    expect(post.key).toBe('https://hooks.example.com:443');
    expect(post.value).toMatchObject({
      delivery_id: deliveryId('w-post', event.event_id),
      customer_id: 'c1',
      environment_id: 'prod',
      event: 'Call:Answer',
      call_uuid: event.call_uuid,
      origin: 'EVENT',
      method: 'POST',
      url: 'https://Hooks.Example.com/calls',
      headers: { 'x-customer-tag': 'gold' },
      attempt: 1,
      not_before: null,
    });
    // 21:04:40 UTC on 2 Dec 2024 is 23:04:40 in Israel
    expect(JSON.parse(post.value!.body!)).toEqual({ call: event.call_uuid, started: '23:04:40', answered: '23:05:10', text: 'answer at 23:04:40', secs: 30 });

    const get = record('w-get');
    expect(get.key).toBe('http://hooks.example.com:8080');
    expect(get.value).toMatchObject({ method: 'GET', body: null, url: `http://hooks.example.com:8080/in?token=t1&uuid=${event.call_uuid}&start=23%3A04%3A40&none=` });
  });

  it('gives nothing to disabled, unsubscribed, other-event and other-customer webhooks; each environment and customer gets its own', async () => {
    const hangup = callEvent({ event: 'Call:Hangup', customer_id: 'c1', environment_id: 'prod' });
    const dev = callEvent({ event: 'Call:Answer', customer_id: 'c1', environment_id: 'dev' });
    const c2 = callEvent({ event: 'Call:Answer', customer_id: 'c2', environment_id: 'prod' });
    const nobody = callEvent({ event: 'Ivr:Start', customer_id: 'c1', environment_id: 'prod' });
    const unknownEnv = callEvent({ event: 'Call:Answer', customer_id: 'c1', environment_id: 'staging' });
    await harness.publishEvents([hangup, dev, c2, nobody, unknownEnv]);
    await jobs.until(() => [hangup, dev, c2].every((e) => jobsOf(e.event_id).length > 0));
    await new Promise((r) => setTimeout(r, 1000));
    expect(webhooksOf(hangup.event_id)).toEqual(['w-hangup']);
    expect(webhooksOf(dev.event_id)).toEqual(['w-dev']);
    expect(webhooksOf(c2.event_id)).toEqual(['w-c2']);
    expect(jobsOf(nobody.event_id)).toEqual([]);
    expect(jobsOf(unknownEnv.event_id)).toEqual([]);
    // the dev environment is in UTC
    expect(JSON.parse(jobsOf(dev.event_id)[0].body!)).toMatchObject({ start_at: '21:04:40', answer_at: '21:05:10' });
    expect(jobs.values().some((j) => ['w-off', 'w-unsub'].includes(j.webhook_id))).toBe(false);
  });

  it('applies a config change (disable, subscribe) to the events processed after it is seen', async () => {
    await harness.publishConfig([
      webhookRecord('w-post', 'c1', { enabled: false }, 2),
      environmentRecord('prod', 'c1', ['w-post', 'w-get', 'w-off', 'w-hangup', 'w-late', 'w-c2', 'w-unsub'], 'Asia/Jerusalem', 2),
    ]);
    const view = app.get(ConfigView);
    await eventually(() => {
      expect(view.webhook('w-post')?.enabled).toBe(false);
      expect(view.environment('c1', 'prod')?.version).toBe(2);
    });
    const event = callEvent({ event: 'Call:Answer', customer_id: 'c1', environment_id: 'prod' });
    await harness.publishEvents([event]);
    await jobs.until(() => webhooksOf(event.event_id).length >= 3);
    await new Promise((r) => setTimeout(r, 500));
    expect(webhooksOf(event.event_id)).toEqual(['w-get', 'w-late', 'w-unsub']);
  });

  it('sets malformed call events aside to the dead-letter topic with the reason, and goes on', async () => {
    const dlq = await harness.collect<unknown>(deadLetterTopicOf(harness.kafka.topicName('callEvents')), false);
    const bad = callEvent({ event: 'Call:Exploded', customer_id: 'c1', environment_id: 'prod' });
    await harness.publishEvents([bad]);
    await harness.publishRaw('callEvents', 'not-avro', Buffer.from('{"event": "Call:Answer"}'));
    const after = callEvent({ event: 'Call:Hangup', customer_id: 'c1', environment_id: 'prod' });
    await harness.publishEvents([after]);

    await dlq.until((records) => records.length >= 2);
    const reasons = dlq.records.map((r) => String(r.headers[DLQ_HEADERS.reason]));
    expect(reasons).toEqual(expect.arrayContaining([expect.stringContaining('unknown event name "Call:Exploded"')]));
    const undecodable = dlq.records.find((r) => r.key === 'not-avro')!;
    expect(undecodable.raw?.toString()).toBe('{"event": "Call:Answer"}');
    await jobs.until(() => jobsOf(after.event_id).length > 0);
    expect(jobsOf(bad.event_id)).toEqual([]);
  });

  it('counts events, jobs and unmatched events', async () => {
    const { Registry } = await import('prom-client');
    const text = await app.get(Registry).metrics();
    expect(text).toMatch(/callhooks_matcher_events_total\{event="Call:Answer"[^}]*\} [1-9]/);
    expect(text).toMatch(/callhooks_matcher_jobs_total\{event="Call:Answer",method="GET"[^}]*\} [1-9]/);
    expect(text).toMatch(/callhooks_matcher_unmatched_events_total\{[^}]*\} [1-9]/);
    expect(text).toMatch(/callhooks_config_view_records_total\{outcome="applied"[^}]*\} 1013\n/);
    expect(text).toMatch(/callhooks_config_view_entities\{type="webhook"[^}]*\} 1008\n/);
    expect(text).toMatch(/callhooks_config_view_entities\{type="environment"[^}]*\} 3\n/);
  });
});
