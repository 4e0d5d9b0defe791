import type { WebhookView } from '@callhooks/config-view';
import { compileTemplate, TemplateError, type CompiledTemplate } from '@callhooks/templating';

export type TemplateLookup = { template: CompiledTemplate | null } | { problem: string };

interface Entry {
  version: number;
  lookup: TemplateLookup;
}

/**
 * Compiled body templates, one per webhook at its current version: a template is compiled
 * the first time an event needs it and again only when the webhook's version changes. A
 * template that does not compile (the management API refuses them, so only a record written
 * by something else could carry one) is remembered as such, not recompiled for every event.
 * Least recently used entries go first once `capacity` is reached.
 */
export class CompiledTemplates {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  lookup(webhook: Pick<WebhookView, 'id' | 'version' | 'body' | 'method'>): TemplateLookup {
    const cached = this.entries.get(webhook.id);
    if (cached && cached.version === webhook.version) {
      // refresh its place in the LRU order (Map iteration order is insertion order)
      this.entries.delete(webhook.id);
      this.entries.set(webhook.id, cached);
      return cached.lookup;
    }
    const lookup = compile(webhook);
    this.entries.delete(webhook.id);
    this.entries.set(webhook.id, { version: webhook.version, lookup });
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return lookup;
  }
}

function compile(webhook: Pick<WebhookView, 'body' | 'method'>): TemplateLookup {
  if (webhook.body === null) return { template: null };
  try {
    return { template: compileTemplate(webhook.body, { method: webhook.method }) };
  } catch (err) {
    if (err instanceof TemplateError) return { problem: err.message };
    throw err;
  }
}
