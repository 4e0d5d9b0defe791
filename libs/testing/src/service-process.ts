import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';

/** The repository root, from the sources (libs/testing/src) or the build (dist/libs/testing/src). */
const REPO_ROOT = (() => {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

export type ServiceName = 'management-api' | 'enricher' | 'matcher' | 'dispatcher';

/** A free TCP port on loopback, for a service's HTTP server. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** The four services, in the order they are started (the API first: it creates the config topic the others read). */
export const PIPELINE_SERVICES: readonly ServiceName[] = ['management-api', 'enricher', 'matcher', 'dispatcher'];

/** The four services with one environment, not started (an afterAll can stop those that did start). */
export function pipelineServices(env: Record<string, string>): ServiceProcess[] {
  return PIPELINE_SERVICES.map((name) => new ServiceProcess(name, env));
}

/** Starts each service and waits for its readiness before the next: four Node processes booting at once on two cores only slow each other. */
export async function startInTurn(services: readonly ServiceProcess[]): Promise<void> {
  for (const s of services) await s.start().then((p) => p.ready());
}

/**
 * One service started from the build (`node dist/services/<name>/src/main.js`), as the image
 * and the Helm chart run it, with its output kept for the failure message. `ready()` waits
 * for /readyz, so consumers have joined and views caught up before a test sends traffic.
 */
export class ServiceProcess {
  private child?: ChildProcess;
  private output: string[] = [];
  port = 0;

  constructor(
    readonly name: ServiceName,
    private readonly env: Record<string, string>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async start(): Promise<this> {
    const main = join(REPO_ROOT, 'dist', 'services', this.name, 'src', 'main.js');
    if (!existsSync(main)) throw new Error(`${main} is missing: build first with \`bash scripts/build.sh\``);
    this.port ||= await freePort();
    this.output = [];
    // CALLHOOKS_SERVICE_NODE_ARGS go to each service's node, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof" to profile a benchmark
    const nodeArgs = (process.env.CALLHOOKS_SERVICE_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, main], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', ...this.env, HTTP_HOST: '127.0.0.1', HTTP_PORT: String(this.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // CALLHOOKS_TEST_LOG_DIR keeps every line of every service, for a failure to be read later
    const logDir = process.env.CALLHOOKS_TEST_LOG_DIR;
    if (logDir) mkdirSync(logDir, { recursive: true });
    const keep = (chunk: Buffer) => {
      if (logDir) appendFileSync(join(logDir, `${this.name}.log`), chunk);
      this.output.push(chunk.toString());
      if (this.output.length > 400) this.output.splice(0, this.output.length - 400);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.child = child;
    return this;
  }

  /** Resolves once /readyz answers 200; rejects with the service's last output if it exits or the time is up. */
  async ready(timeoutMs = 90_000): Promise<this> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null) {
        throw new Error(`${this.name} exited while starting:\n${this.logs()}`);
      }
      try {
        const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(3000) });
        if (res.status === 200) return this;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    throw new Error(`${this.name} not ready within ${timeoutMs} ms:\n${this.logs()}`);
  }

  /** SIGKILL: no shutdown hook runs, as when a machine dies. */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** SIGTERM: the graceful shutdown (drain, commit, leave the group). */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
  }

  logs(): string {
    return this.output.join('').split('\n').slice(-80).join('\n');
  }

  private async signal(sig: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill(sig);
    const timer = setTimeout(() => child.kill('SIGKILL'), 45_000);
    await exited;
    clearTimeout(timer);
  }
}
