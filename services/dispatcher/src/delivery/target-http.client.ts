import { request as httpRequest, type ClientRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { blockedAddressIn, GuardedHttpAgent, GuardedHttpsAgent } from './target-address.guard';
import { parseRetryAfter } from './retry-schedule';

export interface HttpClientSettings {
  attemptTimeoutMs: number;
  snippetBytes: number;
  allowPrivateTargets: boolean;
  /** Sockets kept per target origin; the per-target concurrency limit is the natural value. */
  maxSocketsPerTarget: number;
}

export interface HttpRequestSpec {
  method: 'GET' | 'POST';
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

/**
 * What one attempt came to. `kind` decides what happens next:
 * success (2xx); gone (410: the receiver says the endpoint is gone for good); blocked (the
 * SSRF guard refused the address); invalid (the request itself cannot be sent, e.g. a
 * header with a newline: retrying cannot help); failure (anything else: retried).
 */
export interface HttpAttempt {
  kind: 'success' | 'failure' | 'gone' | 'blocked' | 'invalid';
  statusCode: number | null;
  /** null on success; otherwise timeout, connection_refused, connection_reset, dns, tls, http_status, redirect, blocked_address, invalid_request, network. */
  errorClass: string | null;
  latencyMs: number;
  snippet: string | null;
  retryAfterMs: number | null;
  /** Whether the failure says the target is unhealthy (counts for its breaker): 5xx, 429, timeouts, network errors. 4xx do not. */
  targetUnhealthy: boolean;
  message: string | null;
}

/**
 * HTTP to customer targets: keep-alive agents whose connections pass the SSRF guard, one
 * timeout for the whole attempt (connect, headers and the body we read), no redirects
 * (a 3xx is a failure: following it would let a receiver bounce us to an address we
 * never checked), and at most `snippetBytes` of the body read; the rest is discarded by
 * destroying the stream, which also frees us from slow-dripping bodies.
 *
 * Node's own http client: axios (used before) spent a fifth of the dispatcher's busy CPU at
 * saturation on merging its config, headers and adapters for every request (cpu profile of
 * bench:e2e, one target), for nothing this client needs.
 */
export class TargetHttpClient {
  private readonly agents: { http: GuardedHttpAgent; https: GuardedHttpsAgent };

  constructor(
    private readonly settings: HttpClientSettings,
    private readonly now: () => number = Date.now,
  ) {
    const agentOptions = { keepAlive: true, keepAliveMsecs: 10_000, maxSockets: settings.maxSocketsPerTarget, maxFreeSockets: settings.maxSocketsPerTarget, scheduling: 'lifo' as const };
    this.agents = {
      http: new GuardedHttpAgent(settings.allowPrivateTargets, agentOptions),
      https: new GuardedHttpsAgent(settings.allowPrivateTargets, agentOptions),
    };
  }

  send(request: HttpRequestSpec): Promise<HttpAttempt> {
    const started = this.now();
    return new Promise<HttpAttempt>((resolve) => {
      let settled = false;
      const deadline: { timer?: NodeJS.Timeout } = {};
      const finish = (attempt: HttpAttempt) => {
        if (settled) return;
        settled = true;
        clearTimeout(deadline.timer);
        resolve(attempt);
      };
      let req: ClientRequest;
      let response: IncomingMessage | undefined;
      // a string: node writes the head and a string body in one write (a Buffer went out as a writev of two)
      let body: string | null = null;
      try {
        const url = new URL(request.url);
        const secure = url.protocol === 'https:';
        if (!secure && url.protocol !== 'http:') throw Object.assign(new Error(`unsupported protocol ${url.protocol}`), { code: 'ERR_INVALID_URL' });
        const headers: Record<string, string> = { ...request.headers };
        if (request.method === 'POST') {
          body = request.body ?? '';
          headers['content-length'] = String(Buffer.byteLength(body, 'utf8'));
        }
        req = (secure ? httpsRequest : httpRequest)(url, { method: request.method, headers, agent: secure ? this.agents.https : this.agents.http }, (res) => {
          response = res;
          void readSnippet(decoded(res), this.settings.snippetBytes).then((snippet) => finish(this.fromResponse(res.statusCode ?? 0, res.headers, snippet, started)));
        });
      } catch (err) {
        // a header or URL that cannot be sent throws before anything goes out
        finish(this.classifyError(err, false, this.now() - started));
        return;
      }
      deadline.timer = setTimeout(() => {
        // the status arrived and the body drips: the status decides, with what came of the body
        if (response) return void response.destroy();
        finish(this.classifyError(Object.assign(new Error(`no answer within ${this.settings.attemptTimeoutMs} ms`), { code: 'ETIMEDOUT' }), true, this.now() - started));
        req.destroy();
      }, this.settings.attemptTimeoutMs);
      req.on('error', (err) => finish(this.classifyError(err, false, this.now() - started)));
      if (body === null) req.end();
      else req.end(body, 'utf8');
    });
  }

  private fromResponse(status: number, headers: IncomingHttpHeaders, snippet: string | null, started: number): HttpAttempt {
    const base = { statusCode: status, latencyMs: this.now() - started, snippet, message: null };
    if (status >= 200 && status < 300) return { ...base, kind: 'success', errorClass: null, retryAfterMs: null, targetUnhealthy: false };
    if (status === 410) return { ...base, kind: 'gone', errorClass: 'http_status', retryAfterMs: null, targetUnhealthy: false };
    const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(headers['retry-after'], this.now()) : null;
    return {
      ...base,
      kind: 'failure',
      errorClass: status >= 300 && status < 400 ? 'redirect' : 'http_status',
      retryAfterMs,
      targetUnhealthy: status >= 500 || status === 429,
    };
  }

  private classifyError(err: unknown, timedOut: boolean, latencyMs: number): HttpAttempt {
    const base = { statusCode: null, latencyMs, snippet: null, retryAfterMs: null, message: (err as Error)?.message ?? String(err) };
    const blocked = blockedAddressIn(err);
    if (blocked) return { ...base, kind: 'blocked', errorClass: 'blocked_address', targetUnhealthy: false, message: blocked.message };
    const code = errorCode(err);
    if (timedOut || code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') return { ...base, kind: 'failure', errorClass: 'timeout', targetUnhealthy: true };
    if (code === 'ERR_INVALID_CHAR' || code === 'ERR_INVALID_HTTP_TOKEN' || code === 'ERR_INVALID_URL' || code === 'ERR_UNESCAPED_CHARACTERS' || code === 'ERR_BAD_OPTION_VALUE')
      return { ...base, kind: 'invalid', errorClass: 'invalid_request', targetUnhealthy: false };
    if (code === 'ECONNREFUSED') return { ...base, kind: 'failure', errorClass: 'connection_refused', targetUnhealthy: true };
    if (code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE') return { ...base, kind: 'failure', errorClass: 'connection_reset', targetUnhealthy: true };
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EAI_NODATA' || code === 'EAI_FAIL') return { ...base, kind: 'failure', errorClass: 'dns', targetUnhealthy: true };
    if (code && (/^ERR_TLS|^ERR_SSL|CERT|^DEPTH_ZERO|^SELF_SIGNED|^UNABLE_TO/.test(code))) return { ...base, kind: 'failure', errorClass: 'tls', targetUnhealthy: true };
    return { ...base, kind: 'failure', errorClass: 'network', targetUnhealthy: true };
  }

  /** Closes idle keep-alive sockets (shutdown). */
  destroy(): void {
    this.agents.http.destroy();
    this.agents.https.destroy();
  }
}

/** The error code of the root cause (a socket's error may come wrapped, with a cause). */
function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  let code: string | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    const c = (e as { code?: string }).code;
    if (c) code = c;
    e = (e as { cause?: unknown }).cause;
  }
  return code;
}

/** The body as sent, decompressed when the receiver compressed it anyway (we do not ask for it). */
function decoded(res: IncomingMessage): Readable {
  const encoding = String(res.headers['content-encoding'] ?? '').trim().toLowerCase();
  const decoder = encoding === 'gzip' || encoding === 'x-gzip' ? createGunzip() : encoding === 'deflate' ? createInflate() : encoding === 'br' ? createBrotliDecompress() : null;
  if (!decoder) return res;
  res.on('error', (err) => decoder.destroy(err));
  // destroying the decoder (snippet full) must free the response too
  decoder.on('close', () => res.destroy());
  return res.pipe(decoder);
}

/** Reads at most `limit` bytes of a response body, then drops the rest (destroying the stream when there is more). */
async function readSnippet(stream: Readable, limit: number): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      if (size < limit) chunks.push(buf.subarray(0, limit - size));
      size += buf.length;
      if (size >= limit) {
        // more than we keep: stop reading instead of downloading an arbitrarily large body
        if (size > limit || !stream.readableEnded) stream.destroy();
        break;
      }
    }
  } catch {
    // a body cut short still leaves the status code, which decides the outcome
  }
  if (limit === 0 || size === 0) return null;
  return Buffer.concat(chunks).toString('utf8');
}
