// A webhook receiver for the local demo: prints every delivery it gets, one JSON line each,
// and verifies Standard Webhooks signatures when SAMPLE_RECEIVER_SECRETS names the secrets.
//   node dist/scripts/sample-receiver.js [--port 4000]
import { parseArgs } from 'node:util';
import { Webhook } from 'standardwebhooks';
import { RecordingReceiver } from '@callhooks/testing';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { port: { type: 'string', default: '4000' }, host: { type: 'string', default: '127.0.0.1' } } });
  const receiver = new RecordingReceiver();
  const base = await receiver.start(Number(values.port), values.host);
  const secrets = (process.env.SAMPLE_RECEIVER_SECRETS ?? '').split(',').filter(Boolean);
  let printed = 0;
  setInterval(() => {
    for (; printed < receiver.requests.length; printed++) {
      const r = receiver.requests[printed];
      const signature = secrets.length === 0 ? 'not checked' : secrets.some((s) => verifies(s, r.body || new URLSearchParams(r.query).toString(), r.headers)) ? 'valid' : 'INVALID';
      console.log(
        JSON.stringify({ at: new Date(r.receivedAt).toISOString(), method: r.method, path: r.path, webhook_id: r.headers['webhook-id'], signature, query: r.query, body: tryJson(r.body) }),
      );
    }
  }, 200).unref();
  console.log(JSON.stringify({ msg: `sample receiver listening on ${base} — point webhooks at ${base}/<anything>` }));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void receiver.stop().then(() => process.exit(0)));
}

function verifies(secret: string, payload: string, headers: Record<string, unknown>): boolean {
  try {
    new Webhook(secret).verify(payload, headers as Record<string, string>);
    return true;
  } catch {
    return false;
  }
}

function tryJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
