import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { freePort } from './service-process';

const REPO_ROOT = (() => {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

export interface ScrapeTarget {
  /** The job name, and the value of the `job` label. */
  job: string;
  /** host:port of the /metrics endpoint. */
  address: string;
}

export interface PrometheusOptions {
  targets: ScrapeTarget[];
  /** Alerting and recording rule files, loaded as they are. */
  ruleFiles?: string[];
  /** Scrape and rule evaluation interval in seconds (1: a test sees changes within seconds). */
  intervalSeconds?: number;
  /** Where its config and data go (under .local/prometheus/ unless given). */
  dir?: string;
}

export interface Sample {
  metric: Record<string, string>;
  value: [number, string];
}

export interface RangeSeries {
  metric: Record<string, string>;
  values: Array<[number, string]>;
}

export interface AlertState {
  labels: Record<string, string>;
  state: 'pending' | 'firing' | 'inactive';
  value: string;
}

/**
 * A real Prometheus (Debian's package, through scripts/ensure-prometheus.sh) on a free loopback
 * port, scraping the given targets and evaluating the given rules, with its configuration
 * generated under .local/prometheus/<run>/ and its TSDB beside it.
 */
export class PrometheusServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly dir: string,
    private readonly output: string[],
  ) {}

  static binary(): string {
    const found = spawnSync('bash', [join(REPO_ROOT, 'scripts/ensure-prometheus.sh'), 'prometheus'], { encoding: 'utf8' });
    if (found.status !== 0) throw new Error(`scripts/ensure-prometheus.sh failed:\n${found.stderr}`);
    return found.stdout.trim().split('\n').pop()!;
  }

  static async start(options: PrometheusOptions): Promise<PrometheusServer> {
    const binary = PrometheusServer.binary();
    const interval = `${options.intervalSeconds ?? 1}s`;
    const dir = options.dir ?? join(REPO_ROOT, '.local', 'prometheus', `${Date.now()}-${process.pid}`);
    mkdirSync(join(dir, 'data'), { recursive: true });
    const config = {
      global: { scrape_interval: interval, evaluation_interval: interval, scrape_timeout: interval },
      rule_files: options.ruleFiles ?? [],
      scrape_configs: options.targets.map((t) => ({ job_name: t.job, static_configs: [{ targets: [t.address] }] })),
    };
    // JSON is YAML: no YAML writer needed
    writeFileSync(join(dir, 'prometheus.yml'), JSON.stringify(config, null, 2));
    const port = await freePort();
    const output: string[] = [];
    const child = spawn(
      binary,
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--storage.tsdb.retention.time=1d'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const keep = (c: Buffer) => {
      output.push(c.toString());
      if (output.length > 200) output.splice(0, output.length - 200);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const server = new PrometheusServer(child, `http://127.0.0.1:${port}`, dir, output);
    const end = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`prometheus exited while starting:\n${output.join('')}`);
      try {
        if ((await fetch(`${server.url}/-/ready`, { signal: AbortSignal.timeout(1000) })).ok) return server;
      } catch {
        // not listening yet
      }
      if (Date.now() > end) throw new Error(`prometheus not ready in 30 s:\n${output.join('')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  private async api<T>(path: string, params: Record<string, string>): Promise<T> {
    const res = await fetch(`${this.url}/api/v1/${path}`, { method: 'POST', body: new URLSearchParams(params), signal: AbortSignal.timeout(10_000) });
    const body = (await res.json()) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new Error(`prometheus ${path} ${JSON.stringify(params)}: ${body.error ?? res.status}`);
    return body.data;
  }

  /** An instant query; a scalar result comes back as one sample without labels. */
  async query(expr: string): Promise<Sample[]> {
    const data = await this.api<{ resultType: string; result: Sample[] | [number, string] }>('query', { query: expr });
    return data.resultType === 'scalar' ? [{ metric: {}, value: data.result as [number, string] }] : (data.result as Sample[]);
  }

  async queryRange(expr: string, startS: number, endS: number, stepS: number): Promise<RangeSeries[]> {
    const data = await this.api<{ result: RangeSeries[] }>('query_range', { query: expr, start: String(startS), end: String(endS), step: String(stepS) });
    return data.result;
  }

  /** Alerts now pending or firing. */
  async alerts(): Promise<AlertState[]> {
    const res = await fetch(`${this.url}/api/v1/alerts`, { signal: AbortSignal.timeout(10_000) });
    return ((await res.json()) as { data: { alerts: AlertState[] } }).data.alerts;
  }

  /** Scrape targets that are up, by job. */
  async targetsUp(): Promise<Record<string, boolean>> {
    const res = await fetch(`${this.url}/api/v1/targets`, { signal: AbortSignal.timeout(10_000) });
    const active = ((await res.json()) as { data: { activeTargets: Array<{ labels: { job: string }; health: string }> } }).data.activeTargets;
    return Object.fromEntries(active.map((t) => [t.labels.job, t.health === 'up']));
  }

  logs(): string {
    return this.output.join('').split('\n').slice(-40).join('\n');
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => r()));
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
