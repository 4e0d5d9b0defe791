import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { formatLatency } from '../format.js';
import { busy, button, card, callout, errorState, loadingState, outcomeBadge } from '../ui.js';

/** "Send test": the sample event to the webhook now, and the attempt's outcome, status, latency and response. */
export function testSendCard(webhookId, { onSent } = {}) {
  const result = h('div', { class: 'test-result', 'aria-live': 'polite', 'data-testid': 'test-result' });
  const send = button('Send test event', { kind: 'primary', iconName: 'send' });

  const showAttempt = (deliveryId, attempt) => {
    replace(
      result,
      h(
        'div',
        { class: 'attempt-card' },
        h(
          'dl',
          { class: 'attempt-facts' },
          h('div', {}, h('dt', { text: 'Outcome' }), h('dd', {}, outcomeBadge(attempt.outcome))),
          h('div', {}, h('dt', { text: 'HTTP status' }), h('dd', { class: 'mono', 'data-testid': 'test-status', text: attempt.status_code ?? '—' })),
          h('div', {}, h('dt', { text: 'Latency' }), h('dd', { class: 'mono', 'data-testid': 'test-latency', text: formatLatency(attempt.latency_ms) })),
        ),
        attempt.error_class ? h('p', { class: 'muted' }, 'Error: ', h('code', { text: attempt.error_class })) : null,
        h('div', { class: 'snippet-label', text: 'Response' }),
        h('pre', { class: 'snippet', 'data-testid': 'test-response', text: attempt.response_snippet || '(empty)' }),
        h(
          'p',
          { class: 'muted small' },
          'Delivery ',
          h('code', { text: deliveryId }),
          ' · ',
          h('a', { href: `#/deliveries?webhook_id=${encodeURIComponent(webhookId)}`, text: 'see it in the delivery log' }),
        ),
      ),
    );
  };

  send.addEventListener('click', () =>
    busy(send, async () => {
      replace(result, loadingState('Sending the sample event and waiting for the answer…'));
      try {
        const answer = await api.post(`/v1/webhooks/${encodeURIComponent(webhookId)}/test`);
        if (answer.state === 'DONE' && answer.attempt) {
          showAttempt(answer.delivery_id, answer.attempt);
        } else {
          // 202: not finished within the API's wait; follow it in the delivery log
          // the delivery is in the log once its first result is in: look for it in the webhook's list (no 404 meanwhile)
          for (let i = 0; i < 15; i += 1) {
            await new Promise((r) => setTimeout(r, 2000));
            const recent = await api.get('/v1/deliveries', { webhook_id: webhookId, limit: 20 });
            if (!recent.data.some((d) => d.id === answer.delivery_id)) continue;
            const d = await api.get(`/v1/deliveries/${encodeURIComponent(answer.delivery_id)}`);
            const attempt = d.attempts.find((a) => a.attempt === 1 && a.outcome !== 'BREAKER_OPEN');
            if (attempt) return showAttempt(answer.delivery_id, attempt);
          }
          replace(
            result,
            callout(
              'warning',
              'The test was sent but no answer came back yet. ',
              h('a', { href: `#/deliveries?webhook_id=${encodeURIComponent(webhookId)}`, text: 'Follow it in the delivery log.' }),
            ),
          );
        }
        onSent?.();
      } catch (err) {
        replace(result, errorState(err));
      }
    }),
  );

  return card(
    { title: 'Send a test', description: 'Sends the event with sample call data to the URL now (once, not retried; works while disabled too).' },
    h('div', { class: 'button-row' }, send),
    result,
  );
}
