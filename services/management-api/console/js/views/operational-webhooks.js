import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { formatDateTime } from '../format.js';
import { busy, button, card, emptyState, errorState, field, iconButton, loadingState, pageHeader, toast } from '../ui.js';

const NOTICE_TYPES = [
  ['webhook.failing', 'a webhook keeps failing'],
  ['webhook.recovered', 'it works again'],
  ['webhook.disabled', 'it was disabled (410 Gone, or failing too long)'],
  ['delivery.exhausted', 'a delivery used its last attempt'],
];

/** Operational webhooks (#/operational-webhooks): URLs of the customer's own that receive signed notices about its webhooks. */
export async function render({ main }) {
  document.title = 'Notices · callhooks console';
  const region = h('div', { class: 'table-region', 'aria-live': 'polite' }, loadingState('Loading…'));
  const urlInput = h('input', { class: 'input input-mono', type: 'url', name: 'url', placeholder: 'https://ops.example.com/callhooks', autocomplete: 'off' });
  const urlField = field({ label: 'URL', control: urlInput, hint: 'POST, signed with Standard Webhooks (its own secret).' });
  const boxes = NOTICE_TYPES.map(([type, meaning]) =>
    h('label', { class: 'check-line' }, h('input', { type: 'checkbox', value: type, checked: true }), h('code', { text: type }), h('span', { class: 'muted', text: ` ${meaning}` })),
  );
  const add = button('Add', { kind: 'primary', iconName: 'plus' });
  add.addEventListener('click', () =>
    busy(add, async () => {
      urlField.setError(null);
      const types = boxes.map((b) => b.querySelector('input')).filter((i) => i.checked).map((i) => i.value);
      try {
        await api.post('/v1/operational-webhooks', { url: urlInput.value.trim(), notice_types: types.length === NOTICE_TYPES.length ? [] : types });
        urlInput.value = '';
        toast('Operational webhook added');
        await load();
      } catch (err) {
        const message = err.fieldMessage?.('url') ?? err.fieldMessage?.('notice_types');
        if (message) urlField.setError(message);
        else toast(err.message, 'error');
      }
    }),
  );

  main.append(
    pageHeader({ title: 'Notices', subtitle: 'Operational webhooks: your own URLs told when one of your webhooks fails, recovers, runs out of attempts or is disabled.' }),
    card({ title: 'Add an operational webhook' }, urlField.el, h('fieldset', { class: 'field fieldset' }, h('legend', { class: 'field-label', text: 'Notices' }), boxes), h('div', { class: 'button-row' }, add)),
    card({ title: 'Operational webhooks' }, region),
  );

  async function load() {
    try {
      const page = await api.get('/v1/operational-webhooks', { limit: 200 });
      replace(region, page.data.length === 0 ? emptyState({ iconName: 'inbox', title: 'No operational webhook yet', body: 'Add one above to be told about failing webhooks.' }) : table(page.data));
    } catch (err) {
      replace(region, errorState(err, load));
    }
  }

  function table(items) {
    return h(
      'div',
      { class: 'table-scroll' },
      h(
        'table',
        { class: 'table' },
        h('thead', {}, h('tr', {}, ['URL', 'Notices', 'Created', ''].map((t) => h('th', { scope: 'col', text: t })))),
        h(
          'tbody',
          {},
          items.map((o) =>
            h(
              'tr',
              { dataset: { operationalWebhookId: o.id } },
              h('td', { class: 'mono', text: o.url }),
              h('td', { text: o.notice_types.length === 0 ? 'all' : o.notice_types.join(', ') }),
              h('td', { class: 'nowrap', text: formatDateTime(o.created_at) }),
              h(
                'td',
                { class: 'cell-actions' },
                iconButton('key', `Show the signing secret of ${o.url}`, {
                  onClick: async () => toast(`Secret: ${(await api.get(`/v1/operational-webhooks/${encodeURIComponent(o.id)}/secret`)).secret}`),
                }),
                iconButton('trash', `Delete operational webhook ${o.url}`, {
                  kind: 'ghost-danger',
                  onClick: async () => {
                    await api.del(`/v1/operational-webhooks/${encodeURIComponent(o.id)}`);
                    toast('Operational webhook deleted');
                    await load();
                  },
                }),
              ),
            ),
          ),
        ),
      ),
    );
  }

  await load();
}
