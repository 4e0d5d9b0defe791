import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';

export interface PanelQuery {
  panel: string;
  refId: string;
  /** As written in the dashboard, with Grafana's variables. */
  expr: string;
}

interface Panel {
  title?: string;
  targets?: Array<{ expr?: string; refId?: string }>;
  panels?: Panel[];
}

/** Every query of every panel of a Grafana dashboard (rows' panels included). */
export function dashboardQueries(file: string): PanelQuery[] {
  const dash = JSON.parse(readFileSync(file, 'utf8')) as { panels: Panel[] };
  const found: PanelQuery[] = [];
  const visit = (p: Panel) => {
    for (const t of p.targets ?? []) if (t.expr) found.push({ panel: p.title ?? '(untitled)', refId: t.refId ?? '', expr: t.expr });
    (p.panels ?? []).forEach(visit);
  };
  dash.panels.forEach(visit);
  return found;
}

/**
 * A dashboard query as Grafana would send it to Prometheus: `$namespace` matches every
 * namespace, `$topn` is its default, `$__rate_interval` a window of several scrapes.
 */
export function concreteQuery(expr: string, rateInterval = '15s', vars: Record<string, string> = { namespace: '.*', topn: '10' }): string {
  let q = expr.replace(/\$\{__rate_interval\}|\$__rate_interval/g, rateInterval);
  for (const [name, value] of Object.entries(vars)) q = q.replace(new RegExp(`\\$\\{${name}\\}|\\$${name}\\b|\\[\\[${name}\\]\\]`, 'g'), value);
  if (/\$[A-Za-z_{]/.test(q)) throw new Error(`a Grafana variable is left in: ${q}`);
  return q;
}

export interface AlertRule {
  alert: string;
  expr: string;
  labels: Record<string, string>;
}

/** The alerting rules of a Prometheus rule file. */
export function alertRules(file: string): AlertRule[] {
  const doc = load(readFileSync(file, 'utf8')) as { groups: Array<{ rules: Array<{ alert?: string; expr: string; labels?: Record<string, string> }> }> };
  return doc.groups.flatMap((g) => g.rules.filter((r) => r.alert).map((r) => ({ alert: r.alert!, expr: String(r.expr), labels: r.labels ?? {} })));
}
