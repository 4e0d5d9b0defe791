import { api } from '../api.js';
import { h } from '../dom.js';
import { card, iconButton, pageHeader, select } from '../ui.js';
import { deliveryLog } from '../components/delivery-log.js';

const STATUSES = [
  ['', 'Any status'],
  ['SUCCEEDED', 'Succeeded'],
  ['FAILED', 'Failed'],
  ['RETRYING', 'Retrying'],
  ['PENDING', 'Pending'],
  ['GONE', 'Gone (410)'],
  ['BLOCKED', 'Blocked'],
];

/** The delivery log: every request made, filterable by webhook, environment, event and status. */
export async function render({ main, query }) {
  document.title = 'Deliveries · callhooks console';
  const filter = {
    webhook_id: query.get('webhook_id') ?? '',
    environment_id: query.get('environment_id') ?? '',
    event: query.get('event') ?? '',
    status: query.get('status') ?? '',
  };
  const [webhooks, environments, catalog] = await Promise.all([
    api.all('/v1/webhooks').catch(() => []),
    api.all('/v1/environments').catch(() => []),
    api.get('/v1/events').catch(() => ({ events: [] })),
  ]);

  const webhookSelect = select([['', 'All webhooks'], ...webhooks.map((w) => [w.id, `${w.event} · ${w.url}`])], {
    value: filter.webhook_id,
    class: 'input input-sm input-wide',
    'aria-label': 'Webhook',
  });
  const environmentSelect = select([['', 'All environments'], ...environments.map((e) => [e.id, e.name])], {
    value: filter.environment_id,
    class: 'input input-sm',
    'aria-label': 'Environment',
  });
  const eventSelect = select([['', 'All events'], ...catalog.events.map((e) => [e.name, e.name])], {
    value: filter.event,
    class: 'input input-sm',
    'aria-label': 'Event',
  });
  const statusSelect = select(STATUSES, { value: filter.status, class: 'input input-sm', 'aria-label': 'Status' });
  if (filter.webhook_id && !webhooks.some((w) => w.id === filter.webhook_id))
    webhookSelect.append(h('option', { value: filter.webhook_id, selected: true }, `Webhook ${filter.webhook_id}`));

  const holder = h('div', {});
  let log;
  const show = () => {
    const search = new URLSearchParams(Object.entries(filter).filter(([, v]) => v)).toString();
    history.replaceState(null, '', `#/deliveries${search ? `?${search}` : ''}`);
    log = deliveryLog({
      filter,
      limit: 20,
      emptyText:
        filter.webhook_id || filter.environment_id || filter.event || filter.status
          ? 'No delivery matches these filters.'
          : 'Deliveries appear here when calls trigger your subscribed webhooks, or when you send a test.',
    });
    holder.replaceChildren(log.el);
  };
  for (const [control, key] of [
    [webhookSelect, 'webhook_id'],
    [environmentSelect, 'environment_id'],
    [eventSelect, 'event'],
    [statusSelect, 'status'],
  ]) {
    control.addEventListener('change', () => {
      filter[key] = control.value;
      show();
    });
  }

  main.append(
    pageHeader({
      title: 'Deliveries',
      subtitle: 'Every request sent to your webhooks, with each attempt’s status, latency and response.',
      actions: [iconButton('refresh', 'Refresh', { kind: 'secondary', onClick: () => log.reload() })],
    }),
    card(
      {},
      h('div', { class: 'toolbar', role: 'search', 'aria-label': 'Filter deliveries' }, webhookSelect, environmentSelect, eventSelect, statusSelect),
      holder,
    ),
  );
  show();
}
