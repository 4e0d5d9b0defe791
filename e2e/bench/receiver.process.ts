// The benchmark's healthy receiver, in a process of its own (forked by pipeline.bench.ts):
// a customer's endpoint does not share an event loop with the load generator, and the
// load generator's bursts of produce work would otherwise show up as attempt latency.
// It answers 200, keeps what the bench needs of each request, and hands them over on request.
// With `targets` > 1 it listens on that many ports: each port is a target origin of its own
// for the dispatcher (its own breaker, slots and partition key), as 50 customers would be.
import { fork, type ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { RecordingReceiver } from '@callhooks/testing';

/** What the bench keeps of one received request. */
export interface BenchRequest {
  body: string;
  webhookId: string;
  receivedAt: number;
}

export type ReceiverCommand = { id: number; kind: 'count' } | { id: number; kind: 'take' } | { id: number; kind: 'loop-delay-reset' };
export type ReceiverReply =
  | { kind: 'ready'; urls: string[] }
  | { id: number; kind: 'count'; count: number }
  | { id: number; kind: 'take'; requests: BenchRequest[]; loopDelay: { p50: number; p99: number; max: number } }
  | { id: number; kind: 'loop-delay-reset' };

type Reply<K extends ReceiverCommand['kind']> = Extract<ReceiverReply, { kind: K; id: number }>;

/** The bench's side: forks this file and asks the receiver for what it got. */
export class ForkedReceiver {
  private child?: ChildProcess;
  private nextId = 1;
  private readonly pending = new Map<number, (reply: ReceiverReply) => void>();

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Starts the receiver on `targets` ports; returns their base URLs. */
  async start(targets = 1): Promise<string[]> {
    const child = fork(__filename, [String(targets)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.child = child;
    return new Promise((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the bench receiver exited (${code})`)));
      child.on('message', (reply: ReceiverReply) => {
        if (reply.kind === 'ready') return resolve(reply.urls);
        this.pending.get(reply.id)?.(reply);
        this.pending.delete(reply.id);
      });
    });
  }

  /** Distinct webhook-ids received since the last take. */
  async count(): Promise<number> {
    return (await this.ask('count')).count;
  }

  /** Every request received since the last take, and the receiver's event loop delay since the last reset. */
  async take(): Promise<Reply<'take'>> {
    return this.ask('take');
  }

  async resetLoopDelay(): Promise<void> {
    await this.ask('loop-delay-reset');
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.disconnect();
    });
  }

  private ask<K extends ReceiverCommand['kind']>(kind: K): Promise<Reply<K>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, (reply) => resolve(reply as Reply<K>));
      this.child!.send({ id, kind });
    });
  }
}

async function main(): Promise<void> {
  const receivers = Array.from({ length: Math.max(1, Number(process.argv[2] ?? '1')) }, () => new RecordingReceiver());
  const urls = await Promise.all(receivers.map((r) => r.start()));
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const reply = (message: ReceiverReply) => process.send!(message);
  // distinct webhook-ids since the last take: a repeated delivery must not make the bench stop waiting early
  const seen = new Set<string>();
  let scanned = receivers.map(() => 0);
  const count = () => {
    receivers.forEach((r, i) => {
      for (const q of r.requests.slice(scanned[i])) seen.add(String(q.headers['webhook-id'] ?? ''));
      scanned[i] = r.requests.length;
    });
    return seen.size;
  };
  process.on('message', (command: ReceiverCommand) => {
    if (command.kind === 'count') return reply({ id: command.id, kind: 'count', count: count() });
    if (command.kind === 'loop-delay-reset') {
      loop.reset();
      return reply({ id: command.id, kind: 'loop-delay-reset' });
    }
    seen.clear();
    scanned = receivers.map(() => 0);
    const requests = receivers.flatMap((r) => r.requests.splice(0).map((q) => ({ body: q.body, webhookId: String(q.headers['webhook-id'] ?? ''), receivedAt: q.receivedAt })));
    const ms = (ns: number) => Math.round(ns / 1e6);
    reply({ id: command.id, kind: 'take', requests, loopDelay: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max) } });
  });
  // the bench going away ends the receiver too
  process.on('disconnect', () => void Promise.all(receivers.map((r) => r.stop())).then(() => process.exit(0)));
  reply({ kind: 'ready', urls });
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
