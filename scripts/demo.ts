// The demo (run it while `npm run up` is running): creates a customer, an environment, one
// webhook per event type pointing at the sample receiver, simulates calls, then shows the
// deliveries arriving in the delivery log. The receiver prints each request as a [receiver] line.
//   npm run demo [-- --calls 6]
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { EVENT_NAMES, type EventName } from '@callhooks/contracts';
import { SCENARIOS, simulateCall } from '@callhooks/call-simulator';
import { CallLegSender } from '@callhooks/call-simulator/call-leg.sender';
import { loadSimulatorConnection } from '@callhooks/call-simulator/config/simulator.config';
import { ManagementClient } from '@callhooks/testing';

interface DeliveryRow {
  id: string;
  event: string;
  status: string;
  call_uuid: string | null;
  method: string;
  attempt_count: number;
  last_attempt_at: string | null;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      api: { type: 'string', default: 'http://127.0.0.1:3000' },
      receiver: { type: 'string', default: 'http://127.0.0.1:4000' },
      calls: { type: 'string', default: String(SCENARIOS.length) },
    },
  });
  const token = readFileSync(join(__dirname, '..', '..', '.local', 'operator-token'), 'utf8').trim();
  const customerId = `demo-${randomBytes(3).toString('hex')}`;
  const api = await ManagementClient.forNewCustomer(values.api, token, customerId);
  console.log(`customer ${customerId} created, with an API key`);

  await api.request('PUT', '/v1/environments/demo-env', { name: 'Demo environment', timezone: 'Asia/Jerusalem' });
  const ids: string[] = [];
  for (const event of EVENT_NAMES) {
    const slug = event.replace(':', '-').toLowerCase();
    const hook = await api.request<{ id: string }>('POST', '/v1/webhooks', {
      event,
      method: 'POST',
      url: `${values.receiver}/demo/${slug}`,
      body: JSON.stringify({ event: event, call: '{{uuid}}', state: '{{call_state}}', from: '{{caller_id_number}}', started: '{{start_at}}', summary: '{{direction}} call, {{duration_time}}' }),
      description: `Demo: ${event}`,
    });
    ids.push(hook.id);
  }
  const getHook = await api.request<{ id: string }>('POST', '/v1/webhooks', {
    event: 'Call:Reporting' satisfies EventName,
    method: 'GET',
    url: `${values.receiver}/demo/billing`,
    body: JSON.stringify({ call: '{{uuid}}', billed: '{{billing_duration}}', cause: '{{cause}}' }),
    description: 'Demo: billing system, GET',
  });
  ids.push(getHook.id);
  await api.request('PUT', '/v1/environments/demo-env/webhooks', { webhook_ids: ids });
  console.log(`${ids.length} webhooks created and subscribed in environment demo-env (Asia/Jerusalem)`);
  // config reaches the matcher and dispatcher through the compacted config topic
  await new Promise((r) => setTimeout(r, 2000));

  const sender = new CallLegSender(loadSimulatorConnection());
  await sender.ensureTopic();
  const calls = Array.from({ length: Number(values.calls) }, (_, i) =>
    simulateCall(SCENARIOS[i % SCENARIOS.length], { seed: Date.now() + i, startAt: Date.now() - 120_000, customerId, environmentId: 'demo-env', environmentName: 'Demo environment' }),
  );
  await sender.send(calls.flatMap((c) => c.legs));
  await sender.close();
  const expected = calls.reduce((n, c) => n + c.truth.events.length, 0) + calls.length; // + the GET per Call:Reporting
  console.log(`${calls.length} calls simulated (${calls.map((c) => c.scenario).join(', ')}): expecting ${expected} deliveries`);

  const started = Date.now();
  let rows: DeliveryRow[] = [];
  while (Date.now() - started < 60_000) {
    rows = (await api.request<{ data: DeliveryRow[] }>('GET', '/v1/deliveries?limit=200')).data;
    const done = rows.filter((r) => r.status === 'SUCCEEDED').length;
    process.stdout.write(`\rdeliveries succeeded: ${done}/${expected}   `);
    if (done >= expected) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  console.log('\n\nThe delivery log (GET /v1/deliveries):');
  console.table(rows.map((r) => ({ event: r.event, method: r.method, status: r.status, call: r.call_uuid?.slice(0, 8), attempts: r.attempt_count, 'last attempt': r.last_attempt_at })));
  console.log('Each delivery with its attempts (status, latency, response snippet): GET /v1/deliveries/<id>.');
  console.log(`\nSign in to the console at ${values.api}/console with an API key of ${customerId} (create one with the operator token: POST /v1/customers/${customerId}/api-keys).`);
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
