import { api, loadCatalog } from '../api.js';
import { debounce, h, replace } from '../dom.js';
import { formatDateTime, formatFullDateTime } from '../format.js';
import { icon } from '../icons.js';
import {
  button,
  callout,
  card,
  confirmDialog,
  emptyState,
  errorState,
  eventBadge,
  iconButton,
  loadingState,
  methodBadge,
  pageHeader,
  pager,
  select,
  statusBadge,
  toast,
} from '../ui.js';
import { showBodyDialog } from '../components/body-dialog.js';
import { healthBadge } from '../components/webhook-health.js';

const PAGE_SIZES = [10, 20, 50];

/** The main table: the customer's webhooks, newest first, with filters, paging and the row actions. */
export async function render({ main, query }) {
  document.title = 'Webhooks · callhooks console';
  const state = {
    event: query.get('event') ?? '',
    enabled: query.get('enabled') ?? '',
    url: query.get('url') ?? '',
    order: query.get('order') === 'asc' ? 'asc' : 'desc',
    page: Math.max(1, Number(query.get('page')) || 1),
    limit: PAGE_SIZES.includes(Number(query.get('limit'))) ? Number(query.get('limit')) : 20,
  };
  const catalog = await loadCatalog().catch(() => null);
  const events = catalog?.events ?? [];

  /** Keeps the filters in the address, so a reload or a shared link shows the same table. */
  const syncAddress = () => {
    const params = new URLSearchParams();
    if (state.event) params.set('event', state.event);
    if (state.enabled) params.set('enabled', state.enabled);
    if (state.url) params.set('url', state.url);
    if (state.order !== 'desc') params.set('order', state.order);
    if (state.page > 1) params.set('page', String(state.page));
    if (state.limit !== 20) params.set('limit', String(state.limit));
    const search = params.toString();
    history.replaceState(null, '', `#/webhooks${search ? `?${search}` : ''}`);
  };

  const eventFilter = select([['', 'All events'], ...events.map((e) => [e.name, e.name])], {
    value: state.event,
    'aria-label': 'Filter by event',
    class: 'input input-sm',
  });
  const statusFilter = select(
    [
      ['', 'Any status'],
      ['true', 'Enabled'],
      ['false', 'Disabled'],
    ],
    { value: state.enabled, 'aria-label': 'Filter by status', class: 'input input-sm' },
  );
  const urlFilter = h('input', { class: 'input input-sm', type: 'search', placeholder: 'Search URLs', 'aria-label': 'Search by URL', value: state.url });
  const refresh = iconButton('refresh', 'Refresh', { kind: 'secondary', onClick: () => load() });
  const newButton = h('a', { class: 'btn btn-primary', href: '#/webhooks/new' }, icon('plus'), h('span', { text: 'New' }));

  eventFilter.addEventListener('change', () => {
    state.event = eventFilter.value;
    state.page = 1;
    load();
  });
  statusFilter.addEventListener('change', () => {
    state.enabled = statusFilter.value;
    state.page = 1;
    load();
  });
  const onSearch = debounce(() => {
    state.url = urlFilter.value.trim();
    state.page = 1;
    load();
  }, 300);
  urlFilter.addEventListener('input', onSearch);

  const region = h('div', { class: 'table-region', 'aria-live': 'polite' });
  main.append(
    pageHeader({
      title: 'Webhooks',
      subtitle: 'Each webhook sends one event of your calls to a URL. Subscribe it in an environment to make it fire there.',
      actions: [refresh, newButton],
    }),
    card(
      {},
      h(
        'div',
        { class: 'toolbar', role: 'search', 'aria-label': 'Filter webhooks' },
        h('span', { class: 'toolbar-icon' }, icon('search')),
        urlFilter,
        eventFilter,
        statusFilter,
      ),
      region,
    ),
  );

  let loadSeq = 0;
  async function load() {
    const seq = ++loadSeq;
    syncAddress();
    region.setAttribute('aria-busy', 'true');
    if (!region.querySelector('table')) replace(region, loadingState('Loading webhooks…'));
    try {
      const result = await api.get('/v1/webhooks', {
        page: state.page,
        limit: state.limit,
        order: state.order,
        event: state.event,
        enabled: state.enabled,
        url: state.url,
        include: 'health',
      });
      if (seq !== loadSeq) return;
      if (result.data.length === 0 && state.page > 1 && result.page.total > 0) {
        state.page = Math.ceil(result.page.total / state.limit);
        return load();
      }
      replace(region, result.data.length === 0 ? empty() : table(result));
    } catch (err) {
      if (seq !== loadSeq) return;
      replace(region, errorState(err, load));
    } finally {
      if (seq === loadSeq) region.removeAttribute('aria-busy');
    }
  }

  function empty() {
    const filtered = state.event || state.enabled || state.url;
    if (filtered) {
      return emptyState({
        iconName: 'search',
        title: 'No webhook matches these filters',
        body: 'Try another event or status, or clear the filters.',
        actions: [
          button('Clear filters', {
            onClick: () => {
              Object.assign(state, { event: '', enabled: '', url: '', page: 1 });
              eventFilter.value = '';
              statusFilter.value = '';
              urlFilter.value = '';
              load();
            },
          }),
        ],
      });
    }
    return emptyState({
      iconName: 'webhook',
      title: 'No webhooks yet',
      body: h(
        'ol',
        { class: 'steps' },
        h(
          'li',
          {},
          h('strong', { text: 'Create a webhook' }),
          ': choose the event (Call:Hangup, Call:Answer, …), the URL of your CRM or billing system, and the JSON body.',
        ),
        h(
          'li',
          {},
          h('strong', { text: 'Subscribe it' }),
          ' in the environments where it should fire, on the ',
          h('a', { href: '#/environments', text: 'Environments' }),
          ' screen.',
        ),
        h('li', {}, h('strong', { text: 'Send a test' }), ' from its page to see your receiver answer.'),
      ),
      actions: [h('a', { class: 'btn btn-primary', href: '#/webhooks/new' }, icon('plus'), h('span', { text: 'Create your first webhook' }))],
    });
  }

  function table(result) {
    const sortButton = h(
      'button',
      { class: 'th-sort', type: 'button', title: state.order === 'desc' ? 'Newest first: show oldest first' : 'Oldest first: show newest first' },
      h('span', { text: 'Date Created' }),
      icon(state.order === 'desc' ? 'arrowDown' : 'arrowUp', 14),
    );
    sortButton.addEventListener('click', () => {
      state.order = state.order === 'desc' ? 'asc' : 'desc';
      state.page = 1;
      load().then(() => region.querySelector('.th-sort')?.focus());
    });
    const rows = result.data.map((w) => row(w));
    const sizeSelect = select(
      PAGE_SIZES.map((n) => [String(n), `${n} per page`]),
      { value: String(state.limit), 'aria-label': 'Webhooks per page', class: 'input input-sm' },
    );
    sizeSelect.addEventListener('change', () => {
      state.limit = Number(sizeSelect.value);
      state.page = 1;
      load();
    });
    return h(
      'div',
      {},
      h(
        'div',
        { class: 'table-scroll' },
        h(
          'table',
          { class: 'table table-webhooks' },
          h('caption', { class: 'visually-hidden', text: `Webhooks, ${state.order === 'desc' ? 'newest' : 'oldest'} first` }),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col', 'aria-sort': state.order === 'desc' ? 'descending' : 'ascending' }, sortButton),
              h('th', { scope: 'col', text: 'Status' }),
              h('th', { scope: 'col', text: 'Health' }),
              h('th', { scope: 'col', text: 'URL' }),
              h('th', { scope: 'col', class: 'col-method', text: 'Method' }),
              h('th', { scope: 'col', text: 'Event' }),
              h('th', { scope: 'col', class: 'th-actions' }, h('span', { class: 'visually-hidden', text: 'Actions' })),
            ),
          ),
          h('tbody', {}, rows),
        ),
      ),
      h(
        'div',
        { class: 'table-footer' },
        sizeSelect,
        pager({ page: state.page, limit: state.limit, total: result.page.total, onPage: (p) => ((state.page = p), load()) }),
      ),
    );
  }

  function row(w) {
    const label = `${w.event} to ${w.url}`;
    const remove = iconButton('trash', `Delete webhook ${label}`, { kind: 'ghost-danger' });
    remove.addEventListener('click', async () => {
      const deleted = await confirmDialog({
        title: 'Delete this webhook?',
        message: 'It stops firing at once and is unsubscribed from every environment. This cannot be undone.',
        details: h(
          'dl',
          { class: 'summary-list' },
          h('dt', { text: 'Event' }),
          h('dd', {}, eventBadge(w.event)),
          h('dt', { text: 'URL' }),
          h('dd', { class: 'mono break', text: w.url }),
        ),
        confirmLabel: 'Delete webhook',
        onConfirm: () => api.del(`/v1/webhooks/${encodeURIComponent(w.id)}`),
      });
      if (deleted) {
        toast('Webhook deleted');
        await load();
        region.querySelector('.th-sort, .btn-primary')?.focus();
      }
    });
    return h(
      'tr',
      { dataset: { webhookId: w.id } },
      h('td', { class: 'nowrap' }, h('time', { datetime: w.created_at, title: formatFullDateTime(w.created_at), text: formatDateTime(w.created_at) })),
      h(
        'td',
        {},
        statusBadge(w.enabled, w.disabled_reason),
        w.disabled_reason
          ? h('span', { class: 'row-note', title: w.disabled_reason }, icon('alert', 14), h('span', { class: 'visually-hidden', text: w.disabled_reason }))
          : null,
      ),
      h('td', { class: 'nowrap cell-health' }, healthBadge(w.health)),
      h(
        'td',
        { class: 'cell-url' },
        h(
          'div',
          { class: 'url-line' },
          h('span', { class: 'method-inline' }, methodBadge(w.method)),
          h('a', { class: 'mono url-link', href: `#/webhooks/${encodeURIComponent(w.id)}`, title: w.url, text: w.url }),
        ),
        w.description ? h('div', { class: 'cell-sub', text: w.description }) : null,
      ),
      h('td', { class: 'col-method' }, methodBadge(w.method)),
      h('td', { class: 'nowrap' }, eventBadge(w.event)),
      h(
        'td',
        { class: 'cell-actions' },
        iconButton('eye', `View the body of ${label}`, { onClick: () => showBodyDialog(w) }),
        h(
          'a',
          { class: 'btn btn-icon btn-ghost', href: `#/webhooks/${encodeURIComponent(w.id)}`, 'aria-label': `Edit webhook ${label}`, title: 'Edit' },
          icon('pencil'),
        ),
        remove,
      ),
    );
  }

  if (events.length === 0) main.append(callout('warning', 'The event catalog could not be loaded; event filters are unavailable.'));
  await load();
}
