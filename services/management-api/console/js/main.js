import { onUnauthorized } from './api.js';
import { h, replace } from './dom.js';
import { icon } from './icons.js';
import { session } from './session.js';
import { toast } from './ui.js';
import * as signIn from './views/signin.js';
import * as webhooks from './views/webhooks.js';
import * as webhookEdit from './views/webhook-edit.js';
import * as environments from './views/environments.js';
import * as environmentDetail from './views/environment-detail.js';
import * as deliveries from './views/deliveries.js';
import * as operationalWebhooks from './views/operational-webhooks.js';

// Hash routes: the server serves one page, and a reload keeps the screen.
const ROUTES = [
  { pattern: /^\/webhooks$/, view: webhooks, nav: 'webhooks' },
  { pattern: /^\/webhooks\/new$/, view: webhookEdit, nav: 'webhooks' },
  { pattern: /^\/webhooks\/(?<id>[^/]+)$/, view: webhookEdit, nav: 'webhooks' },
  { pattern: /^\/environments$/, view: environments, nav: 'environments' },
  { pattern: /^\/environments\/(?<id>[^/]+)$/, view: environmentDetail, nav: 'environments' },
  { pattern: /^\/deliveries$/, view: deliveries, nav: 'deliveries' },
  { pattern: /^\/operational-webhooks$/, view: operationalWebhooks, nav: 'operational-webhooks' },
];

const NAV = [
  ['webhooks', 'Webhooks', 'webhook'],
  ['environments', 'Environments', 'layers'],
  ['deliveries', 'Deliveries', 'activity'],
  ['operational-webhooks', 'Notices', 'zap'],
];

const app = document.getElementById('app');
let cleanup = null;
let shell = null;

export function navigate(hash, { replace: replaceEntry = false } = {}) {
  if (replaceEntry) {
    history.replaceState(null, '', hash);
    route();
  } else if (location.hash === hash) {
    route();
  } else {
    location.hash = hash;
  }
}

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, search = ''] = raw.split('?');
  return { path: path || '/', query: new URLSearchParams(search) };
}

function buildShell() {
  const links = NAV.map(([id, label, iconName]) =>
    h('a', { class: 'nav-link', href: `#/${id}`, dataset: { nav: id } }, icon(iconName), h('span', { class: 'nav-label', text: label })),
  );
  const main = h('main', { id: 'main', class: 'main', tabindex: '-1' });
  const keyHint = h('span', { class: 'key-hint', title: 'The API key of this session' }, icon('key', 14), h('span', { class: 'key-hint-text' }));
  const signOut = h(
    'button',
    { class: ['btn', 'btn-ghost', 'btn-signout'], type: 'button', title: 'Sign out', onClick: () => doSignOut() },
    icon('logOut'),
    h('span', { class: 'btn-label', text: 'Sign out' }),
  );
  const header = h(
    'header',
    { class: 'topbar' },
    h(
      'div',
      { class: 'topbar-inner' },
      h(
        'a',
        { class: 'brand', href: '#/webhooks', 'aria-label': 'callhooks console home' },
        h('img', { class: 'brand-logo', src: 'favicon.svg', alt: '', width: 28, height: 28 }),
        h('span', { class: 'brand-name', text: 'callhooks' }),
        h('span', { class: 'brand-tag', text: 'Console' }),
      ),
      h('nav', { class: 'nav', 'aria-label': 'Main' }, links),
      h(
        'div',
        { class: 'topbar-end' },
        keyHint,
        h(
          'a',
          { class: 'btn btn-ghost', href: '/docs', target: '_blank', rel: 'noopener', title: 'API reference (OpenAPI)' },
          icon('code'),
          h('span', { class: 'btn-label', text: 'API docs' }),
        ),
        signOut,
      ),
    ),
  );
  return { root: h('div', { class: 'shell' }, header, main), main, links, keyHint };
}

function doSignOut(message) {
  session.signOut();
  shell = null;
  if (message) toast(message, 'error');
  navigate('#/signin');
}

async function route() {
  const { path, query } = parseHash();
  cleanup?.();
  cleanup = null;
  app.setAttribute('aria-busy', 'true');

  if (path === '/signin' || !session.apiKey) {
    if (path !== '/signin') {
      const next = path === '/' ? '' : `?next=${encodeURIComponent(location.hash)}`;
      history.replaceState(null, '', `#/signin${next}`);
    }
    shell = null;
    document.title = 'Sign in · callhooks console';
    cleanup = (await signIn.render({ root: app, query, navigate })) ?? null;
    app.removeAttribute('aria-busy');
    return;
  }
  if (path === '/') return navigate('#/webhooks', { replace: true });

  const match = ROUTES.map((r) => ({ r, m: r.pattern.exec(path) })).find((x) => x.m);
  if (!shell) {
    shell = buildShell();
    replace(app, shell.root);
  }
  shell.keyHint.querySelector('.key-hint-text').textContent = session.keyHint;
  for (const link of shell.links) {
    if (match && link.dataset.nav === match.r.nav) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
  }
  const main = shell.main;
  replace(main);
  if (!match) {
    document.title = 'Not found · callhooks console';
    main.append(
      h(
        'div',
        { class: 'state state-empty' },
        h('h1', { class: 'page-title', tabindex: '-1', text: 'Page not found' }),
        h('p', {}, h('a', { href: '#/webhooks', text: 'Back to the webhooks' })),
      ),
    );
  } else {
    const params = Object.fromEntries(Object.entries(match.m.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]));
    try {
      cleanup = (await match.r.view.render({ main, params, query, navigate })) ?? null;
    } catch (err) {
      // a view that fails to build still leaves a usable page
      console.warn('view failed', err);
    }
  }
  app.removeAttribute('aria-busy');
  // move focus to the new page's heading: keyboard and screen reader users start there
  main.querySelector('.page-title')?.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

onUnauthorized(() => doSignOut('Your API key was not accepted any more: sign in again.'));
window.addEventListener('hashchange', route);
route();
