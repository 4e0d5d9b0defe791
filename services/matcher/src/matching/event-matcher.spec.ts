import { samplePayload, type CallEvent, type ConfigRecord } from '@callhooks/contracts';
import { ConfigView } from '@callhooks/config-view';
import { CompiledTemplates } from './compiled-templates';
import { deliveryId } from './delivery-id';
import { EventMatcher } from './event-matcher';

const STARTED = Date.UTC(2024, 11, 2, 21, 4, 40, 701); // 23:04:40 in Asia/Jerusalem (UTC+2 in December)
const ANSWERED = STARTED + 30_000;

function webhook(id: string, over: Partial<NonNullable<ConfigRecord['webhook']>> = {}, record: Partial<ConfigRecord> = {}): ConfigRecord {
  return {
    entity_type: 'WEBHOOK',
    entity_id: id,
    customer_id: 'c1',
    version: 1,
    deleted: false,
    published_at: 0,
    webhook: {
      id,
      enabled: true,
      event: 'Call:Answer',
      method: 'POST',
      url: `https://Hooks.Example.com/${id}`,
      body: null,
      headers: { 'x-source': 'callhooks' },
      secrets: [{ secret: 'whsec_x', expires_at: null }],
      ...over,
    },
    environment: null,
    ...record,
  };
}

function environment(id: string, webhookIds: string[], timezone = 'Asia/Jerusalem', customer = 'c1', version = 1): ConfigRecord {
  return {
    entity_type: 'ENVIRONMENT',
    entity_id: id,
    customer_id: customer,
    version,
    deleted: false,
    published_at: 0,
    webhook: null,
    environment: { id, name: `Env ${id}`, timezone, webhook_ids: webhookIds },
  };
}

function callEvent(over: Partial<CallEvent> = {}): CallEvent {
  return {
    event_id: 'evt-1',
    event: 'Call:Answer',
    call_uuid: 'call-1',
    customer_id: 'c1',
    environment_id: 'prod',
    occurred_at: ANSWERED,
    emitted_at: ANSWERED + 5,
    started_at_ms: STARTED,
    answered_at_ms: ANSWERED,
    payload: { ...samplePayload(), uuid: 'call-1', start_at: '21:04:40', answer_at: '21:05:10', duration: null, environment_name: 'ITD2024' },
    ...over,
  };
}

function setUp(...records: ConfigRecord[]): { view: ConfigView; matcher: EventMatcher } {
  const view = new ConfigView();
  for (const r of records) view.apply(r.entity_type === 'WEBHOOK' ? `WEBHOOK:${r.entity_id}` : `ENVIRONMENT:${r.customer_id}:${r.entity_id}`, r);
  return { view, matcher: new EventMatcher(view, new CompiledTemplates(100)) };
}

describe('EventMatcher', () => {
  it('emits one job per matching webhook, rendered with local times, keyed by target origin', () => {
    const { matcher } = setUp(
      webhook('w-post', { body: '{"call": "{{uuid}}", "started": "{{start_at}}", "answered": "{{ answer_at }}", "secs": "{{duration}}", "env": "{{environment_name}}"}' }),
      webhook('w-get', { method: 'GET', url: 'http://hooks.example.com:8080/in?token=abc', body: '{"uuid": "{{uuid}}", "at": "{{start_at}}", "cause": "{{cause}}"}' }),
      environment('prod', ['w-post', 'w-get']),
    );
    const { deliveries, failures } = matcher.match(callEvent(), 1_700_000_000_000);
    expect(failures).toEqual([]);
    const post = deliveries.find((d) => d.job.webhook_id === 'w-post')!;
    expect(post.key).toBe('https://hooks.example.com:443');
    expect(post.job).toEqual({
      delivery_id: deliveryId('w-post', 'evt-1'),
      webhook_id: 'w-post',
      customer_id: 'c1',
      environment_id: 'prod',
      event_id: 'evt-1',
      event: 'Call:Answer',
      call_uuid: 'call-1',
      origin: 'EVENT',
      method: 'POST',
      url: 'https://Hooks.Example.com/w-post',
      body: '{"call":"call-1","started":"23:04:40","answered":"23:05:10","secs":null,"env":"ITD2024"}',
      headers: { 'x-source': 'callhooks' },
      attempt: 1,
      created_at: 1_700_000_000_000,
      not_before: null,
    });
    const get = deliveries.find((d) => d.job.webhook_id === 'w-get')!;
    expect(get.key).toBe('http://hooks.example.com:8080');
    expect(get.job).toMatchObject({ method: 'GET', body: null, url: 'http://hooks.example.com:8080/in?token=abc&uuid=call-1&at=23%3A04%3A40&cause=answer' });
    expect(deliveries).toHaveLength(2);
  });

  it('sends the full payload without a body template, local times included', () => {
    const { matcher } = setUp(webhook('w1'), environment('prod', ['w1'], 'America/New_York'));
    const [delivery] = matcher.match(callEvent(), 1).deliveries;
    const body = JSON.parse(delivery.job.body!);
    expect(body).toEqual({ ...callEvent().payload, start_at: '16:04:40', answer_at: '16:05:10' });
  });

  it('keeps the payload times where the epochs are missing, and UTC for an unknown zone', () => {
    const { matcher } = setUp(webhook('w1', { body: '["{{start_at}}", "{{answer_at}}"]' }), environment('prod', ['w1']));
    const noAnswer = matcher.match(callEvent({ answered_at_ms: null, payload: { ...callEvent().payload, answer_at: null } }), 1);
    expect(noAnswer.deliveries[0].job.body).toBe('["23:04:40",null]');

    const odd = setUp(webhook('w1', { body: '["{{start_at}}"]' }), environment('prod', ['w1'], 'Mars/Olympus_Mons'));
    const outcome = odd.matcher.match(callEvent(), 1);
    expect(outcome.deliveries[0].job.body).toBe('["21:04:40"]');
    expect(outcome.zoneProblem).toContain('Mars/Olympus_Mons');
  });

  it('fills a missing environment_name from the environment', () => {
    const { matcher } = setUp(webhook('w1', { body: '{"env": "{{environment_name}}"}' }), environment('prod', ['w1']));
    const [delivery] = matcher.match(callEvent({ payload: { ...callEvent().payload, environment_name: null } }), 1).deliveries;
    expect(delivery.job.body).toBe('{"env":"Env prod"}');
  });

  it('gives nothing to disabled, unsubscribed, other-event and other-customer webhooks', () => {
    const { matcher } = setUp(
      webhook('w-on'),
      webhook('w-off', { enabled: false }),
      webhook('w-hangup', { event: 'Call:Hangup' }),
      webhook('w-dev'),
      webhook('w-c2', {}, { customer_id: 'c2' }),
      environment('prod', ['w-on', 'w-off', 'w-hangup', 'w-c2']),
      environment('dev', ['w-dev']),
      environment('prod', ['w-c2'], 'UTC', 'c2'),
    );
    expect(matcher.match(callEvent(), 1).deliveries.map((d) => d.job.webhook_id)).toEqual(['w-on']);
    expect(matcher.match(callEvent({ customer_id: 'c2' }), 1).deliveries.map((d) => d.job.webhook_id)).toEqual(['w-c2']);
    expect(matcher.match(callEvent({ environment_id: 'staging' }), 1)).toEqual({ deliveries: [], failures: [] });
  });

  it('applies a config change to the events matched after it', () => {
    const { view, matcher } = setUp(webhook('w1'), environment('prod', ['w1']));
    expect(matcher.match(callEvent(), 1).deliveries).toHaveLength(1);
    view.apply('WEBHOOK:w1', webhook('w1', { enabled: false }, { version: 2 }));
    expect(matcher.match(callEvent({ event_id: 'evt-2' }), 1).deliveries).toHaveLength(0);
    view.apply('WEBHOOK:w1', webhook('w1', { body: '{"v": 3}' }, { version: 3 }));
    expect(matcher.match(callEvent({ event_id: 'evt-3' }), 1).deliveries[0].job.body).toBe('{"v":3}');
    view.apply('WEBHOOK:w1', webhook('w1', { body: '{"v": 4}' }, { version: 4 }));
    expect(matcher.match(callEvent({ event_id: 'evt-4' }), 1).deliveries[0].job.body).toBe('{"v":4}');
  });

  it('gives the same delivery id when an event is matched again, and another one per webhook and per event', () => {
    const { matcher } = setUp(webhook('w1'), webhook('w2'), environment('prod', ['w1', 'w2']));
    const first = matcher.match(callEvent(), 1).deliveries.map((d) => d.job.delivery_id);
    const again = matcher.match(callEvent(), 2).deliveries.map((d) => d.job.delivery_id);
    const other = matcher.match(callEvent({ event_id: 'evt-2' }), 1).deliveries.map((d) => d.job.delivery_id);
    expect(again).toEqual(first);
    expect(new Set([...first, ...other]).size).toBe(4);
  });

  it('reports a webhook whose template or URL is broken, and still serves the others', () => {
    const { matcher } = setUp(
      webhook('w-bad-template', { body: '{"a": "{{nope}}"}' }),
      webhook('w-bad-url', { url: 'not a url' }),
      webhook('w-get-array', { method: 'GET', body: '["{{uuid}}"]' }),
      webhook('w-good'),
      environment('prod', ['w-bad-template', 'w-bad-url', 'w-get-array', 'w-good']),
    );
    const outcome = matcher.match(callEvent(), 1);
    expect(outcome.deliveries.map((d) => d.job.webhook_id)).toEqual(['w-good']);
    expect(outcome.failures).toEqual([
      { webhookId: 'w-bad-template', reason: 'template', message: 'invalid body template: unknown field "nope" at $.a' },
      { webhookId: 'w-bad-url', reason: 'url', message: 'url "not a url" is not a valid URL' },
      { webhookId: 'w-get-array', reason: 'template', message: expect.stringContaining('must be a JSON object') },
    ]);
  });
});
