import { api } from '../api.js';
import { h, nextId, replace } from '../dom.js';
import { formatDateTime, formatFullDateTime, formatLatency, formatRelative, prettyJsonText } from '../format.js';
import { icon } from '../icons.js';
import { busy, button, copyButton, emptyState, errorState, eventBadge, loadingState, outcomeBadge, pager, toast } from '../ui.js';

const ORIGIN_LABEL = { EVENT: 'Call event', TEST: 'Test send', REDELIVERY: 'Redelivery' };
const IN_FLIGHT = new Set(['PENDING', 'RETRYING']);

/**
 * The delivery log (GET /v1/deliveries) for a filter: per webhook, per environment or all.
 * Each row opens its attempts (status, latency, response snippet) and can be redelivered.
 */
export function deliveryLog({ filter = {}, limit = 20, showWebhook = true, paged = true, emptyText = 'No deliveries yet.' }) {
  const region = h('div', { class: 'delivery-log', 'aria-live': 'polite' });
  let page = 1;
  let seq = 0;

  async function reload() {
    const mine = ++seq;
    region.setAttribute('aria-busy', 'true');
    if (!region.querySelector('table')) replace(region, loadingState('Loading deliveries…'));
    try {
      const result = await api.get('/v1/deliveries', { ...filter, limit, page });
      if (mine !== seq) return;
      replace(region, result.data.length === 0 ? emptyState({ iconName: 'activity', title: 'No deliveries', body: emptyText }) : table(result));
    } catch (err) {
      if (mine !== seq) return;
      replace(region, errorState(err, reload));
    } finally {
      if (mine === seq) region.removeAttribute('aria-busy');
    }
  }

  function table(result) {
    const columns = ['Created', 'Event', showWebhook ? 'Target' : null, 'Origin', 'Status', 'Attempts', 'Last attempt'].filter(Boolean);
    return h(
      'div',
      {},
      h(
        'div',
        { class: 'table-scroll' },
        h(
          'table',
          { class: 'table table-deliveries' },
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { class: 'th-toggle' }, h('span', { class: 'visually-hidden', text: 'Details' })),
              columns.map((c) => h('th', { scope: 'col', text: c })),
            ),
          ),
          result.data.map((d) => rowGroup(d, columns.length + 1)),
        ),
      ),
      paged && result.page.total > limit
        ? h(
            'div',
            { class: 'table-footer' },
            h('span'),
            pager({
              page,
              limit,
              total: result.page.total,
              onPage: (p) => {
                page = p;
                reload();
              },
            }),
          )
        : null,
    );
  }

  function rowGroup(d, span) {
    const detailsId = nextId('delivery');
    const detailCell = h('td', { colspan: String(span), class: 'detail-cell' });
    const detailRow = h('tr', { class: 'detail-row', id: detailsId, hidden: true }, detailCell);
    const toggle = h(
      'button',
      {
        class: 'btn btn-icon btn-ghost toggle',
        type: 'button',
        'aria-expanded': 'false',
        'aria-controls': detailsId,
        'aria-label': `Attempts of the ${d.event} delivery of ${formatDateTime(d.created_at)}`,
        title: 'Show attempts',
      },
      icon('chevronRight'),
    );
    const open = async () => {
      const expanded = toggle.getAttribute('aria-expanded') === 'true';
      toggle.setAttribute('aria-expanded', String(!expanded));
      toggle.classList.toggle('is-open', !expanded);
      detailRow.hidden = expanded;
      if (!expanded) await loadDetail(d.id, detailCell);
    };
    toggle.addEventListener('click', open);
    const row = h(
      'tr',
      { class: 'delivery-row', dataset: { deliveryId: d.id } },
      h('td', {}, toggle),
      h('td', { class: 'nowrap' }, h('time', { datetime: d.created_at, title: formatFullDateTime(d.created_at), text: formatDateTime(d.created_at) })),
      h('td', { class: 'nowrap' }, eventBadge(d.event)),
      showWebhook
        ? h('td', { class: 'cell-url' }, h('a', { class: 'mono url-link', href: `#/webhooks/${encodeURIComponent(d.webhook_id)}`, title: d.url, text: d.url }))
        : null,
      h('td', { class: 'nowrap muted', text: ORIGIN_LABEL[d.origin] ?? d.origin }),
      ...summaryCells(d),
    );
    // a redelivery changes the row's status and counts: keep them in step with the details
    detailCell.addEventListener('delivery-updated', (event) => {
      const cells = summaryCells(event.detail);
      [...row.children].slice(-cells.length).forEach((td, i) => td.replaceWith(cells[i]));
    });
    return h('tbody', { class: 'delivery-group' }, row, detailRow);
  }

  function summaryCells(d) {
    return [
      h('td', {}, outcomeBadge(d.status)),
      h('td', { class: 'num', text: String(d.attempt_count) }),
      h(
        'td',
        { class: 'nowrap muted' },
        d.last_attempt_at
          ? h('time', { datetime: d.last_attempt_at, title: formatFullDateTime(d.last_attempt_at), text: formatRelative(d.last_attempt_at) })
          : '—',
      ),
    ];
  }

  async function loadDetail(id, cell, { waitForAttempt } = {}) {
    if (!waitForAttempt) replace(cell, loadingState('Loading attempts…'));
    try {
      let detail = await api.get(`/v1/deliveries/${encodeURIComponent(id)}`);
      // after a redelivery: poll until the new attempt is in (the dispatcher answers within seconds)
      for (let i = 0; waitForAttempt && i < 20 && !detail.attempts.some((a) => a.attempt === waitForAttempt); i += 1) {
        await new Promise((r) => setTimeout(r, 1000));
        if (!cell.isConnected) return;
        detail = await api.get(`/v1/deliveries/${encodeURIComponent(id)}`);
      }
      replace(cell, deliveryDetail(detail, cell));
      cell.dispatchEvent(new CustomEvent('delivery-updated', { detail }));
    } catch (err) {
      replace(
        cell,
        errorState(err, () => loadDetail(id, cell)),
      );
    }
  }

  function deliveryDetail(d, cell) {
    const redeliver = button('Redeliver', {
      kind: 'secondary',
      iconName: 'rotate',
      disabled: IN_FLIGHT.has(d.status),
      title: IN_FLIGHT.has(d.status) ? 'An attempt is still pending' : 'Send the same message again',
    });
    redeliver.addEventListener('click', () =>
      busy(redeliver, async () => {
        try {
          const queued = await api.post(`/v1/deliveries/${encodeURIComponent(d.id)}/redeliver`);
          toast(`Redelivery queued as attempt ${queued.attempt}`);
          await loadDetail(d.id, cell, { waitForAttempt: queued.attempt });
        } catch (err) {
          toast(err.message, 'error');
        }
      }),
    );
    const attempts = [...d.attempts].sort((a, b) => b.attempt - a.attempt);
    return h(
      'div',
      { class: 'delivery-detail' },
      h(
        'div',
        { class: 'detail-head' },
        h(
          'div',
          { class: 'detail-meta' },
          h('span', { class: 'muted', text: 'Delivery id' }),
          h('code', { class: 'mono', text: d.id }),
          copyButton(() => d.id, 'Copy the delivery id', 'Delivery id copied'),
          d.call_uuid ? [h('span', { class: 'muted', text: 'Call' }), h('code', { class: 'mono', text: d.call_uuid })] : null,
        ),
        redeliver,
      ),
      attempts.length === 0
        ? h('p', { class: 'muted', text: 'No attempt has finished yet.' })
        : h(
            'table',
            { class: 'table table-compact table-attempts' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['#', 'Outcome', 'HTTP status', 'Latency', 'Attempted', 'Response'].map((c) => h('th', { scope: 'col', text: c })),
              ),
            ),
            h(
              'tbody',
              {},
              attempts.map((a) =>
                h(
                  'tr',
                  { class: 'attempt-row' },
                  h('td', { class: 'num', text: String(a.attempt) }),
                  h('td', {}, outcomeBadge(a.outcome), a.error_class ? h('div', { class: 'cell-sub mono', text: a.error_class }) : null),
                  h('td', { class: 'mono', text: a.status_code ?? '—' }),
                  h('td', { class: 'mono nowrap', text: formatLatency(a.latency_ms) }),
                  h(
                    'td',
                    { class: 'nowrap' },
                    h('time', { datetime: a.attempted_at, title: formatFullDateTime(a.attempted_at), text: formatDateTime(a.attempted_at) }),
                  ),
                  h(
                    'td',
                    { class: 'cell-snippet' },
                    a.response_snippet ? h('pre', { class: 'snippet', text: a.response_snippet }) : h('span', { class: 'muted', text: '—' }),
                  ),
                ),
              ),
            ),
          ),
      d.request_body
        ? h(
            'details',
            { class: 'request-body' },
            h('summary', { text: `Request body (${d.method} ${d.url})` }),
            h('pre', { class: 'code-block', text: prettyJsonText(d.request_body) }),
          )
        : null,
    );
  }

  reload();
  return { el: region, reload };
}
