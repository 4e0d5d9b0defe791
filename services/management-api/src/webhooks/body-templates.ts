import type { CallPayload, FieldProblem, HttpMethod } from '@callhooks/contracts';

/** What a webhook would send for a payload: the request the dispatcher makes. */
export interface RenderedRequest {
  method: HttpMethod;
  /** The URL, with the rendered fields as query parameters for GET. */
  url: string;
  /** The rendered JSON body as text for POST; null for GET. */
  body: string | null;
  /** The query parameters added for GET; null for POST. */
  query: Record<string, string> | null;
}

/**
 * The webhooks feature's use of the shared body template engine (@callhooks/templating, the
 * same code the matcher renders with): checking a template at save time and rendering it
 * for previews and test sends. A port, so the service depends on what it needs, not on the
 * engine's shape.
 */
export abstract class BodyTemplates {
  /** Problems of a template for that method (invalid JSON, unknown fields, …), each under `body`. */
  abstract problems(body: string, method: HttpMethod): FieldProblem[];
  /** Renders a (valid) template, or the full payload when there is none. */
  abstract render(webhook: { method: HttpMethod; url: string; body: string | null }, payload: CallPayload): RenderedRequest;
}
