// npm run simulate -- --calls 1000 --rate 200 [--customer c --environment e --seed n --shuffle --duplicate]
// Kafka and the registry come from the usual KAFKA_* / SCHEMA_REGISTRY_* variables.
import { parseArgs } from 'node:util';
import { SCENARIOS, type ScenarioName } from './call-scenarios';
import { CallLegSender } from './call-leg.sender';
import { loadSimulatorConnection } from './config/simulator.config';
import { CallTraffic } from './traffic';

const USAGE = `usage: npm run simulate -- [options]
  --calls N              calls to simulate (default 100)
  --rate R               new calls per second (default 10)
  --speedup X            play each call X times faster than real time; 0 sends a call's events at once (default 60)
  --customer ID          customer_id of the calls (default cust-sim)
  --environment ID       environment_id (default env-sim)
  --environment-name N   environment_name (default Simulated)
  --scenarios a,b        only these scenarios (default all: ${SCENARIOS.join(', ')})
  --seed N               the same seed gives the same calls (default 1)
  --shuffle              send each call's raw events in random order
  --duplicate [RATIO]    send that share of raw events twice (default 0.1 when given)
  --dry-run              print the raw events as JSON lines instead of sending them`;

function numberOption(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n < min) throw new Error(`--${name} must be a number >= ${min}, got ${JSON.stringify(value)}`);
  return n;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  // --duplicate takes an optional ratio
  const dupAt = argv.indexOf('--duplicate');
  let duplicateRatio = 0;
  if (dupAt >= 0) {
    const next = argv[dupAt + 1];
    duplicateRatio = next !== undefined && !next.startsWith('--') ? numberOption('duplicate', argv.splice(dupAt + 1, 1)[0], 0.1) : 0.1;
    argv.splice(dupAt, 1);
    if (duplicateRatio > 1) throw new Error('--duplicate takes a ratio between 0 and 1');
  }
  const { values } = parseArgs({
    args: argv,
    options: {
      calls: { type: 'string' },
      rate: { type: 'string' },
      speedup: { type: 'string' },
      customer: { type: 'string', default: 'cust-sim' },
      environment: { type: 'string', default: 'env-sim' },
      'environment-name': { type: 'string', default: 'Simulated' },
      scenarios: { type: 'string' },
      seed: { type: 'string' },
      shuffle: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const calls = Math.floor(numberOption('calls', values.calls, 100, 1));
  const rate = numberOption('rate', values.rate, 10, 0.001);
  const scenarios = (values.scenarios?.split(',').map((s) => s.trim()) ?? [...SCENARIOS]) as ScenarioName[];
  const unknown = scenarios.filter((s) => !(SCENARIOS as readonly string[]).includes(s));
  if (unknown.length > 0) throw new Error(`unknown scenarios: ${unknown.join(', ')} (known: ${SCENARIOS.join(', ')})`);
  const traffic = new CallTraffic(
    {
      seed: Math.floor(numberOption('seed', values.seed, 1)),
      rate,
      startAt: Date.now(),
      customerId: values.customer,
      environmentId: values.environment,
      environmentName: values['environment-name'],
      scenarios,
      shuffle: values.shuffle,
      duplicateRatio,
      speedup: numberOption('speedup', values.speedup, 60),
    },
    false,
  );

  if (values['dry-run']) {
    for (const { leg } of traffic.due(Number.POSITIVE_INFINITY, calls)) console.log(JSON.stringify(leg));
    return;
  }

  const sender = new CallLegSender(loadSimulatorConnection());
  try {
    await sender.ensureTopic();
    const topic = sender.kafka.topicName('callLegs');
    console.error(`sending ${calls} calls at ${rate}/s to ${topic}`);
    const done = await sender.play(traffic, {
      calls,
      progress: (p) => console.error(`${(p.elapsedMs / 1000).toFixed(0)} s: ${p.callsStarted} calls started, ${p.legsSent} raw events sent`),
    });
    console.error(`done: ${done.callsStarted} calls, ${done.legsSent} raw events in ${(done.elapsedMs / 1000).toFixed(1)} s (${Math.round(done.legsSent / (done.elapsedMs / 1000))} events/s)`);
  } finally {
    await sender.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`simulate: ${(err as Error).message ?? String(err)}`);
    process.exit(1);
  },
);
