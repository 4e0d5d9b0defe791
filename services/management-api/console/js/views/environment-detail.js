import { api, ApiError } from '../api.js';
import { h, replace } from '../dom.js';
import { icon } from '../icons.js';
import { busy, button, callout, card, errorState, eventBadge, field, loadingState, methodBadge, pageHeader, select, statusBadge, toast } from '../ui.js';
import { deliveryLog } from '../components/delivery-log.js';

/** One environment: its name and time zone, the webhooks subscribed in it (chosen from a list), its deliveries. */
export async function render({ main, params }) {
  const path = `/v1/environments/${encodeURIComponent(params.id)}`;
  const placeholder = h('div', {}, loadingState('Loading the environment…'));
  main.append(placeholder);
  let env;
  let webhooks;
  try {
    [env, webhooks] = await Promise.all([api.get(path), api.all('/v1/webhooks', { order: 'asc' })]);
  } catch (err) {
    replace(
      placeholder,
      pageHeader({ title: err.status === 404 ? 'Environment not found' : 'Environment', crumbs: [['Environments', '#/environments']] }),
      err.status === 404
        ? callout('warning', 'This environment does not exist, or it was deleted. ', h('a', { href: '#/environments', text: 'Back to the environments.' }))
        : errorState(err),
    );
    return;
  }
  placeholder.remove();
  document.title = `${env.name} · Environments · callhooks console`;

  // ----- settings -----
  const nameInput = h('input', { class: 'input', type: 'text', value: env.name, maxlength: '200', required: true });
  const tzInput = h('input', { class: 'input', type: 'text', value: env.timezone, list: 'tz-options', autocomplete: 'off', required: true });
  let zones = ['UTC'];
  try {
    zones = Intl.supportedValuesOf('timeZone');
  } catch {
    // older browsers: free text only
  }
  const nameField = field({ label: 'Name', control: nameInput });
  const tzField = field({ label: 'Time zone', control: tzInput, hint: 'IANA zone: start_at and answer_at of this environment’s calls are in it.' });
  const saveSettings = button('Save', { kind: 'secondary', type: 'submit', iconName: 'check' });
  const settingsForm = h(
    'form',
    { class: 'settings-form', novalidate: true },
    h('div', { class: 'form-grid' }, nameField.el, tzField.el),
    h(
      'datalist',
      { id: 'tz-options' },
      zones.map((z) => h('option', { value: z })),
    ),
    h('div', { class: 'button-row' }, saveSettings),
  );
  settingsForm.addEventListener('submit', (event) => {
    event.preventDefault();
    nameField.setError(null);
    tzField.setError(null);
    busy(saveSettings, async () => {
      try {
        env = await api.put(path, { name: nameInput.value.trim(), timezone: tzInput.value.trim() });
        main.querySelector('.page-title').textContent = env.name;
        toast('Environment saved');
      } catch (err) {
        if (err instanceof ApiError && err.fields.length) {
          nameField.setError(err.fieldMessage('name'));
          tzField.setError(err.fieldMessage('timezone'));
        } else toast(err.message, 'error');
      }
    });
  });

  // ----- subscriptions -----
  let saved = new Set(env.webhook_ids);
  const chosen = new Set(saved);
  const eventFilter = select([['', 'All events'], ...[...new Set(webhooks.map((w) => w.event))].sort().map((e) => [e, e])], {
    class: 'input input-sm',
    'aria-label': 'Show webhooks of event',
  });
  const list = h('ul', { class: 'check-list check-list-rich', role: 'list', 'aria-label': 'Webhooks' });
  const counter = h('span', { class: 'muted', 'aria-live': 'polite' });
  const saveSubs = button('Save subscriptions', { kind: 'primary', iconName: 'check', disabled: true });
  const undo = button('Undo changes', { kind: 'ghost', disabled: true });

  const refreshState = () => {
    const changed = chosen.size !== saved.size || [...chosen].some((id) => !saved.has(id));
    saveSubs.disabled = !changed;
    undo.disabled = !changed;
    counter.textContent = `${chosen.size} of ${webhooks.length} subscribed${changed ? ' · unsaved changes' : ''}`;
  };
  const drawList = () => {
    const shown = webhooks.filter((w) => !eventFilter.value || w.event === eventFilter.value);
    replace(
      list,
      shown.map((w) => {
        const box = h('input', { type: 'checkbox', class: 'checkbox', checked: chosen.has(w.id), value: w.id, dataset: { webhookId: w.id } });
        box.addEventListener('change', () => {
          if (box.checked) chosen.add(w.id);
          else chosen.delete(w.id);
          refreshState();
        });
        return h(
          'li',
          {},
          h(
            'label',
            { class: 'check-row' },
            box,
            h('span', { class: 'check-main' }, eventBadge(w.event), methodBadge(w.method), h('span', { class: 'mono break', text: w.url })),
            h(
              'span',
              { class: 'check-sub' },
              statusBadge(w.enabled),
              w.description ? h('span', { class: 'muted', text: w.description }) : null,
              !w.enabled && chosen.has(w.id) ? h('span', { class: 'muted', text: 'Subscribed, but sends nothing until enabled.' }) : null,
            ),
          ),
        );
      }),
    );
  };
  eventFilter.addEventListener('change', drawList);
  undo.addEventListener('click', () => {
    chosen.clear();
    saved.forEach((id) => chosen.add(id));
    drawList();
    refreshState();
  });
  saveSubs.addEventListener('click', async () => {
    await busy(saveSubs, async () => {
      try {
        const result = await api.put(`${path}/webhooks`, { webhook_ids: [...chosen] });
        saved = new Set(result.data.map((w) => w.id));
        toast(`Subscriptions saved: ${saved.size} webhook${saved.size === 1 ? '' : 's'} fire${saved.size === 1 ? 's' : ''} in ${env.name}`);
      } catch (err) {
        toast(err.message, 'error');
      }
    });
    // after busy() gave the button back: nothing left to save
    refreshState();
  });
  drawList();
  refreshState();

  const subscriptions =
    webhooks.length === 0
      ? callout('info', 'You have no webhook yet. ', h('a', { href: '#/webhooks/new', text: 'Create one' }), ', then come back to subscribe it here.')
      : h('div', {}, h('div', { class: 'toolbar' }, eventFilter, counter), list, h('div', { class: 'button-row sticky-actions' }, undo, saveSubs));

  main.append(
    pageHeader({ title: env.name, crumbs: [['Environments', '#/environments']], subtitle: `Environment ${env.id} · ${env.timezone}` }),
    h(
      'div',
      { class: 'edit-layout' },
      h(
        'div',
        { class: 'edit-main' },
        card(
          { title: 'Subscribed webhooks', description: 'Choose the webhooks that fire for calls in this environment.' },
          callout(
            'info',
            h('strong', { text: 'Only subscribed webhooks fire here. ' }),
            'A webhook works in an environment only once it is subscribed; each webhook is triggered by one event.',
          ),
          subscriptions,
        ),
      ),
      h('aside', { class: 'side' }, card({ title: 'Settings' }, settingsForm)),
    ),
    card(
      {
        title: 'Deliveries in this environment',
        actions: [
          h(
            'a',
            { class: 'btn btn-ghost', href: `#/deliveries?environment_id=${encodeURIComponent(env.id)}` },
            h('span', { text: 'Open the delivery log' }),
            icon('chevronRight'),
          ),
        ],
      },
      deliveryLog({ filter: { environment_id: env.id }, limit: 10, emptyText: 'No call in this environment has triggered a webhook yet.' }).el,
    ),
  );
}
