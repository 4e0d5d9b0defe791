// node dist/services/management-api/bench/nested-body-stall.bench.js --url http://127.0.0.1:3000 --key chk_… [--senders 20 --depth 200000 --rounds 3]
// Issue 14's attack on a running management API: `senders` concurrent PUTs of a JSON body
// nested `depth` levels (400 KB at 200,000), with a valid key and with a wrong one, while
// /healthz is asked every 5 ms. Prints the slowest /healthz answer of each round (how long
// the API's event loop was held) and the statuses the attack got. Run the API in its own
// process (e.g. from dist/) so the figures are its event loop, not this one's.
import { parseArgs } from 'node:util';

/** Milliseconds until /healthz answered (or failed: a reset connection still ends the wait). */
async function timed(url: string): Promise<number> {
  const start = performance.now();
  await fetch(url).then(
    (r) => r.arrayBuffer(),
    () => undefined,
  );
  return performance.now() - start;
}

async function round(base: string, key: string, senders: number, body: string): Promise<{ worstHealthzMs: number; statuses: Record<number, number> }> {
  let attacking = true;
  let worst = 0;
  const probe = (async () => {
    while (attacking) {
      worst = Math.max(worst, await timed(`${base}/healthz`));
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  const statuses: Record<number, number> = {};
  await Promise.all(
    Array.from({ length: senders }, async () => {
      const status = await fetch(`${base}/v1/environments/stall`, {
        method: 'PUT',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
        body,
      }).then(
        async (res) => (await res.arrayBuffer(), res.status),
        () => 0, // connection reset
      );
      statuses[status] = (statuses[status] ?? 0) + 1;
    }),
  );
  attacking = false;
  await probe;
  return { worstHealthzMs: Math.round(worst), statuses };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: 'http://127.0.0.1:3000' },
      key: { type: 'string' },
      senders: { type: 'string', default: '20' },
      depth: { type: 'string', default: '200000' },
      rounds: { type: 'string', default: '3' },
    },
  });
  if (!values.key) throw new Error('--key chk_… (a customer API key of the running API) is required');
  const depth = Number(values.depth);
  const body = '['.repeat(depth) + '1' + ']'.repeat(depth);
  const wrongKey = `chk_${'A'.repeat(43)}`;
  console.log(`body ${body.length} bytes, nested ${depth} levels, ${values.senders} concurrent senders`);
  console.log(`idle /healthz: ${Math.round(await timed(`${values.url}/healthz`))} ms`);
  for (let i = 0; i < Number(values.rounds); i++) {
    for (const [label, key] of [
      ['valid key', values.key],
      ['wrong key', wrongKey],
    ] as const) {
      const r = await round(values.url, key, Number(values.senders), body);
      console.log(`round ${i + 1}, ${label}: slowest /healthz ${r.worstHealthzMs} ms, statuses ${JSON.stringify(r.statuses)}`);
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
