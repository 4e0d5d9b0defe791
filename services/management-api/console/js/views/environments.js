import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { formatDateTime, formatFullDateTime, plural } from '../format.js';
import { icon } from '../icons.js';
import { button, callout, card, confirmDialog, emptyState, errorState, iconButton, loadingState, pageHeader, pager, toast } from '../ui.js';
import { newEnvironmentDialog } from '../components/environment-dialog.js';

const LIMIT = 20;

/** The customer's environments: name, time zone and how many webhooks are subscribed in each. */
export async function render({ main, query, navigate }) {
  document.title = 'Environments · callhooks console';
  let page = Math.max(1, Number(query.get('page')) || 1);
  const region = h('div', { 'aria-live': 'polite' });
  const create = async () => {
    const env = await newEnvironmentDialog();
    if (env) {
      toast(`Environment ${env.name} created`);
      navigate(`#/environments/${encodeURIComponent(env.id)}`);
    }
  };
  const newButton = button('New environment', { kind: 'primary', iconName: 'plus', onClick: create });
  main.append(
    pageHeader({
      title: 'Environments',
      subtitle: 'Your platform environments, their time zones, and the webhooks that fire in each.',
      actions: [iconButton('refresh', 'Refresh', { kind: 'secondary', onClick: () => load() }), newButton],
    }),
    callout(
      'info',
      h('strong', { text: 'Subscribe webhooks where they should fire. ' }),
      'A webhook works in an environment only once it is subscribed there; open an environment to choose its webhooks.',
    ),
    card({}, region),
  );

  async function load() {
    region.setAttribute('aria-busy', 'true');
    if (!region.querySelector('table')) replace(region, loadingState('Loading environments…'));
    try {
      const result = await api.get('/v1/environments', { page, limit: LIMIT, order: 'asc' });
      replace(
        region,
        result.data.length === 0
          ? emptyState({
              iconName: 'layers',
              title: 'No environments yet',
              body: 'Add the environments of your platform (their id, name and time zone), then subscribe the webhooks that should fire in each.',
              actions: [button('Create an environment', { kind: 'primary', iconName: 'plus', onClick: create })],
            })
          : h(
              'div',
              {},
              h(
                'div',
                { class: 'table-scroll' },
                h(
                  'table',
                  { class: 'table' },
                  h(
                    'thead',
                    {},
                    h(
                      'tr',
                      {},
                      ['Name', 'Environment ID', 'Time zone', 'Subscribed webhooks', 'Updated'].map((c) => h('th', { scope: 'col', text: c })),
                      h('th', { class: 'th-actions' }, h('span', { class: 'visually-hidden', text: 'Actions' })),
                    ),
                  ),
                  h(
                    'tbody',
                    {},
                    result.data.map((env) => row(env)),
                  ),
                ),
              ),
              result.page.total > LIMIT
                ? h('div', { class: 'table-footer' }, h('span'), pager({ page, limit: LIMIT, total: result.page.total, onPage: (p) => ((page = p), load()) }))
                : null,
            ),
      );
    } catch (err) {
      replace(region, errorState(err, load));
    } finally {
      region.removeAttribute('aria-busy');
    }
  }

  function row(env) {
    const href = `#/environments/${encodeURIComponent(env.id)}`;
    const remove = iconButton('trash', `Delete environment ${env.name}`, { kind: 'ghost-danger' });
    remove.addEventListener('click', async () => {
      const deleted = await confirmDialog({
        title: `Delete environment ${env.name}?`,
        message: `Its ${plural(env.webhook_ids.length, 'subscription')} are removed and no webhook fires for its calls any more. The webhooks themselves stay.`,
        confirmLabel: 'Delete environment',
        onConfirm: () => api.del(`/v1/environments/${encodeURIComponent(env.id)}`),
      });
      if (deleted) {
        toast(`Environment ${env.name} deleted`);
        load();
      }
    });
    return h(
      'tr',
      { dataset: { environmentId: env.id } },
      h('td', {}, h('a', { class: 'strong-link', href, text: env.name })),
      h('td', { class: 'mono', text: env.id }),
      h('td', {}, icon('globe', 14), ' ', env.timezone),
      h(
        'td',
        {},
        env.webhook_ids.length === 0
          ? h('span', { class: 'badge badge-warning', title: 'No webhook fires in this environment' }, 'None')
          : h('span', { class: 'badge badge-info', text: plural(env.webhook_ids.length, 'webhook') }),
      ),
      h(
        'td',
        { class: 'nowrap muted' },
        h('time', { datetime: env.updated_at, title: formatFullDateTime(env.updated_at), text: formatDateTime(env.updated_at) }),
      ),
      h(
        'td',
        { class: 'cell-actions' },
        h('a', { class: 'btn btn-icon btn-ghost', href, 'aria-label': `Manage environment ${env.name}`, title: 'Manage' }, icon('pencil')),
        remove,
      ),
    );
  }

  await load();
}
