import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { prettyJson, prettyJsonText } from '../format.js';
import { button, copyButton, errorState, eventBadge, loadingState, methodBadge, openDialog } from '../ui.js';

/** The eye icon: the body template as written, and the request it makes with sample call data. */
export function showBodyDialog(webhook) {
  const rendered = h('div', { class: 'preview-region' }, loadingState('Rendering with sample call data…'));
  const template = webhook.body ?? null;
  const load = async () => {
    replace(rendered, loadingState('Rendering with sample call data…'));
    try {
      const preview = await api.post(`/v1/webhooks/${encodeURIComponent(webhook.id)}/preview`);
      replace(rendered, renderedRequest(preview));
    } catch (err) {
      replace(rendered, errorState(err, load));
    }
  };
  load();
  return openDialog({
    title: 'Webhook body',
    size: 'lg',
    body: h(
      'div',
      { class: 'body-dialog' },
      h('div', { class: 'body-dialog-meta' }, eventBadge(webhook.event), methodBadge(webhook.method), h('span', { class: 'mono break', text: webhook.url })),
      h(
        'div',
        { class: 'split' },
        h(
          'section',
          { class: 'split-pane', 'aria-label': 'Body template' },
          h(
            'div',
            { class: 'pane-header' },
            h('h3', { class: 'pane-title', text: 'Body template' }),
            template ? copyButton(() => template, 'Copy the template', 'Template copied') : null,
          ),
          template
            ? h('pre', { class: 'code-block', tabindex: '0', 'data-testid': 'body-template' }, h('code', { text: prettyJsonText(template) }))
            : h('p', { class: 'muted', text: 'No body template: every field of the event is sent (the full payload).' }),
        ),
        h(
          'section',
          { class: 'split-pane', 'aria-label': 'Rendered with sample call data' },
          h('div', { class: 'pane-header' }, h('h3', { class: 'pane-title', text: 'Rendered with sample call data' })),
          rendered,
        ),
      ),
    ),
    actions: (close) => [
      h('a', { class: 'btn btn-secondary', href: `#/webhooks/${encodeURIComponent(webhook.id)}`, onClick: () => close() }, 'Edit webhook'),
      button('Close', { kind: 'primary', onClick: () => close(), 'data-autofocus': true }),
    ],
  });
}

/** What the receiver gets: POST with a JSON body, or GET with query parameters. */
export function renderedRequest(preview) {
  const line = h('div', { class: 'request-line' }, methodBadge(preview.method), h('span', { class: 'mono break', text: preview.url }));
  if (preview.method === 'GET') {
    const entries = Object.entries(preview.query ?? {});
    return h(
      'div',
      { class: 'rendered' },
      line,
      entries.length
        ? h(
            'table',
            { class: 'table table-compact' },
            h('thead', {}, h('tr', {}, h('th', { scope: 'col', text: 'Query parameter' }), h('th', { scope: 'col', text: 'Value' }))),
            h(
              'tbody',
              {},
              entries.map(([k, v]) => h('tr', {}, h('td', { class: 'mono', text: k }), h('td', { class: 'mono break', text: v }))),
            ),
          )
        : h('p', { class: 'muted', text: 'No query parameters.' }),
    );
  }
  return h(
    'div',
    { class: 'rendered' },
    line,
    h('pre', { class: 'code-block', tabindex: '0', 'data-testid': 'body-rendered' }, h('code', { text: prettyJson(preview.body) })),
  );
}
