import { append, h, nextId, replace } from './dom.js';
import { icon } from './icons.js';

// ---------- toasts ----------

/** A short message in the live region (announced to screen readers), gone after a while. */
export function toast(message, kind = 'success') {
  const region = document.getElementById('toasts');
  const item = h('div', { class: ['toast', `toast-${kind}`] }, icon(kind === 'error' ? 'alert' : 'check'), h('span', { text: message }));
  region.append(item);
  setTimeout(() => item.classList.add('toast-leaving'), 3600);
  setTimeout(() => item.remove(), 4000);
}

// ---------- buttons ----------

export function button(label, { kind = 'secondary', iconName, onClick, type = 'button', ...attrs } = {}) {
  return h('button', { class: ['btn', `btn-${kind}`], type, onClick, ...attrs }, iconName ? icon(iconName) : null, label ? h('span', { text: label }) : null);
}

/** A square icon button: the label is its accessible name and tooltip. */
export function iconButton(name, label, { onClick, kind = 'ghost', ...attrs } = {}) {
  return h('button', { class: ['btn', 'btn-icon', `btn-${kind}`], type: 'button', 'aria-label': label, title: label, onClick, ...attrs }, icon(name));
}

/** Shows a spinner on the button while `work` runs; the button is disabled meanwhile. */
export async function busy(btn, work) {
  btn.disabled = true;
  btn.classList.add('is-busy');
  btn.setAttribute('aria-busy', 'true');
  try {
    return await work();
  } finally {
    btn.disabled = false;
    btn.classList.remove('is-busy');
    btn.removeAttribute('aria-busy');
  }
}

export async function copyText(text, what = 'Copied') {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // no clipboard permission (or not a secure context): select-and-copy instead
    const area = h('textarea', { class: 'visually-hidden', readonly: true });
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
  toast(`${what} to the clipboard`);
}

export function copyButton(getText, label = 'Copy', what = 'Copied') {
  const btn = iconButton('copy', label, {
    onClick: async () => {
      const text = await getText();
      if (text) await copyText(text, what);
    },
  });
  return btn;
}

// ---------- badges ----------

export function statusBadge(enabled, reason) {
  return h(
    'span',
    { class: ['badge', enabled ? 'badge-success' : 'badge-muted'], title: reason ?? undefined },
    h('span', { class: 'badge-dot', 'aria-hidden': 'true' }),
    enabled ? 'Enabled' : 'Disabled',
  );
}

export function methodBadge(method) {
  return h('span', { class: ['badge', 'badge-method', `method-${method.toLowerCase()}`], text: method });
}

export function eventBadge(event) {
  return h('span', { class: ['badge', 'badge-event', `event-${event.split(':')[0].toLowerCase()}`], text: event });
}

const OUTCOME_KIND = {
  SUCCEEDED: 'success',
  FAILED: 'danger',
  GONE: 'danger',
  BLOCKED: 'danger',
  RETRYING: 'warning',
  PENDING: 'info',
  BREAKER_OPEN: 'warning',
};
const OUTCOME_LABEL = {
  SUCCEEDED: 'Succeeded',
  FAILED: 'Failed',
  GONE: 'Gone (410)',
  BLOCKED: 'Blocked',
  RETRYING: 'Retrying',
  PENDING: 'Pending',
  BREAKER_OPEN: 'Breaker open',
};

export function outcomeBadge(outcome) {
  return h(
    'span',
    { class: ['badge', `badge-${OUTCOME_KIND[outcome] ?? 'muted'}`] },
    h('span', { class: 'badge-dot', 'aria-hidden': 'true' }),
    OUTCOME_LABEL[outcome] ?? outcome,
  );
}

// ---------- page states ----------

export function loadingState(label = 'Loading…') {
  return h('div', { class: 'state state-loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), h('span', { text: label }));
}

export function emptyState({ iconName = 'inbox', title, body, actions = [] }) {
  return h(
    'div',
    { class: 'state state-empty' },
    h('div', { class: 'state-icon' }, icon(iconName, 28)),
    h('h2', { class: 'state-title', text: title }),
    body ? (body instanceof Node ? body : h('p', { class: 'state-body', text: body })) : null,
    actions.length ? h('div', { class: 'state-actions' }, actions) : null,
  );
}

export function errorState(error, retry) {
  return h(
    'div',
    { class: 'state state-error', role: 'alert' },
    h('div', { class: 'state-icon' }, icon('alert', 28)),
    h('h2', { class: 'state-title', text: 'Something went wrong' }),
    h('p', { class: 'state-body', text: error.message }),
    error.requestId ? h('p', { class: 'state-meta' }, 'Request id ', h('code', { text: error.requestId })) : null,
    retry ? h('div', { class: 'state-actions' }, button('Try again', { iconName: 'refresh', onClick: retry })) : null,
  );
}

export function callout(kind, ...children) {
  return h('div', { class: ['callout', `callout-${kind}`] }, icon(kind === 'warning' ? 'alert' : 'info', 18), h('div', { class: 'callout-body' }, children));
}

// ---------- layout pieces ----------

export function pageHeader({ title, subtitle, crumbs = [], actions = [], badge = null }) {
  return h(
    'header',
    { class: 'page-header' },
    h(
      'div',
      { class: 'page-heading' },
      crumbs.length
        ? h(
            'nav',
            { class: 'crumbs', 'aria-label': 'Breadcrumb' },
            crumbs.map(([label, href]) => [h('a', { href, text: label }), h('span', { class: 'crumb-sep', 'aria-hidden': 'true', text: '/' })]),
          )
        : null,
      h('div', { class: 'page-title-row' }, h('h1', { class: 'page-title', tabindex: '-1', text: title }), badge),
      subtitle ? h('p', { class: 'page-subtitle', text: subtitle }) : null,
    ),
    actions.length ? h('div', { class: 'page-actions' }, actions) : null,
  );
}

export function card({ title, description, actions = [], id }, ...body) {
  const headingId = nextId('card');
  return h(
    'section',
    { class: 'card', 'aria-labelledby': title ? headingId : undefined, id },
    title
      ? h(
          'div',
          { class: 'card-header' },
          h(
            'div',
            {},
            h('h2', { class: 'card-title', id: headingId, text: title }),
            description ? h('p', { class: 'card-description', text: description }) : null,
          ),
          actions.length ? h('div', { class: 'card-actions' }, actions) : null,
        )
      : null,
    h('div', { class: 'card-body' }, body),
  );
}

/**
 * A labelled form field with its hint and its error line. `setError(message)` shows the
 * API's message under the control and marks it aria-invalid.
 */
export function field({ label, control, hint, optional = false, inline = false }) {
  const id = control.id || nextId('field');
  control.id = id;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const hintEl = hint ? h('p', { class: 'field-hint', id: hintId }, hint) : null;
  const errorEl = h('p', { class: 'field-error', id: errorId, hidden: true });
  control.setAttribute('aria-describedby', [hint ? hintId : null, errorId].filter(Boolean).join(' '));
  const wrapper = h(
    'div',
    { class: ['field', inline ? 'field-inline' : null] },
    h('label', { class: 'field-label', for: id }, label, optional ? h('span', { class: 'field-optional', text: ' (optional)' }) : null),
    control,
    hintEl,
    errorEl,
  );
  return {
    el: wrapper,
    control,
    hintEl,
    setError(message) {
      if (message) {
        replace(errorEl, icon('alert', 14), h('span', { text: message }));
        errorEl.hidden = false;
        control.setAttribute('aria-invalid', 'true');
        wrapper.classList.add('has-error');
      } else {
        errorEl.hidden = true;
        control.removeAttribute('aria-invalid');
        wrapper.classList.remove('has-error');
      }
    },
  };
}

export function select(options, { value, ...attrs } = {}) {
  return h(
    'select',
    { class: 'input', ...attrs },
    options.map(([v, label]) => h('option', { value: v, selected: v === value }, label)),
  );
}

/** "1–20 of 43" with previous / next page buttons. */
export function pager({ page, limit, total, onPage }) {
  const pages = Math.max(1, Math.ceil(total / limit));
  const from = total === 0 ? 0 : (page - 1) * limit + 1;
  const to = Math.min(total, page * limit);
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages' },
    h('span', { class: 'pager-summary', text: `${from}–${to} of ${total}` }),
    h(
      'div',
      { class: 'pager-buttons' },
      iconButton('chevronLeft', 'Previous page', { kind: 'secondary', disabled: page <= 1, onClick: () => onPage(page - 1) }),
      h('span', { class: 'pager-page', text: `Page ${page} of ${pages}` }),
      iconButton('chevronRight', 'Next page', { kind: 'secondary', disabled: page >= pages, onClick: () => onPage(page + 1) }),
    ),
  );
}

// ---------- dialogs ----------

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * A modal dialog (native <dialog>: the page behind is inert). Tab and Shift+Tab stay inside
 * it, Escape closes it, and focus goes back to where it was. Resolves with the value given
 * to close(), or null when dismissed.
 */
export function openDialog({ title, description, body, actions, size = 'md', initialFocus, onOpen }) {
  const opener = document.activeElement;
  const titleId = nextId('dialog-title');
  const descId = description ? nextId('dialog-desc') : undefined;
  const dialog = h('dialog', { class: ['dialog', `dialog-${size}`], 'aria-labelledby': titleId, 'aria-describedby': descId });
  let result = null;
  const close = (value = null) => {
    result = value;
    dialog.close();
  };
  const content = typeof body === 'function' ? body(close) : body;
  const footer = typeof actions === 'function' ? actions(close) : actions;
  append(dialog, [
    h(
      'div',
      { class: 'dialog-header' },
      h('h2', { class: 'dialog-title', id: titleId, text: title }),
      iconButton('x', 'Close', { onClick: () => close(null) }),
    ),
    description ? h('p', { class: 'dialog-description', id: descId, text: description }) : null,
    h('div', { class: 'dialog-body' }, content),
    footer ? h('div', { class: 'dialog-footer' }, footer) : null,
  ]);
  dialog.addEventListener('keydown', (event) => {
    if (event.key !== 'Tab') return;
    const focusables = [...dialog.querySelectorAll(FOCUSABLE)].filter((el) => el.offsetParent !== null || el === document.activeElement);
    if (focusables.length === 0) return;
    const first = focusables[0];
    const last = focusables[focusables.length - 1];
    if (event.shiftKey && document.activeElement === first) {
      event.preventDefault();
      last.focus();
    } else if (!event.shiftKey && document.activeElement === last) {
      event.preventDefault();
      first.focus();
    }
  });
  // Escape: the browser fires `cancel`, then closes
  dialog.addEventListener('cancel', () => {
    result = null;
  });
  document.body.append(dialog);
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => {
      dialog.remove();
      if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
      resolve(result);
    });
    dialog.showModal();
    const target =
      typeof initialFocus === 'function'
        ? initialFocus(dialog)
        : (dialog.querySelector('[data-autofocus]') ?? dialog.querySelector('.dialog-footer .btn-secondary') ?? dialog.querySelector(FOCUSABLE));
    target?.focus();
    onOpen?.(dialog, close);
  });
}

/** Asks before something that cannot be undone; resolves true when confirmed. */
export async function confirmDialog({ title, message, details, confirmLabel = 'Delete', kind = 'danger', onConfirm }) {
  let errorLine;
  const value = await openDialog({
    title,
    size: 'sm',
    body: h('div', {}, h('p', { text: message }), details ?? null, (errorLine = h('p', { class: 'field-error', role: 'alert', hidden: true }))),
    actions: (close) => {
      const confirm = button(confirmLabel, { kind });
      confirm.addEventListener('click', async () => {
        if (!onConfirm) return close(true);
        try {
          await busy(confirm, onConfirm);
          close(true);
        } catch (err) {
          replace(errorLine, err.message);
          errorLine.hidden = false;
        }
      });
      return [button('Cancel', { kind: 'secondary', onClick: () => close(false), 'data-autofocus': true }), confirm];
    },
  });
  return value === true;
}

/** Puts buttons beside a control already placed in a field (e.g. copy, show). */
export function withAddons(control, ...addons) {
  const group = h('div', { class: 'input-group' });
  control.replaceWith(group);
  group.append(control, ...addons);
  return group;
}
