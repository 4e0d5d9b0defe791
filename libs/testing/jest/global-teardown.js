// Once per jest run, after every test file: deletes the Kafka topics this run made (their
// names carry its tag, see global-setup.js). Each test uses topics of its own and none deletes
// them, so without this a shared local broker gains thousands of partitions a run and, a few
// runs later, stops with "Too many open files" (a broker with ~20,000 partitions under a
// 20,000-file limit did, on 2026-12-05). Best effort: a broker that is down or slow to answer
// leaves the topics for later runs, and never fails the run.
const { Kafka, logLevel } = require('kafkajs');

const DEADLINE_MS = 60_000;
const CHUNK = 200;

/** The projects named after --selectProjects on jest's command line (none: all of them). */
function selectedProjects() {
  const at = process.argv.indexOf('--selectProjects');
  if (at < 0) return [];
  const names = [];
  for (const arg of process.argv.slice(at + 1)) {
    if (arg.startsWith('-')) break;
    names.push(arg);
  }
  return names;
}

module.exports = async () => {
  const run = process.env.CALLHOOKS_TEST_RUN;
  const selected = selectedProjects();
  // the unit tests make no topic (and run where no broker is)
  if (!run || (selected.length > 0 && !selected.includes('integration'))) return;
  const admin = new Kafka({
    clientId: 'callhooks-test-teardown',
    brokers: (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 1 },
    connectionTimeout: 2000,
  }).admin();
  const work = (async () => {
    await admin.connect();
    const ours = (await admin.listTopics()).filter((t) => t.startsWith('t-') && t.includes(`-${run}-`));
    for (let i = 0; i < ours.length; i += CHUNK) await admin.deleteTopics({ topics: ours.slice(i, i + CHUNK), timeout: 30_000 });
    return ours.length;
  })();
  let timer;
  const deadline = new Promise((resolve) => (timer = setTimeout(() => resolve('deadline'), DEADLINE_MS)));
  try {
    const outcome = await Promise.race([work, deadline]);
    if (outcome === 'deadline') console.warn(`test teardown: the run's topics not all deleted in ${DEADLINE_MS / 1000} s (left for a later run)`);
  } catch (err) {
    console.warn(`test teardown: the run's topics left in Kafka (${err.message})`);
  } finally {
    clearTimeout(timer);
    await admin.disconnect().catch(() => undefined);
  }
};
