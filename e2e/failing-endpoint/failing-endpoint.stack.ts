import { randomUUID } from 'node:crypto';
import mongoose from 'mongoose';
import { Registry } from 'prom-client';
import { targetOrigin, type DeliveryJob } from '@callhooks/contracts';
import { KafkaContext } from '@callhooks/kafka';
import { ReadinessChecks } from '@callhooks/observability';
import { dropTestPostgresSchema, eventually, ManagementClient, MONGO_URI, requireServers, ServiceProcess, testEnv, testKafkaSettings, uniqueDatabase, uniquePrefix } from '@callhooks/testing';

const OPERATOR_TOKEN = 'failing-endpoint-e2e-operator-token-0123';

export interface WebhookView {
  id: string;
  url: string;
  enabled: boolean;
  disabled_reason: string | null;
  disabled_at?: string | null;
}

/**
 * The management API and the dispatcher from the build, against the real servers, with a
 * customer and a Kafka context of the test's own: webhooks are made through the API, and
 * delivery jobs are produced to the deliveries topic as the matcher would (the events'
 * origin does not matter to what these tests look at, and it saves two services' CPU).
 */
export class FailingEndpointStack {
  readonly prefix: string;
  readonly database: string;
  readonly customerId: string;
  api!: ManagementClient;
  services: ServiceProcess[] = [];
  private kafka?: KafkaContext;

  constructor(
    name: string,
    private readonly env: Record<string, string>,
  ) {
    this.prefix = uniquePrefix(name);
    this.database = uniqueDatabase(name);
    this.customerId = `cust-${this.prefix.slice(2, 12).replace(/\W/g, '')}`;
  }

  commonEnv(): Record<string, string> {
    return testEnv(this.prefix, {
      MONGODB_URI: `${MONGO_URI}/${this.database}`,
      MANAGEMENT_OPERATOR_TOKEN: OPERATOR_TOKEN,
      MANAGEMENT_ALLOW_PRIVATE_TARGETS: 'true',
      MANAGEMENT_RECONCILE_INTERVAL_MS: '500',
      MANAGEMENT_DELIVERY_LOG_FETCH_LINGER_MS: '50',
      DISPATCHER_ALLOW_PRIVATE_TARGETS: 'true',
      DISPATCHER_RETRY_JITTER: '0',
      DISPATCHER_BATCH_DEADLINE_MS: '500',
      DISPATCHER_FETCH_MAX_WAIT_MS: '100',
      ...this.env,
    });
  }

  async start(): Promise<void> {
    await requireServers();
    const env = this.commonEnv();
    this.services = [new ServiceProcess('management-api', env), new ServiceProcess('dispatcher', env)];
    // one at a time: two Node processes booting at once on two cores only slows both
    for (const s of this.services) await s.start().then((p) => p.ready());
    this.api = await ManagementClient.forNewCustomer(this.apiProcess.url, OPERATOR_TOKEN, this.customerId);
    this.kafka = new KafkaContext({ service: 'failing-endpoint-test', logLevel: 'warn', ...testKafkaSettings(this.prefix) }, new Registry(), new ReadinessChecks());
  }

  get apiProcess(): ServiceProcess {
    return this.services[0];
  }

  get dispatcher(): ServiceProcess {
    return this.services[1];
  }

  async createWebhook(url: string, extra: Record<string, unknown> = {}): Promise<WebhookView> {
    return this.api.request<WebhookView>('POST', '/v1/webhooks', { event: 'Call:Hangup', method: 'POST', url, ...extra });
  }

  /** Waits until the API has published every change, and gives the dispatcher's view its round trip. */
  async configPublished(): Promise<void> {
    await eventually(async () => {
      const m = await (await fetch(`${this.apiProcess.url}/metrics`)).text();
      const unpublished = /^callhooks_config_unpublished(?:\{[^}]*\})? (\d+)/m.exec(m);
      if (!unpublished || Number(unpublished[1]) !== 0) throw new Error('config not yet published');
    }, 30_000);
    await new Promise((r) => setTimeout(r, 1500));
  }

  /** Delivery jobs for a webhook, as the matcher makes them (one per event, keyed by target origin). */
  jobs(webhook: WebhookView, count: number, over: Partial<DeliveryJob> = {}): DeliveryJob[] {
    return Array.from({ length: count }, (_, i) => {
      const id = randomUUID();
      return {
        delivery_id: id,
        webhook_id: webhook.id,
        customer_id: this.customerId,
        environment_id: 'env-1',
        event_id: `evt-${id}`,
        event: 'Call:Hangup',
        call_uuid: randomUUID(),
        origin: 'EVENT',
        method: 'POST',
        url: webhook.url,
        body: JSON.stringify({ n: i, delivery: id }),
        headers: {},
        attempt: 1,
        created_at: Date.now(),
        not_before: null,
        ...over,
      } satisfies DeliveryJob;
    });
  }

  async publish(jobs: DeliveryJob[]): Promise<void> {
    for (let i = 0; i < jobs.length; i += 500) {
      await this.kafka!.send(
        'deliveries',
        jobs.slice(i, i + 500).map((job) => ({ key: targetOrigin(job.url), value: job })),
      );
    }
  }

  logs(): string {
    return this.services.map((s) => `--- ${s.name}\n${s.logs()}`).join('\n');
  }

  async stop(): Promise<void> {
    for (const s of [...this.services].reverse()) await s.stop();
    await this.kafka?.onApplicationShutdown();
    // the test's own databases go with it
    const db = await mongoose.createConnection(`${MONGO_URI}/${this.database}`).asPromise();
    await db.dropDatabase().catch(() => undefined);
    await db.close();
    await dropTestPostgresSchema(this.prefix).catch(() => undefined);
  }
}
