/**
 * Every metric the Grafana dashboard and the Prometheus alert rules use is exported by a running
 * service. The four services start from the build (`node dist/services/<service>/src/main.js`, as in
 * the image and the Helm chart) against the real Kafka, registry and FerretDB, each /metrics is
 * scraped, and a name that appears in deploy/observability but in no scrape fails the test, named.
 * A metric family counts as exported from its `# HELP`/`# TYPE` lines, so labelled series that have
 * seen no traffic yet still count; histogram and summary queries use `<name>_bucket|_sum|_count`.
 * The other way round, the metrics catalog in deploy/observability/README.md lists exactly the
 * callhooks_* metrics the services export.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load } from 'js-yaml';
import { requireServers, ServiceProcess, TEST_SERVERS, testEnv, uniqueDatabase, uniquePrefix, type ServiceName } from '@callhooks/testing';

const REPO_ROOT = join(__dirname, '..');
const OBSERVABILITY = join(REPO_ROOT, 'deploy/observability');

/** The services, with what each needs beyond the common test environment. */
const SERVICES: Record<ServiceName, (ctx: { database: string }) => Record<string, string>> = {
  'management-api': ({ database }) => ({
    MONGODB_URI: `${TEST_SERVERS.mongoUri}/${database}`,
    MANAGEMENT_OPERATOR_TOKEN: 'metrics-catalog-operator-token-0123456789',
  }),
  enricher: () => ({}),
  matcher: () => ({}),
  dispatcher: () => ({}),
};

/**
 * Names the rules use that no callhooks service can export, with who provides them. Each must
 * still be used somewhere (checked below), so this list cannot rot.
 */
const EXTERNAL_METRICS: Record<string, string> = {
  kube_pod_container_status_ready: 'kube-state-metrics (CallhooksServiceNotReady)',
};

const PROMQL_KEYWORDS = new Set([
  'and',
  'or',
  'unless',
  'bool',
  'by',
  'without',
  'on',
  'ignoring',
  'group_left',
  'group_right',
  'offset',
  'inf',
  'nan',
  'atan2',
]);
const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

/**
 * The metric names a PromQL expression reads. Strings, Grafana variables, label matchers, range
 * selectors, grouping clauses and numbers are dropped first; what is left of the identifiers and
 * not followed by "(" (functions, aggregations) is a metric name.
 */
export function metricNamesIn(expr: string): Set<string> {
  let s = expr;
  s = s.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""');
  s = s.replace(/\$\{[^}]*\}|\[\[[^\]]*\]\]|\$[A-Za-z_][A-Za-z0-9_]*/g, ' 1 ');
  s = s.replace(/\{[^}]*\}/g, ' ');
  s = s.replace(/\[[^\]]*\]/g, ' ');
  s = s.replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  s = s.replace(/\boffset\s+-?[0-9a-zA-Z]+/g, ' ');
  s = s.replace(/(^|[^A-Za-z0-9_:])[0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?/gi, '$1 ');
  const names = new Set<string>();
  for (const m of s.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
    const rest = s.slice((m.index ?? 0) + m[0].length);
    if (/^\s*\(/.test(rest) || PROMQL_KEYWORDS.has(m[0].toLowerCase())) continue;
    names.add(m[0]);
  }
  return names;
}

interface Usage {
  name: string;
  where: string;
}

interface RuleFile {
  groups: Array<{ name: string; rules: Array<{ alert?: string; record?: string; expr: string }> }>;
}

interface DashboardPanel {
  title?: string;
  targets?: Array<{ expr?: string; refId?: string }>;
  panels?: DashboardPanel[];
}

/** Every metric name the alert rules and the dashboards use, and where. */
function usedMetrics(): Usage[] {
  const used: Usage[] = [];
  const add = (expr: string, where: string) => {
    for (const name of metricNamesIn(expr)) used.push({ name, where });
  };
  let exprs = 0;
  for (const file of readdirSync(join(OBSERVABILITY, 'rules')).filter((f) => f.endsWith('.yaml'))) {
    const rules = load(readFileSync(join(OBSERVABILITY, 'rules', file), 'utf8')) as RuleFile;
    for (const g of rules.groups) {
      for (const r of g.rules) {
        add(String(r.expr), `rules/${file} ${r.alert ?? r.record}`);
        exprs++;
      }
    }
  }
  for (const file of readdirSync(join(OBSERVABILITY, 'dashboards')).filter((f) => f.endsWith('.json'))) {
    const dash = JSON.parse(readFileSync(join(OBSERVABILITY, 'dashboards', file), 'utf8')) as {
      panels: DashboardPanel[];
      templating?: { list: Array<{ name: string; type: string; query?: unknown }> };
    };
    const visit = (p: DashboardPanel) => {
      for (const t of p.targets ?? []) {
        if (t.expr) {
          add(t.expr, `dashboards/${file} "${p.title}" ${t.refId}`);
          exprs++;
        }
      }
      (p.panels ?? []).forEach(visit);
    };
    dash.panels.forEach(visit);
    for (const v of dash.templating?.list ?? []) {
      if (v.type !== 'query') continue;
      const q = typeof v.query === 'string' ? v.query : ((v.query as { query?: string } | undefined)?.query ?? '');
      // Grafana's label_values(<selector>, <label>): only the selector is PromQL.
      const selector = /^\s*label_values\((.*),\s*[A-Za-z_][A-Za-z0-9_]*\s*\)\s*$/.exec(q)?.[1] ?? q;
      add(selector, `dashboards/${file} variable ${v.name}`);
      exprs++;
    }
  }
  if (exprs < 20) throw new Error(`only ${exprs} expressions found in ${OBSERVABILITY}: the extraction is broken`);
  return used;
}

interface Scrape {
  /** metric family name -> type, from the # HELP / # TYPE lines */
  families: Map<string, string>;
  text: string;
}

function parseExposition(text: string): Scrape {
  const families = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*)(?: (\S+))?/.exec(line);
    if (!m) continue;
    if (m[1] === 'TYPE') families.set(m[2], m[3] ?? 'untyped');
    else if (!families.has(m[2])) families.set(m[2], 'untyped');
  }
  return { families, text };
}

/** The exporting services of a queried name (histogram and summary series by their family). */
function exporters(name: string, scrapes: Map<string, Scrape>): string[] {
  const found: string[] = [];
  for (const [service, scrape] of scrapes) {
    if (scrape.families.has(name)) {
      found.push(service);
      continue;
    }
    const suffix = HISTOGRAM_SUFFIXES.find((s) => name.endsWith(s));
    const family = suffix ? scrape.families.get(name.slice(0, -suffix.length)) : undefined;
    if (family === 'histogram' || family === 'summary') found.push(service);
  }
  return found;
}

describe('metrics used by the dashboard and the alert rules', () => {
  const services: ServiceProcess[] = [];
  const scrapes = new Map<string, Scrape>();
  const failedToStart = new Map<string, string>();

  beforeAll(async () => {
    await requireServers(['kafka', 'registry', 'mongo']);
    const prefix = uniquePrefix('metrics');
    const database = uniqueDatabase('metrics');
    // Ready means started for real: consumers joined, views caught up, so every metric is registered.
    await Promise.all(
      (Object.keys(SERVICES) as ServiceName[]).map(async (name) => {
        const service = new ServiceProcess(name, testEnv(prefix, { LOG_LEVEL: 'warn', ...SERVICES[name]({ database }) }));
        services.push(service);
        try {
          await (await service.start()).ready(120_000);
          const res = await fetch(`${service.url}/metrics`, { signal: AbortSignal.timeout(5000) });
          if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
          scrapes.set(name, parseExposition(await res.text()));
        } catch (err) {
          failedToStart.set(name, (err as Error).message);
        }
      }),
    );
  }, 150_000);

  afterAll(async () => {
    await Promise.all(services.map((s) => s.stop()));
  }, 60_000);

  it('starts every service and scrapes its /metrics', () => {
    const problems = [...failedToStart].map(([service, why]) => `${service}: ${why}`);
    expect(problems).toEqual([]);
    expect([...scrapes.keys()].sort()).toEqual(Object.keys(SERVICES).sort());
  });

  it('labels every series with the service name the rules and the dashboard select on', () => {
    for (const [service, scrape] of scrapes) {
      // CallhooksServiceAbsent and the runtime panels select process_start_time_seconds{service="<name>"}
      expect(scrape.text).toMatch(new RegExp(`^process_start_time_seconds\\{[^}]*service="${service}"`, 'm'));
    }
  });

  it('finds the metric names in PromQL the way Prometheus reads them', () => {
    expect([...metricNamesIn('sum by (namespace, le) (rate(callhooks_delivery_attempt_duration_seconds_bucket{ns=~"$namespace"}[$__rate_interval]))')]).toEqual(
      ['callhooks_delivery_attempt_duration_seconds_bucket'],
    );
    expect([...metricNamesIn('topk($topn, x_total offset 5m) / on (a) group_left(b) y{l="by (z)"} > bool 0.5e3 unless absent(z)')].sort()).toEqual([
      'x_total',
      'y',
      'z',
    ]);
    expect([...metricNamesIn('label_replace(max by (pod) (kube_up == 0), "service", "$1", "container", "c-(.*)")')]).toEqual(['kube_up']);
  });

  it('exports every metric the dashboard and the alert rules use', () => {
    const used = usedMetrics();
    const names = new Set(used.map((u) => u.name));
    // The core signals must be among the extracted names, or the extraction is wrong.
    for (const core of [
      'callhooks_consumer_lag',
      'callhooks_deliveries_total',
      'callhooks_delivery_attempt_duration_seconds_bucket',
      'callhooks_breaker_state',
      'process_start_time_seconds',
    ]) {
      expect(names).toContain(core);
    }
    for (const external of Object.keys(EXTERNAL_METRICS)) expect(names).toContain(external);

    const missing = new Map<string, string[]>();
    for (const { name, where } of used) {
      if (EXTERNAL_METRICS[name] || exporters(name, scrapes).length > 0) continue;
      missing.set(name, [...(missing.get(name) ?? []), where]);
    }
    const report = [...missing].map(([name, where]) => `${name} (used in ${[...new Set(where)].join('; ')})`).sort();
    expect(report).toEqual([]);
  });

  it('lists exactly the exported callhooks_* metrics in the catalog of deploy/observability/README.md', () => {
    const readme = readFileSync(join(OBSERVABILITY, 'README.md'), 'utf8');
    const catalogued = new Set([...readme.matchAll(/^\| `(callhooks_[a-z0-9_]+)` \|/gm)].map((m) => m[1]));
    const exported = new Set([...scrapes.values()].flatMap((s) => [...s.families.keys()]).filter((n) => n.startsWith('callhooks_')));
    expect(exported.size).toBeGreaterThan(10);
    const undocumented = [...exported].filter((n) => !catalogued.has(n)).sort();
    const gone = [...catalogued].filter((n) => !exported.has(n)).sort();
    expect({ undocumented, gone }).toEqual({ undocumented: [], gone: [] });
  });
});
