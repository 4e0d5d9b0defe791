import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  /** The request target as sent: path and query string. */
  url: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: string;
  receivedAt: number;
}

export type ReceiverBehaviour =
  | { kind: 'status'; status: number; body?: string; headers?: Record<string, string> }
  | { kind: 'hang' }
  | { kind: 'delay'; ms: number; status: number };

/**
 * A webhook receiver for tests, benchmarks and the demo: records every request, answers
 * 200 by default, or follows a script of behaviours (500 then 200, hang, slow) per path.
 */
export class RecordingReceiver {
  readonly requests: ReceivedRequest[] = [];
  private server?: Server;
  private readonly scripts = new Map<string, ReceiverBehaviour[]>();
  private readonly defaults = new Map<string, ReceiverBehaviour>();

  /** Behaviours for the next requests to a path, in order; after them, `then` (200 by default). */
  script(path: string, behaviours: ReceiverBehaviour[], then?: ReceiverBehaviour): void {
    this.scripts.set(path, [...behaviours]);
    if (then) this.defaults.set(path, then);
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://receiver');
        this.requests.push({
          method: req.method ?? 'GET',
          url: req.url ?? '/',
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          headers: req.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          receivedAt: Date.now(),
        });
        const behaviour = this.scripts.get(url.pathname)?.shift() ?? this.defaults.get(url.pathname) ?? { kind: 'status', status: 200 };
        if (behaviour.kind === 'hang') return; // never answer: the client's timeout must end it
        const answer = (status: number, body = 'ok', headers: Record<string, string> = {}) => {
          res.writeHead(status, { 'content-type': 'text/plain', ...headers });
          res.end(body);
        };
        if (behaviour.kind === 'delay') setTimeout(() => answer(behaviour.status), behaviour.ms);
        else answer(behaviour.status, behaviour.body, behaviour.headers);
      });
    });
    this.server.keepAliveTimeout = 30000;
    await new Promise<void>((resolve) => this.server!.listen(port, host, resolve));
    const { port: bound } = this.server.address() as AddressInfo;
    return `http://${host}:${bound}`;
  }

  to(path: string): ReceivedRequest[] {
    return this.requests.filter((r) => r.path === path);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
