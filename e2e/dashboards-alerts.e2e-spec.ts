/**
 * The dashboards and the alert rules against real data: a real Prometheus (Debian's package,
 * scripts/ensure-prometheus.sh) scrapes the four services on loopback every second and evaluates
 * deploy/observability/rules — the very files the Helm chart ships (files/ links to them) — while
 * simulated calls flow to three receivers: a healthy one, one that hangs and one that is slow.
 *   - every query of every dashboard panel returns series;
 *   - no alert is pending before the faults; under them the matching alerts go pending or fire:
 *     the hanging target's breaker (CallhooksBreakerOpenLong), dead letters (a record that is not
 *     Avro, CallhooksDeadLetterRecords) and a consumer down (the matcher stopped:
 *     CallhooksServiceAbsent).
 *   - a consumer that cannot join its group and a lag that grows: a foreign member holds the
 *     matcher's group (as a `kafka-console-consumer --group <the matcher's group>` an operator left
 *     running would: another assignment protocol, nothing committed), so the restarted matcher's
 *     consumer is refused (CallhooksConsumerDown) while the enricher keeps producing call events
 *     that nobody in the group consumes (CallhooksConsumerLagGrowing: the lag is read from the
 *     brokers, so the matcher reports it while its consumer is out);
 *   - a growing lag of a consumer that is up: the API reaches PostgreSQL (its delivery log) through
 *     a TCP proxy that the test cuts, so the delivery log retries its batches while results keep coming
 *     (CallhooksConsumerLagGrowing and CallhooksConsumerBatchRetrying for its group), sets none
 *     aside to its dead-letter topic, and writes again once the database is back.
 * Alerts with `for:` stay pending here (minutes to hours); pending proves their expression holds.
 * The dispatcher's lag is not among the faults: it moves work for slow, hanging or breaker-open
 * targets to its retry tiers (left out of the lag alert) rather than fall behind on them. A burst of 8,000 jobs to a healthy target (tried) reached a lag of 8,000 but
 * mostly in the 5 s tier, the receiver in this process timing out on the loaded machine and opening
 * its breaker; the main topic's lag stayed above 1,000 for less than an evaluation. The slow target
 * still fills the lag and retry-tier panels.
 */
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { AssignerProtocol, type Consumer, type PartitionAssigner } from 'kafkajs';
import { Registry } from 'prom-client';
import { simulateCall, SCENARIOS, type SimulatedCall } from '@callhooks/call-simulator';
import { CallLegSender } from '@callhooks/call-simulator/call-leg.sender';
import { topicSpec } from '@callhooks/contracts';
import { createKafka, KafkaContext } from '@callhooks/kafka';
import { createLogger, ReadinessChecks } from '@callhooks/observability';
import {
  alertRules,
  concreteQuery,
  dashboardQueries,
  eventually,
  ManagementClient,
  pipelineServices,
  pipelineTestEnv,
  PrometheusServer,
  RecordingReceiver,
  requireServers,
  ServiceProcess,
  startInTurn,
  TcpProxy,
  TEST_SERVERS,
  testDeliveryResult,
  testKafkaSettings,
  uniqueDatabase,
  uniquePrefix,
  type AlertState,
} from '@callhooks/testing';

const REPO_ROOT = join(__dirname, '..');
const RULES = join(REPO_ROOT, 'deploy/observability/rules/callhooks.rules.yaml');
const DASHBOARDS = [join(REPO_ROOT, 'deploy/observability/dashboards/callhooks.json')];
const CHART_FILES = { rules: join(REPO_ROOT, 'deploy/helm/callhooks/files/callhooks.rules.yaml'), dashboard: join(REPO_ROOT, 'deploy/helm/callhooks/files/callhooks-dashboard.json') };
const OPERATOR_TOKEN = 'dashboards-alerts-e2e-operator-token-01';
const SLOW_WEBHOOKS = 30;
const CALLS = 60;
/** Events the enricher produces while the matcher's group is held, and delivery results sent while the delivery log's database is away: above the lag alert's 1,000. */
const RECORDS_BEHIND = 1500;

/**
 * A group member with another assignment protocol than kafkajs' RoundRobinAssigner (Java's
 * `range`, as kafka-console-consumer uses), assigning itself nothing: while it is in the group the
 * broker refuses every member that does not speak its protocol (INCONSISTENT_GROUP_PROTOCOL).
 */
const foreignProtocol: PartitionAssigner = () => ({
  name: 'range',
  version: 0,
  protocol: ({ topics }) => ({ name: 'range', metadata: AssignerProtocol.MemberMetadata.encode({ version: 0, topics, userData: Buffer.alloc(0) }) }),
  assign: async ({ members }) =>
    members.map((m) => ({ memberId: m.memberId, memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: {}, userData: Buffer.alloc(0) }) })),
});

describe('dashboards and alerts on a real Prometheus', () => {
  const prefix = uniquePrefix('dashboards');
  const healthy = new RecordingReceiver();
  const hanging = new RecordingReceiver();
  const slow = new RecordingReceiver();
  let services: ServiceProcess[] = [];
  let prometheus: PrometheusServer;
  let hangingUrl: string;
  let slowUrl: string;
  let squatter: Consumer | undefined;
  const postgresUrl = new URL(TEST_SERVERS.postgresUrl);
  const postgresProxy = new TcpProxy(postgresUrl.hostname, Number(postgresUrl.port || 5432));

  const active = async (): Promise<AlertState[]> => (await prometheus.alerts()).filter((a) => a.state === 'pending' || a.state === 'firing');
  const describeAlerts = (alerts: AlertState[]) => alerts.map((a) => `${a.labels.alertname}${JSON.stringify(a.labels)} ${a.state}`).join('\n');

  beforeAll(async () => {
    await requireServers();
    const healthyUrl = await healthy.start();
    hangingUrl = await hanging.start();
    hanging.script('/hang', [], { kind: 'hang' });
    slowUrl = await slow.start();
    slow.script('/slow', [], { kind: 'delay', ms: 500, status: 200 });

    await postgresProxy.start();
    const viaProxy = new URL(TEST_SERVERS.postgresUrl);
    viaProxy.host = postgresProxy.address;
    const env = pipelineTestEnv(prefix, { database: uniqueDatabase('dashboards'), operatorToken: OPERATOR_TOKEN }, {
      // the delivery log's PostgreSQL through the proxy: the last test takes it away
      MANAGEMENT_POSTGRES_URL: viaProxy.toString(),
      DISPATCHER_ATTEMPT_TIMEOUT_MS: '1000',
      DISPATCHER_TARGET_CONCURRENCY: '1',
      DISPATCHER_BREAKER_CONSECUTIVE_FAILURES: '2',
      DISPATCHER_BREAKER_VOLUME: '2',
      DISPATCHER_BREAKER_RESET_MS: '300000',
      DISPATCHER_RETRY_DELAYS_MS: '500,1000,2000,4000,8000',
      DISPATCHER_MAX_ATTEMPTS: '2',
      ENRICHER_HANGUP_SETTLE_MS: '200',
      ENRICHER_REPORTING_GRACE_MS: '200',
    });
    services = pipelineServices(env);
    await startInTurn(services);
    prometheus = await PrometheusServer.start({
      targets: services.map((s) => ({ job: s.name, address: `127.0.0.1:${s.port}` })),
      ruleFiles: [RULES],
    });
    await eventually(async () => {
      const up = await prometheus.targetsUp();
      if (services.some((s) => !up[s.name])) throw new Error(`targets not up yet: ${JSON.stringify(up)}`);
    }, 30_000);

    const api = await ManagementClient.forNewCustomer(services[0].url, OPERATOR_TOKEN, 'dash-cust');
    await api.request('PUT', '/v1/environments/env-1', { name: 'Dashboards', timezone: 'UTC' });
    const ids: string[] = [];
    const create = async (event: string, url: string) => ids.push((await api.request<{ id: string }>('POST', '/v1/webhooks', { event, method: 'POST', url, body: null })).id);
    await create('Call:Ringing', `${healthyUrl}/ok`);
    await create('Call:Answer', `${hangingUrl}/hang`);
    for (let i = 0; i < SLOW_WEBHOOKS; i++) await create('Call:Hangup', `${slowUrl}/slow`);
    await api.request('PUT', '/v1/environments/env-1/webhooks', { webhook_ids: ids });
    await eventually(async () => {
      const [unpublished] = await prometheus.query('max(callhooks_config_unpublished)');
      if (!unpublished || unpublished.value[1] !== '0') throw new Error('config not yet published');
    }, 30_000);
    await new Promise((r) => setTimeout(r, 1500));
  }, 300_000);

  afterAll(async () => {
    await squatter?.disconnect();
    await prometheus?.stop();
    await postgresProxy.restore();
    for (const s of [...services].reverse()) await s.stop();
    await postgresProxy.stop();
    await Promise.all([healthy.stop(), hanging.stop(), slow.stop()]);
  });

  it('reads the files the Helm chart ships', () => {
    expect(realpathSync(CHART_FILES.rules)).toBe(realpathSync(RULES));
    expect(realpathSync(CHART_FILES.dashboard)).toBe(realpathSync(DASHBOARDS[0]));
    expect(alertRules(RULES).length).toBeGreaterThan(10);
  });

  it('has no alert pending or firing before the faults', async () => {
    expect(describeAlerts(await active())).toBe('');
  });

  it('answers every query of every dashboard panel with series once calls flow and faults happen', async () => {
    const sender = new CallLegSender({ logLevel: 'warn', ...testKafkaSettings(prefix) });
    await sender.ensureTopic();
    const calls: SimulatedCall[] = [];
    for (let i = 0; i < CALLS; i++) calls.push(simulateCall(SCENARIOS[i % SCENARIOS.length], { seed: 500 + i, customerId: 'dash-cust', environmentId: 'env-1', environmentName: 'Dashboards' }));
    await sender.send(calls.flatMap((c) => c.legs));
    await sender.close();

    // a record that is not Avro on the legs topic: the enricher sets it aside to the dead-letter topic
    const kafka = createKafka(testKafkaSettings(prefix).kafka, createLogger('dashboards-e2e', 'warn'));
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: `${prefix}telephony.call-legs.v1`, messages: [{ key: 'not-avro', value: Buffer.from('this is not an Avro record') }] });
    await producer.disconnect();

    const queries = DASHBOARDS.flatMap((file) => dashboardQueries(file));
    expect(queries.length).toBeGreaterThan(30);
    let empty: string[] = [];
    await eventually(
      async () => {
        empty = [];
        for (const q of queries) {
          const result = await prometheus.query(concreteQuery(q.expr));
          if (result.length === 0) empty.push(`"${q.panel}" ${q.refId}: ${q.expr}`);
        }
        if (empty.length > 0) throw new Error(`panel queries with no series:\n${empty.join('\n')}`);
      },
      120_000,
      2_000,
    );
    expect(empty).toEqual([]);
  }, 180_000);

  it('puts the alerts of the injected faults in pending or firing', async () => {
    const expected: Array<{ alert: string; matches: (labels: Record<string, string>) => boolean }> = [
      { alert: 'CallhooksBreakerOpenLong', matches: (l) => l.target?.includes(new URL(hangingUrl).port) },
      { alert: 'CallhooksDeadLetterRecords', matches: (l) => l.topic?.includes('telephony.call-legs') },
    ];
    await eventually(
      async () => {
        const alerts = await active();
        const missing = expected.filter((e) => !alerts.some((a) => a.labels.alertname === e.alert && e.matches(a.labels)));
        if (missing.length > 0) throw new Error(`not pending or firing: ${missing.map((m) => m.alert).join(', ')}; active:\n${describeAlerts(alerts)}`);
      },
      120_000,
      2_000,
    );
  }, 150_000);

  it('puts CallhooksServiceAbsent in pending for a consumer that is down', async () => {
    const matcher = services.find((s) => s.name === 'matcher')!;
    await matcher.stop();
    await eventually(
      async () => {
        const alerts = await active();
        if (!alerts.some((a) => a.labels.alertname === 'CallhooksServiceAbsent' && a.labels.service === 'matcher')) throw new Error(`active:\n${describeAlerts(alerts)}`);
        // the others are still there
        expect(alerts.filter((a) => a.labels.alertname === 'CallhooksServiceAbsent').map((a) => a.labels.service)).toEqual(['matcher']);
      },
      60_000,
      1_000,
    );
  }, 90_000);

  it('puts CallhooksConsumerDown in pending for a consumer its group refuses', async () => {
    const matcher = services.find((s) => s.name === 'matcher')!;
    const group = `${prefix}callhooks-matcher`;
    const kafka = createKafka(testKafkaSettings(prefix).kafka, createLogger('dashboards-e2e', 'warn'));
    squatter = kafka.consumer({ groupId: group, partitionAssigners: [foreignProtocol] });
    const joined = new Promise<void>((resolve) => squatter!.on(squatter!.events.GROUP_JOIN, () => resolve()));
    await squatter.connect();
    await squatter.subscribe({ topics: [`${prefix}${topicSpec('callEvents').name}`] });
    await squatter.run({ autoCommit: false, eachBatch: async () => undefined });
    await joined;

    await matcher.start();
    await eventually(async () => {
      const res = await fetch(`${matcher.url}/readyz`, { signal: AbortSignal.timeout(3000) });
      expect(res.status).toBe(503);
      expect(await res.text()).toContain(`consumer ${group} has not joined its group`);
    }, 60_000);
    await eventually(
      async () => {
        const alerts = await active();
        if (!alerts.some((a) => a.labels.alertname === 'CallhooksConsumerDown' && a.labels.service === 'matcher' && a.labels.group === group)) throw new Error(`active:\n${describeAlerts(alerts)}`);
      },
      60_000,
      1_000,
    );
  }, 120_000);

  it('puts CallhooksConsumerLagGrowing in pending while events pile up for a group that cannot consume', async () => {
    expect(squatter).toBeDefined();
    const group = `${prefix}callhooks-matcher`;
    const sender = new CallLegSender({ logLevel: 'warn', ...testKafkaSettings(prefix) });
    // a customer without webhooks: once the group is free again the matcher has nothing to deliver
    const calls: SimulatedCall[] = [];
    for (let i = 0, events = 0; events < RECORDS_BEHIND; i++) {
      const call = simulateCall(SCENARIOS[i % SCENARIOS.length], { seed: 9000 + i, customerId: 'lag-cust', environmentId: 'env-lag', environmentName: 'Lag' });
      calls.push(call);
      events += call.truth.events.length;
    }
    await sender.send(calls.flatMap((c) => c.legs));
    await sender.close();
    await eventually(
      async () => {
        const alerts = await active();
        const lagging = alerts.find((a) => a.labels.alertname === 'CallhooksConsumerLagGrowing' && a.labels.group === group);
        if (!lagging) throw new Error(`active:\n${describeAlerts(alerts)}`);
        expect(lagging.labels.topic).toBe(`${prefix}${topicSpec('callEvents').name}`);
        expect(Number(lagging.value)).toBeGreaterThan(1000);
      },
      120_000,
      2_000,
    );
  }, 150_000);

  it('puts CallhooksConsumerLagGrowing and CallhooksConsumerBatchRetrying in pending for a delivery log whose database is away', async () => {
    const group = `${prefix}callhooks-delivery-log`;
    const kafka = new KafkaContext({ service: 'dashboards-e2e', logLevel: 'warn', ...testKafkaSettings(prefix) }, new Registry(), new ReadinessChecks());
    const results = Array.from({ length: RECORDS_BEHIND }, () => testDeliveryResult({ customer_id: 'dash-cust', environment_id: 'env-1' }));
    await postgresProxy.cut();
    try {
      for (let i = 0; i < results.length; i += 500) await kafka.send('deliveryResults', results.slice(i, i + 500).map((r) => ({ key: r.delivery_id, value: r })));
      await eventually(
        async () => {
          const alerts = await active();
          const missing = ['CallhooksConsumerLagGrowing', 'CallhooksConsumerBatchRetrying'].filter((name) => !alerts.some((a) => a.labels.alertname === name && a.labels.group === group));
          if (missing.length > 0) throw new Error(`not pending or firing for ${group}: ${missing.join(', ')}; active:\n${describeAlerts(alerts)}`);
        },
        // the retry alert wants 0.05 retries/s over its 10-minute window: 30 retries, each a
        // refused connection and a backoff (up to 5 s), on each of the 3 partitions
        240_000,
        2_000,
      );
      // retried well past the point where a failing record is dead-lettered (30 retries, 3 partitions), and none was
      const [deadLettered] = await prometheus.query(`sum(callhooks_dead_letter_records_total{service="management-api"}) or vector(0)`);
      expect(deadLettered.value[1]).toBe('0');
    } finally {
      await postgresProxy.restore();
      await kafka.onApplicationShutdown();
    }
    // the delivery log writes again once the database is back (catching up on the whole backlog
    // of this run's results takes FerretDB minutes here; services/management-api/test/
    // delivery-log-outage.int-spec.ts checks that a result sent during an outage is written)
    const processed = `sum(callhooks_consumer_records_total{group="${group}", outcome="processed"})`;
    const [atRestore] = await prometheus.query(processed);
    await eventually(
      async () => {
        const [now] = await prometheus.query(processed);
        expect(Number(now.value[1])).toBeGreaterThan(Number(atRestore.value[1]));
      },
      180_000,
      2_000,
    );
  }, 480_000);
});
