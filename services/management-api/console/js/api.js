import { session } from './session.js';

/** An error answer of the API: `{"error": {"code", "message", "fields"}, "request_id"}`. */
export class ApiError extends Error {
  constructor(status, body) {
    const error = body?.error ?? {};
    super(error.message || `The API answered ${status}`);
    this.status = status;
    this.code = error.code ?? (status === 0 ? 'network' : 'unknown');
    this.fields = Array.isArray(error.fields) ? error.fields : [];
    this.requestId = body?.request_id ?? null;
  }

  /** The API's message for one field (e.g. "body", "url", "headers.Host"), or null. */
  fieldMessage(name) {
    return this.fields.find((f) => f.field === name)?.message ?? null;
  }
}

const listeners = new Set();
/** Called when the API refuses the key (401): the console signs out. */
export function onUnauthorized(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * The public REST API of this origin (the console calls nothing else). Every call carries
 * the session's API key; 204 gives null; errors throw ApiError.
 */
export async function request(method, path, { body, query, key } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, String(value));
  }
  const headers = { Accept: 'application/json' };
  const apiKey = key ?? session.apiKey;
  if (apiKey) headers.Authorization = `Bearer ${apiKey}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), cache: 'no-store' });
  } catch {
    throw new ApiError(0, { error: { code: 'network', message: 'The API cannot be reached. Check your connection and try again.' } });
  }
  if (res.status === 204) return null;
  const text = await res.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!res.ok) {
    const error = new ApiError(res.status, parsed);
    if (res.status === 401 && key === undefined) listeners.forEach((l) => l(error));
    throw error;
  }
  return parsed;
}

export const api = {
  get: (path, query) => request('GET', path, { query }),
  post: (path, body) => request('POST', path, { body: body ?? {} }),
  put: (path, body) => request('PUT', path, { body }),
  patch: (path, body) => request('PATCH', path, { body }),
  del: (path) => request('DELETE', path),

  /** Every item of a paged list (cursor paging), up to `max`. */
  async all(path, query = {}, max = 1000) {
    const items = [];
    let cursor;
    do {
      const page = await request('GET', path, { query: { ...query, limit: 200, cursor } });
      items.push(...page.data);
      cursor = page.page.next_cursor;
    } while (cursor && items.length < max);
    return items;
  },
};

let catalog = null;
/** The event and field catalog (GET /v1/events), fetched once per page load. */
export function loadCatalog() {
  catalog ??= request('GET', '/v1/events').catch((err) => {
    catalog = null;
    throw err;
  });
  return catalog;
}
