import type { Readable } from 'node:stream';
import axios, { AxiosError, type AxiosInstance } from 'axios';
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
 */
export class TargetHttpClient {
  private readonly http: AxiosInstance;
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
    this.http = axios.create({
      httpAgent: this.agents.http,
      httpsAgent: this.agents.https,
      maxRedirects: 0,
      proxy: false,
      responseType: 'stream',
      validateStatus: () => true,
      transformRequest: [(data: unknown) => data],
      decompress: true,
    });
  }

  async send(request: HttpRequestSpec): Promise<HttpAttempt> {
    const started = this.now();
    const abort = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, this.settings.attemptTimeoutMs);
    try {
      const response = await this.http.request<Readable>({
        method: request.method,
        url: request.url,
        headers: request.headers,
        data: request.method === 'POST' ? (request.body ?? '') : undefined,
        signal: abort.signal,
        timeout: this.settings.attemptTimeoutMs,
      });
      const snippet = await readSnippet(response.data, this.settings.snippetBytes);
      const status = response.status;
      const base = { statusCode: status, latencyMs: this.now() - started, snippet, message: null };
      if (status >= 200 && status < 300) return { ...base, kind: 'success', errorClass: null, retryAfterMs: null, targetUnhealthy: false };
      if (status === 410) return { ...base, kind: 'gone', errorClass: 'http_status', retryAfterMs: null, targetUnhealthy: false };
      const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(response.headers['retry-after'] as string | undefined, this.now()) : null;
      return {
        ...base,
        kind: 'failure',
        errorClass: status >= 300 && status < 400 ? 'redirect' : 'http_status',
        retryAfterMs,
        targetUnhealthy: status >= 500 || status === 429,
      };
    } catch (err) {
      return this.classifyError(err, timedOut, this.now() - started);
    } finally {
      clearTimeout(timer);
    }
  }

  private classifyError(err: unknown, timedOut: boolean, latencyMs: number): HttpAttempt {
    const base = { statusCode: null, latencyMs, snippet: null, retryAfterMs: null, message: (err as Error)?.message ?? String(err) };
    const blocked = blockedAddressIn(err);
    if (blocked) return { ...base, kind: 'blocked', errorClass: 'blocked_address', targetUnhealthy: false, message: blocked.message };
    const code = errorCode(err);
    if (timedOut || code === 'ECONNABORTED' || code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') return { ...base, kind: 'failure', errorClass: 'timeout', targetUnhealthy: true };
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

/** The error code of the root cause: axios wraps socket errors (cause) and keeps some codes itself. */
function errorCode(err: unknown): string | undefined {
  let e: unknown = err;
  let code: string | undefined;
  for (let depth = 0; e && depth < 5; depth++) {
    const c = (e as { code?: string }).code;
    if (c && c !== 'ERR_CANCELED' && !(e instanceof AxiosError && c === AxiosError.ERR_NETWORK)) code = c;
    e = (e as { cause?: unknown }).cause;
  }
  return code;
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
