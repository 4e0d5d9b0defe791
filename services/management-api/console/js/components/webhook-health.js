import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { formatDateTime, formatFullDateTime, formatLatency, formatRelative, plural } from '../format.js';
import { card, errorState, loadingState } from '../ui.js';

const SVG_NS = 'http://www.w3.org/2000/svg';

/** An SVG element (the DOM builder makes HTML elements only). */
function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) if (value !== null && value !== undefined) el.setAttribute(key, String(value));
  for (const child of children.flat()) if (child) el.append(child);
  return el;
}

/** The health of a webhook as a badge: healthy, failing since …, disabled, or no traffic yet. */
export function healthBadge(health) {
  if (!health) return h('span', { class: 'badge badge-muted', text: '—' });
  const dot = h('span', { class: 'badge-dot', 'aria-hidden': 'true' });
  switch (health.status) {
    case 'failing':
      return h(
        'span',
        {
          class: 'badge badge-danger health-badge',
          title: `${plural(health.consecutive_failures, 'failure')} in a row since ${formatFullDateTime(health.failing_since)}; breaker ${health.breaker.state}`,
        },
        dot,
        `Failing since ${formatRelative(health.failing_since).replace(/^in /, '')}`,
      );
    case 'healthy':
      return h(
        'span',
        { class: 'badge badge-success health-badge', title: `Last success ${formatFullDateTime(health.last_success?.at)}` },
        dot,
        health.success_rate_24h === null ? 'Healthy' : `Healthy · ${percent(health.success_rate_24h)}`,
      );
    case 'disabled':
      return h('span', { class: 'badge badge-muted health-badge' }, dot, 'Disabled');
    default:
      return h('span', { class: 'badge badge-muted health-badge', title: 'Nothing was attempted yet' }, dot, 'No traffic');
  }
}

function percent(rate) {
  return rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(rate === 1 || rate === 0 ? 0 : 1)}%`;
}

const WINDOWS = [
  ['1h', 'Last hour'],
  ['24h', 'Last 24 hours'],
  ['7d', 'Last 7 days'],
];

/** The webhook page's health card: figures over a window and a chart of attempts by outcome and latency. */
export function healthCard(webhookId) {
  let window = '24h';
  const region = h('div', { class: 'health-region', 'aria-live': 'polite' }, loadingState('Loading the health…'));
  const buttons = WINDOWS.map(([value, label]) =>
    h('button', {
      type: 'button',
      class: ['btn', 'btn-sm', value === window ? 'btn-secondary' : 'btn-ghost'],
      'aria-pressed': String(value === window),
      dataset: { window: value },
      title: label,
      text: value,
      onClick: () => {
        window = value;
        for (const b of buttons) {
          const on = b.dataset.window === window;
          b.className = ['btn', 'btn-sm', on ? 'btn-secondary' : 'btn-ghost'].join(' ');
          b.setAttribute('aria-pressed', String(on));
        }
        load();
      },
    }),
  );
  async function load() {
    region.setAttribute('aria-busy', 'true');
    try {
      const stats = await api.get(`/v1/webhooks/${encodeURIComponent(webhookId)}/stats`, { window });
      replace(region, figures(stats), chart(stats));
    } catch (err) {
      replace(region, errorState(err, load));
    } finally {
      region.removeAttribute('aria-busy');
    }
  }
  load();
  const el = card(
    {
      title: 'Health',
      description: 'Attempts to this webhook’s URL by outcome, and their latency.',
      actions: [h('div', { class: 'segmented-buttons', role: 'group', 'aria-label': 'Time window' }, buttons)],
      id: 'webhook-health',
    },
    region,
  );
  return { el, reload: load };
}

function figures(s) {
  const classes = Object.entries(s.failures)
    .filter(([name, n]) => name !== 'total' && n > 0)
    .map(([name, n]) => `${n} ${name.replace('_', ' ')}`)
    .join(', ');
  const item = (label, value, sub) => h('div', { class: 'health-figure' }, h('dt', { text: label }), h('dd', {}, h('strong', { text: value }), sub ? h('span', { class: 'muted', text: sub }) : null));
  return h(
    'dl',
    { class: 'health-figures' },
    item('Status', s.status === 'failing' ? 'Failing' : s.status === 'healthy' ? 'Healthy' : s.status === 'disabled' ? 'Disabled' : 'No traffic', s.failing_since ? `since ${formatDateTime(s.failing_since)}` : null),
    item('Success rate', percent(s.success_rate), `${s.successes} of ${plural(s.attempts, 'attempt')}`),
    item('Failures', String(s.failures.total), classes || null),
    item('Latency p50 / p95 / p99', `${formatLatency(s.latency_ms.p50)} / ${formatLatency(s.latency_ms.p95)} / ${formatLatency(s.latency_ms.p99)}`),
    item('Last success', s.last_success ? formatRelative(s.last_success.at) : '—', s.last_success?.status_code ? `HTTP ${s.last_success.status_code}` : null),
    item('Last failure', s.last_failure ? formatRelative(s.last_failure.at) : '—', s.last_failure ? (s.last_failure.status_code ? `HTTP ${s.last_failure.status_code}` : s.last_failure.error) : null),
    item('Failures in a row', String(s.consecutive_failures)),
    item('Breaker', s.breaker.state, s.breaker.as_of ? `as of ${formatDateTime(s.breaker.as_of)}` : null),
  );
}

/** Stacked bars of successes and failures per bucket, and the p95 latency as a line on its own scale. */
function chart(s) {
  const W = 720;
  const H = 200;
  const pad = { l: 36, r: 52, t: 10, b: 22 };
  const n = s.series.length;
  const maxAttempts = Math.max(1, ...s.series.map((p) => p.attempts));
  const maxLatency = Math.max(1, ...s.series.map((p) => p.latency_p95_ms ?? 0));
  const plotW = W - pad.l - pad.r;
  const plotH = H - pad.t - pad.b;
  const step = plotW / n;
  const bar = Math.max(1, step * 0.7);
  const y = (v) => pad.t + plotH - (v / maxAttempts) * plotH;
  const yl = (ms) => pad.t + plotH - (ms / maxLatency) * plotH;
  const bars = [];
  const points = [];
  s.series.forEach((p, i) => {
    const x = pad.l + i * step + (step - bar) / 2;
    const label = `${formatDateTime(p.start)}: ${p.successes} succeeded, ${p.failures} failed${p.latency_p95_ms === null ? '' : `, p95 ${formatLatency(p.latency_p95_ms)}`}`;
    if (p.successes > 0) bars.push(svg('rect', { class: 'bar-success', x, y: y(p.successes), width: bar, height: y(0) - y(p.successes) }, svg('title', {}, label)));
    if (p.failures > 0) bars.push(svg('rect', { class: 'bar-failure', x, y: y(p.attempts), width: bar, height: y(p.successes) - y(p.attempts) }, svg('title', {}, label)));
    if (p.latency_p95_ms !== null) points.push(`${(x + bar / 2).toFixed(1)},${yl(p.latency_p95_ms).toFixed(1)}`);
  });
  const axisText = (x, yy, text, anchor = 'start') => svg('text', { x, y: yy, 'text-anchor': anchor, class: 'axis-label' }, document.createTextNode(text));
  const graphic = svg(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, class: 'health-chart', role: 'img', 'aria-label': `Attempts by outcome and p95 latency, ${s.window}: ${s.successes} succeeded, ${s.failures.total} failed` },
    svg('line', { x1: pad.l, x2: W - pad.r, y1: y(0), y2: y(0), class: 'axis' }),
    axisText(pad.l - 4, y(maxAttempts) + 4, String(maxAttempts), 'end'),
    axisText(pad.l - 4, y(0), '0', 'end'),
    axisText(W - pad.r + 4, yl(maxLatency) + 4, formatLatency(maxLatency)),
    axisText(pad.l, H - 4, formatDateTime(s.series[0]?.start)),
    axisText(W - pad.r, H - 4, 'now', 'end'),
    bars,
    points.length > 1 ? svg('polyline', { points: points.join(' '), class: 'latency-line' }) : null,
    points.length === 1 ? svg('circle', { cx: points[0].split(',')[0], cy: points[0].split(',')[1], r: 3, class: 'latency-dot' }) : null,
  );
  const legend = h(
    'div',
    { class: 'chart-legend' },
    h('span', { class: 'legend-success', text: 'Succeeded' }),
    h('span', { class: 'legend-failure', text: 'Failed' }),
    h('span', { class: 'legend-latency', text: 'Latency p95' }),
  );
  return h('figure', { class: 'health-chart-figure' }, graphic, legend);
}
