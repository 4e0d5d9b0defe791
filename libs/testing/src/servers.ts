import { randomBytes } from 'node:crypto';
import { Socket } from 'node:net';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { loadConfig, commonEnvSchema, kafkaSettings, registrySettings, type KafkaSettings, type RegistrySettings } from '@callhooks/config';

/** Where the real servers of `deploy/local/infra.sh` listen (overridable like the services' own settings). */
export const TEST_SERVERS = {
  kafkaBrokers: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
  registryUrl: process.env.SCHEMA_REGISTRY_URL ?? 'http://127.0.0.1:8081/apis/ccompat/v7',
  mongoUri: process.env.MONGODB_URI ?? 'mongodb://127.0.0.1:27017',
  /** The PostgreSQL database the management API's delivery log is tested in: a schema per test in it (testPostgresSchema). */
  postgresUrl: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:55432/postgres',
};

/**
 * A fresh topic prefix per test file, so test runs never see each other's records: of its own
 * topics and consumer groups. Under jest it carries the run's tag
 * (libs/testing/jest/global-setup.js), by which the run's teardown deletes its topics.
 */
export function uniquePrefix(label: string): string {
  const run = process.env.CALLHOOKS_TEST_RUN;
  return `t-${label}-${run ? `${run}-` : ''}${randomBytes(4).toString('hex')}.`;
}

export function uniqueDatabase(label: string): string {
  return `t_${label.replace(/[^a-z0-9]/gi, '_')}_${randomBytes(4).toString('hex')}`;
}

/**
 * The PostgreSQL schema of a test (of its topic prefix): the management API started with
 * testEnv(prefix) creates it with its tables at start-up, so every test, in process or in a
 * service process, has a delivery log of its own; dropTestPostgresSchema removes it.
 * (PostgreSQL creates no database on first use as MongoDB does, and testEnv is synchronous.)
 */
export function testPostgresSchema(prefix: string): string {
  return prefix
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 63);
}

/** Drops a test's PostgreSQL schema and everything in it (a test's cleanup; harmless when it does not exist). */
export async function dropTestPostgresSchema(prefix: string): Promise<void> {
  const client = new Client({ connectionString: TEST_SERVERS.postgresUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${testPostgresSchema(prefix)} CASCADE`);
  } finally {
    await client.end();
  }
}

/**
 * Deletes the Kafka topics whose names start with `prefix`: a benchmark's cleanup (a test run's
 * topics go by its tag in jest's global teardown; a benchmark run has no tag). Without it every
 * run leaves its topics, and a shared local broker with tens of thousands of partitions runs out
 * of file handles. Best effort like that teardown: a broker that is down or slow leaves them for
 * later and nothing fails. Returns how many were deleted.
 */
export async function deleteTestTopics(prefix: string): Promise<number> {
  const admin = new Kafka({
    clientId: 'callhooks-test-cleanup',
    brokers: TEST_SERVERS.kafkaBrokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 1 },
    connectionTimeout: 2000,
  }).admin();
  try {
    await admin.connect();
    const ours = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (ours.length > 0) await admin.deleteTopics({ topics: ours, timeout: 30_000 });
    return ours.length;
  } catch {
    return 0;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** The environment a service under test is started with: the real servers, a unique prefix, quiet logs. */
export function testEnv(prefix: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
    HTTP_HOST: '127.0.0.1',
    KAFKA_BROKERS: TEST_SERVERS.kafkaBrokers,
    SCHEMA_REGISTRY_URL: TEST_SERVERS.registryUrl,
    KAFKA_TOPIC_PREFIX: prefix,
    KAFKA_TOPIC_PARTITIONS: '3',
    // the lag gauge within a second of a commit, so tests need not wait out the 15 s default
    KAFKA_LAG_REFRESH_MS: '1000',
    // the management API's delivery log: a schema of this test's own
    MANAGEMENT_POSTGRES_URL: TEST_SERVERS.postgresUrl,
    MANAGEMENT_POSTGRES_SCHEMA: testPostgresSchema(prefix),
    ...extra,
  };
}

/**
 * The environment of the four services in an end-to-end test: a database of its own, the
 * operator's token, receivers on loopback allowed, and the enricher's waits and the API's
 * reconcile interval short, so a call's last events and a published change come within a second.
 */
export function pipelineTestEnv(
  prefix: string,
  options: { database: string; operatorToken: string },
  extra: Record<string, string> = {},
): Record<string, string> {
  return testEnv(prefix, {
    MONGODB_URI: `${TEST_SERVERS.mongoUri}/${options.database}`,
    MANAGEMENT_OPERATOR_TOKEN: options.operatorToken,
    MANAGEMENT_ALLOW_PRIVATE_TARGETS: 'true',
    DISPATCHER_ALLOW_PRIVATE_TARGETS: 'true',
    ENRICHER_REPORTING_GRACE_MS: '300',
    ENRICHER_HANGUP_SETTLE_MS: '300',
    MANAGEMENT_RECONCILE_INTERVAL_MS: '500',
    ...extra,
  });
}

export function testKafkaSettings(prefix: string): { kafka: KafkaSettings; registry: RegistrySettings } {
  const e = loadConfig('test', commonEnvSchema, testEnv(prefix));
  return { kafka: kafkaSettings(e, 'test'), registry: registrySettings(e) };
}

/**
 * Fails loudly when a real server is not listening: integration tests never pass, and never
 * skip, without Kafka, the registry, FerretDB and PostgreSQL.
 */
export async function requireServers(which: Array<'kafka' | 'registry' | 'mongo' | 'postgres'> = ['kafka', 'registry', 'mongo', 'postgres']): Promise<void> {
  const targets: Record<string, string> = {
    kafka: TEST_SERVERS.kafkaBrokers.split(',')[0],
    registry: new URL(TEST_SERVERS.registryUrl).host,
    mongo: new URL(TEST_SERVERS.mongoUri.replace(/^mongodb(\+srv)?:/, 'http:')).host || '127.0.0.1:27017',
    postgres: new URL(TEST_SERVERS.postgresUrl.replace(/^postgres(ql)?:/, 'http:')).host || '127.0.0.1:5432',
  };
  for (const name of which) {
    const [host, port] = targets[name].split(':');
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.setTimeout(1000);
      s.once('connect', () => (s.destroy(), resolve(true)));
      s.once('error', () => resolve(false));
      s.once('timeout', () => (s.destroy(), resolve(false)));
      s.connect(Number(port), host);
    });
    if (!ok) throw new Error(`${name} is not listening on ${host}:${port}: start the servers with \`bash deploy/local/infra.sh start\``);
  }
}

/** Polls until the check passes or the time is up; the last failure is the error. */
export async function eventually<T>(check: () => Promise<T> | T, timeoutMs = 30000, intervalMs = 200): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      last = err;
    }
    if (Date.now() > end) throw last;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
