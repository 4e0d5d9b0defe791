import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Webhook } from 'standardwebhooks';
import { eventually, freePort, RecordingReceiver, requireServers, uniquePrefix } from '@callhooks/testing';
import { deliveryJob, DispatcherHarness, newSecret } from './dispatcher-harness';

jest.setTimeout(90_000);

const MAIN = join(__dirname, '../../../dist/services/dispatcher/src/main.js');


// The dispatcher as operators run it (compiled, its own process), killed with SIGKILL while
// deliveries are in flight. At least once: every delivery arrives after a restart, and a
// delivery that arrives twice carries the same webhook-id (and a valid signature) both times.
describe('dispatcher: SIGKILL mid-stream loses no delivery', () => {
  const harness = new DispatcherHarness(uniquePrefix('crash'));
  const receiver = new RecordingReceiver();
  const secret = newSecret();
  const children: ChildProcess[] = [];
  let base: string;

  async function startDispatcher(): Promise<ChildProcess> {
    const port = await freePort();
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH ?? '', ...harness.env({ HTTP_PORT: String(port), DISPATCHER_TARGET_CONCURRENCY: '10', LOG_LEVEL: 'warn' }) },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await eventually(async () => {
      if (child.exitCode !== null) throw new Error(`dispatcher exited with ${child.exitCode}: ${stderr.slice(-2000)}`);
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      if (res.status !== 200) throw new Error(`not ready: ${res.status}`);
    }, 45_000, 250);
    return child;
  }

  beforeAll(async () => {
    await requireServers(['kafka', 'registry']);
    if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: build first (bash scripts/build.sh)`);
    base = await receiver.start();
    receiver.script('/hook', [], { kind: 'delay', ms: 100, status: 200 });
    await harness.provision();
    await harness.publishWebhook('wh-1', [secret]);
  }, 60_000);
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await harness.stop();
    await receiver.stop();
  });

  it('delivers every job at least once across a SIGKILL, repeats with the same webhook-id', async () => {
    const first = await startDispatcher();
    const jobs = Array.from({ length: 100 }, () => deliveryJob('wh-1', `${base}/hook`));
    await harness.publishJobs(jobs);
    await eventually(() => {
      if (receiver.to('/hook').length < 20) throw new Error('not mid-stream yet');
    }, 20_000, 10);
    first.kill('SIGKILL');
    await new Promise((r) => first.once('exit', r));
    const beforeRestart = new Set(receiver.to('/hook').map((r) => String(r.headers['webhook-id'])));
    expect(beforeRestart.size).toBeLessThan(jobs.length); // it really died mid-stream

    await startDispatcher();
    const ids = new Set(jobs.map((j) => j.delivery_id));
    await eventually(() => {
      const got = new Set(receiver.to('/hook').map((r) => String(r.headers['webhook-id'])));
      const missing = [...ids].filter((id) => !got.has(id));
      if (missing.length > 0) throw new Error(`${missing.length} deliveries missing`);
    }, 60_000, 250);

    const requests = receiver.to('/hook');
    const bodies = new Map(jobs.map((j) => [j.delivery_id, j.body!]));
    for (const r of requests) {
      const id = String(r.headers['webhook-id']);
      expect(ids.has(id)).toBe(true);
      // a repeat is the same message: same id, same body, signed again
      expect(r.body).toBe(bodies.get(id));
      const headers = { 'webhook-id': id, 'webhook-timestamp': String(r.headers['webhook-timestamp']), 'webhook-signature': String(r.headers['webhook-signature']) };
      expect(() => new Webhook(secret).verify(r.body, headers)).not.toThrow();
    }
  });
});
