import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { formatDateTime } from '../format.js';
import { busy, button, card, errorState, field } from '../ui.js';

/** A datetime-local value (the browser's zone) for an instant. */
function localInput(date) {
  const d = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return d.toISOString().slice(0, 16);
}

/**
 * "Recover failed deliveries since…": starts a bulk recovery of the webhook (POST
 * /v1/webhooks/{id}/recover) and follows its progress until it is done.
 */
export function recoveryCard(webhookId, { onDone } = {}) {
  const sinceInput = h('input', { class: 'input', type: 'datetime-local', name: 'since', value: localInput(new Date(Date.now() - 24 * 3_600_000)) });
  const sinceField = field({ label: 'Failed since', control: sinceInput, hint: 'Deliveries created from this time on whose every attempt failed.' });
  const progress = h('div', { class: 'recovery-progress', 'aria-live': 'polite', 'data-testid': 'recovery-progress' });
  const start = button('Recover failed deliveries', { kind: 'primary', iconName: 'refresh' });

  const show = (r) => {
    const total = Math.max(r.matched, 1);
    const over = r.delivered + r.failed + r.skipped;
    replace(
      progress,
      h('progress', { class: 'recovery-bar', max: String(total), value: String(r.state === 'DONE' ? total : over), 'aria-label': 'Recovery progress' }),
      h(
        'dl',
        { class: 'recovery-facts' },
        ...[
          ['State', r.state === 'DONE' ? 'Done' : 'Running'],
          ['Matched', r.matched],
          ['Requeued', r.requeued],
          ['Delivered', r.delivered],
          ['Failed', r.failed],
        ].map(([label, value]) => h('div', {}, h('dt', { text: label }), h('dd', { class: 'mono', dataset: { fact: String(label).toLowerCase() }, text: String(value) }))),
      ),
      h('p', { class: 'muted small', text: r.state === 'DONE' ? `Finished ${formatDateTime(r.finished_at)}.` : 'Resending at the pace the receiver takes them…' }),
    );
  };

  const follow = async (id) => {
    for (;;) {
      const r = await api.get(`/v1/recoveries/${encodeURIComponent(id)}`);
      show(r);
      if (r.state === 'DONE') return r;
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  };

  start.addEventListener('click', () =>
    busy(start, async () => {
      sinceField.setError(null);
      try {
        const since = new Date(sinceInput.value);
        const r = await api.post(`/v1/webhooks/${encodeURIComponent(webhookId)}/recover`, { since: since.toISOString() });
        show(r);
        onDone?.(await follow(r.id));
      } catch (err) {
        const message = err.fieldMessage?.('since');
        if (message) sinceField.setError(message);
        else replace(progress, errorState(err));
      }
    }),
  );

  return card(
    {
      title: 'Recover failed deliveries',
      description: 'Sends again, with their original ids, the deliveries whose every attempt failed (once the receiver is back). Never sends twice what was delivered.',
      id: 'webhook-recovery',
    },
    sinceField.el,
    h('div', { class: 'button-row' }, start),
    progress,
  );
}
