import { readFileSync, writeFileSync } from 'node:fs';
import { concreteQuery } from './dashboard-queries';
import type { PrometheusServer } from './prometheus-server';

interface Panel {
  type?: string;
  title?: string;
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: Array<{ expr?: string; legendFormat?: string }>;
  panels?: Panel[];
}

export interface PanelSnapshot {
  title: string;
  unit: string;
  series: Array<{ legend: string; points: Array<[number, number]> }>;
}

/** Grafana's legend: `{{label}}` from the series' labels; an empty format names the query. */
function legendOf(format: string | undefined, labels: Record<string, string>, fallback: string): string {
  if (!format) return fallback;
  return format.replace(/\{\{\s*(\w+)\s*\}\}/g, (_m, name: string) => labels[name] ?? '');
}

/**
 * The time series panels of a dashboard over [startS, endS], queried from a real Prometheus
 * as Grafana would (range queries, its legends), written as JSON for scripts/render-dashboard.py.
 */
export async function snapshotDashboard(prometheus: PrometheusServer, dashboardFile: string, titles: string[], startS: number, endS: number, outFile: string): Promise<PanelSnapshot[]> {
  const dash = JSON.parse(readFileSync(dashboardFile, 'utf8')) as { panels: Panel[] };
  const panels: Panel[] = [];
  const visit = (p: Panel) => {
    if (p.type === 'timeseries' && p.title && titles.includes(p.title)) panels.push(p);
    (p.panels ?? []).forEach(visit);
  };
  dash.panels.forEach(visit);
  const step = Math.max(1, Math.round((endS - startS) / 200));
  const snapshots: PanelSnapshot[] = [];
  for (const title of titles) {
    const panel = panels.find((p) => p.title === title);
    if (!panel) throw new Error(`no time series panel "${title}" in ${dashboardFile}`);
    const series: PanelSnapshot['series'] = [];
    for (const [i, t] of (panel.targets ?? []).entries()) {
      if (!t.expr) continue;
      for (const s of await prometheus.queryRange(concreteQuery(t.expr, `${Math.max(15, step * 4)}s`), startS, endS, step)) {
        series.push({ legend: legendOf(t.legendFormat, s.metric, `query ${i + 1}`), points: s.values.map(([at, v]) => [at, Number(v)]) });
      }
    }
    snapshots.push({ title, unit: panel.fieldConfig?.defaults?.unit ?? 'short', series });
  }
  writeFileSync(outFile, JSON.stringify({ startS, endS, panels: snapshots }, null, 1));
  return snapshots;
}
