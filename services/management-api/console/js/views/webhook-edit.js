import { api, ApiError, loadCatalog } from '../api.js';
import { append, debounce, h, replace } from '../dom.js';
import { formatFullDateTime } from '../format.js';
import { icon } from '../icons.js';
import { busy, button, callout, card, copyButton, errorState, field, loadingState, pageHeader, select, statusBadge, toast, withAddons } from '../ui.js';
import { bodyEditor } from '../components/body-editor.js';
import { renderedRequest } from '../components/body-dialog.js';
import { deliveryLog } from '../components/delivery-log.js';
import { headersEditor } from '../components/headers-editor.js';
import { secretCard } from '../components/secret-card.js';
import { testSendCard } from '../components/test-send.js';
import { healthCard } from '../components/webhook-health.js';
import { recoveryCard } from '../components/recovery-card.js';

const STARTER_BODY = `{
  "call": "{{uuid}}",
  "direction": "{{direction}}",
  "from": "{{caller_id_number}}",
  "to": "{{destination}}",
  "duration": "{{duration}}",
  "note": "Call {{uuid}} ended: {{cause}}"
}`;

/** Create (#/webhooks/new) and edit (#/webhooks/:id) a webhook, with live validation and preview. */
export async function render({ main, params, navigate }) {
  const isNew = !params.id;
  document.title = `${isNew ? 'New webhook' : 'Edit webhook'} · callhooks console`;
  const placeholder = h('div', {}, loadingState(isNew ? 'Preparing…' : 'Loading the webhook…'));
  main.append(placeholder);
  let catalog;
  let webhook = null;
  try {
    [catalog, webhook] = await Promise.all([loadCatalog(), isNew ? null : api.get(`/v1/webhooks/${encodeURIComponent(params.id)}`)]);
  } catch (err) {
    replace(
      placeholder,
      pageHeader({ title: err.status === 404 ? 'Webhook not found' : 'Edit webhook', crumbs: [['Webhooks', '#/webhooks']] }),
      err.status === 404
        ? callout('warning', 'This webhook does not exist, or it was deleted. ', h('a', { href: '#/webhooks', text: 'Back to the webhooks.' }))
        : errorState(err, () => render({ main: replace(main), params, navigate })),
    );
    return;
  }
  placeholder.remove();

  const draft = webhook ?? { enabled: true, event: 'Call:Hangup', method: 'POST', url: '', body: STARTER_BODY, headers: {}, description: null };
  const describe = (name) => catalog.events.find((e) => e.name === name);

  // ----- settings -----
  const enabledInput = h('input', { type: 'checkbox', role: 'switch', class: 'switch-input', checked: draft.enabled });
  const enabledLabel = h('span', { class: 'switch-text', text: draft.enabled ? 'Enabled' : 'Disabled' });
  enabledInput.addEventListener('change', () => (enabledLabel.textContent = enabledInput.checked ? 'Enabled' : 'Disabled'));
  const enabledField = h(
    'div',
    { class: 'field' },
    h('span', { class: 'field-label', id: 'enabled-label', text: 'Status' }),
    h(
      'label',
      { class: 'switch' },
      enabledInput,
      h('span', { class: 'switch-track', 'aria-hidden': 'true' }, h('span', { class: 'switch-thumb' })),
      enabledLabel,
    ),
    h('p', { class: 'field-hint', text: 'A disabled webhook sends nothing (a test send still works).' }),
  );
  enabledInput.setAttribute('aria-labelledby', 'enabled-label');

  const eventSelect = select(
    catalog.events.map((e) => [e.name, e.name]),
    { value: draft.event, name: 'event' },
  );
  const eventField = field({ label: 'Event', control: eventSelect, hint: describe(draft.event)?.description ?? '' });
  const describeEvent = () => {
    const d = describe(eventSelect.value);
    replace(eventField.hintEl, d ? [d.description, ' ', h('span', { class: 'muted', text: `(${d.frequency})` })] : '');
  };
  eventSelect.addEventListener('change', describeEvent);
  describeEvent();

  const methodName = 'method';
  const methodRadios = ['POST', 'GET'].map((m) =>
    h('input', { type: 'radio', name: methodName, value: m, checked: draft.method === m, class: 'segment-input', id: `method-${m.toLowerCase()}` }),
  );
  const methodField = h(
    'fieldset',
    { class: 'field fieldset' },
    h('legend', { class: 'field-label', text: 'Method' }),
    h(
      'div',
      { class: 'segmented' },
      methodRadios.map((r) =>
        h(
          'label',
          { class: 'segment', for: r.id },
          r,
          h('span', { class: 'segment-title', text: r.value }),
          h('span', { class: 'segment-hint', text: r.value === 'POST' ? 'JSON body' : 'fields as query parameters' }),
        ),
      ),
    ),
  );
  const method = () => methodRadios.find((r) => r.checked)?.value ?? 'POST';

  const urlInput = h('input', {
    class: 'input input-mono',
    type: 'url',
    name: 'url',
    value: draft.url,
    placeholder: 'https://crm.example.com/hooks/calls',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
  });
  const urlField = field({ label: 'URL', control: urlInput, hint: 'Where the requests go: http or https.' });

  const descriptionInput = h('input', {
    class: 'input',
    type: 'text',
    name: 'description',
    value: draft.description ?? '',
    maxlength: '500',
    placeholder: 'Hangups to the CRM',
  });
  const descriptionField = field({ label: 'Description', control: descriptionInput, optional: true });

  const uuidRow = webhook
    ? (() => {
        const input = h('input', { class: 'input input-mono', type: 'text', readonly: true, value: webhook.id, 'data-testid': 'webhook-uuid' });
        const f = field({ label: 'UUID', control: input, hint: 'The webhook’s id, for tracing: deliveries and logs name it.' });
        withAddons(
          input,
          copyButton(() => webhook.id, 'Copy the UUID', 'UUID copied'),
        );
        return f.el;
      })()
    : h('div', { class: 'field' }, h('span', { class: 'field-label', text: 'UUID' }), h('p', { class: 'muted', text: 'Assigned when you save.' }));

  // ----- body, headers, preview -----
  const previewRegion = h('div', { class: 'preview-region', 'aria-live': 'polite', 'data-testid': 'live-preview' });
  const body = bodyEditor({ value: draft.body ?? '', fields: catalog.fields, onChange: () => validateSoon() });
  const headers = headersEditor({ headers: draft.headers, onChange: () => markDirty() });

  let dirty = false;
  const markDirty = () => {
    dirty = true;
  };

  let previewSeq = 0;
  /** Live validation: the API checks the draft exactly as a save would, and renders it. */
  async function validateDraft() {
    const seq = ++previewSeq;
    const url = urlInput.value.trim();
    previewRegion.setAttribute('aria-busy', 'true');
    try {
      const preview = await api.post('/v1/templates/preview', { body: body.value.trim() === '' ? null : body.value, method: method(), url: url || undefined });
      if (seq !== previewSeq) return;
      body.setError(null);
      if (url) urlField.setError(null);
      replace(previewRegion, renderedRequest(url ? preview : { ...preview, url: url || '(your URL)' }));
    } catch (err) {
      if (seq !== previewSeq) return;
      if (!(err instanceof ApiError) || err.code !== 'validation_failed') {
        replace(previewRegion, errorState(err, validateDraft));
        return;
      }
      body.setError(joinMessages(err, 'body'));
      if (url) urlField.setError(joinMessages(err, 'url'));
      replace(previewRegion, callout('warning', 'Fix the problems in the form to see what the receiver gets.'));
    } finally {
      if (seq === previewSeq) previewRegion.removeAttribute('aria-busy');
    }
  }
  const validateSoon = debounce(() => {
    markDirty();
    validateDraft();
  }, 350);
  urlInput.addEventListener('input', validateSoon);
  methodRadios.forEach((r) => r.addEventListener('change', validateSoon));
  [eventSelect, enabledInput, descriptionInput].forEach((c) => c.addEventListener('change', markDirty));

  // ----- save -----
  const summary = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true });
  const save = button(isNew ? 'Create webhook' : 'Save changes', { kind: 'primary', type: 'submit', iconName: 'check', form: 'webhook-form' });
  const cancel = h('a', { class: 'btn btn-secondary', href: '#/webhooks' }, 'Cancel');

  const showProblems = (err) => {
    eventField.setError(joinMessages(err, 'event'));
    urlField.setError(joinMessages(err, 'url'));
    descriptionField.setError(joinMessages(err, 'description'));
    body.setError(joinMessages(err, 'body'));
    headers.setErrors(err.fields.filter((f) => f.field === 'headers' || f.field.startsWith('headers.')));
    replace(
      summary,
      h(
        'h2',
        { class: 'error-summary-title' },
        icon('alert', 16),
        err.fields.length
          ? `The webhook was not saved: ${err.fields.length === 1 ? 'one problem' : `${err.fields.length} problems`}`
          : 'The webhook was not saved',
      ),
      h('ul', {}, err.fields.length ? err.fields.map((f) => h('li', {}, h('strong', { text: f.field }), `: ${f.message}`)) : h('li', { text: err.message })),
    );
    summary.hidden = false;
    summary.focus();
  };

  const form = h('form', { id: 'webhook-form', class: 'webhook-form', novalidate: true });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    summary.hidden = true;
    const dto = {
      enabled: enabledInput.checked,
      event: eventSelect.value,
      method: method(),
      url: urlInput.value.trim(),
      body: body.value.trim() === '' ? null : body.value,
      headers: headers.value,
      description: descriptionInput.value.trim() || null,
    };
    await busy(save, async () => {
      try {
        const saved = webhook ? await api.patch(`/v1/webhooks/${encodeURIComponent(webhook.id)}`, dto) : await api.post('/v1/webhooks', dto);
        dirty = false;
        toast(webhook ? 'Changes saved' : 'Webhook created');
        navigate(`#/webhooks/${encodeURIComponent(saved.id)}`, { replace: !webhook });
      } catch (err) {
        if (err instanceof ApiError && err.code === 'validation_failed') showProblems(err);
        else {
          replace(summary, h('h2', { class: 'error-summary-title' }, icon('alert', 16), 'The webhook was not saved'), h('p', { text: err.message }));
          summary.hidden = false;
          summary.focus();
        }
      }
    });
  });

  form.append(
    summary,
    card(
      { title: 'Settings' },
      h(
        'div',
        { class: 'form-grid' },
        uuidRow,
        enabledField,
        eventField.el,
        methodField,
        h('div', { class: 'span-2' }, urlField.el),
        h('div', { class: 'span-2' }, descriptionField.el),
      ),
    ),
    card({ title: 'Body', description: 'The JSON your receiver gets, with placeholders for the call’s fields.' }, body.el),
    card({ title: 'Custom headers', description: 'Sent with every request, e.g. a token your receiver expects.' }, headers.el),
    h('div', { class: 'form-actions' }, cancel, save),
  );

  const side = h(
    'aside',
    { class: 'side', 'aria-label': 'Preview and tools' },
    card({ title: 'Live preview', description: 'The request made for a sample call, as the API renders it.' }, previewRegion),
  );

  const headerTitle = isNew ? 'New webhook' : 'Edit webhook';
  append(main, [
    pageHeader({
      title: headerTitle,
      crumbs: [['Webhooks', '#/webhooks']],
      subtitle: webhook ? `Created ${formatFullDateTime(webhook.created_at)}` : 'A webhook sends one event of your calls to one URL.',
      badge: webhook ? statusBadge(webhook.enabled, webhook.disabled_reason) : null,
    }),
    webhook?.disabled_reason ? callout('warning', `Disabled by the system: ${webhook.disabled_reason}. Check the receiver, then enable it again.`) : null,
    h('div', { class: 'edit-layout' }, h('div', { class: 'edit-main' }, form), side),
  ]);

  if (webhook) {
    side.append(
      subscriptionsCard(webhook),
      testSendCard(webhook.id, { onSent: () => recent.reload() }),
      recoveryCard(webhook.id, { onDone: () => (recent.reload(), health.reload()) }),
      secretCard(webhook.id),
    );
    const health = healthCard(webhook.id);
    const recent = deliveryLog({
      filter: { webhook_id: webhook.id },
      limit: 5,
      showWebhook: false,
      paged: false,
      emptyText: 'Nothing was sent to this webhook yet. Send a test to see one here.',
    });
    main.append(
      health.el,
      card(
        {
          title: 'Recent deliveries',
          description: 'The last requests made to this webhook, each with its attempts.',
          actions: [
            h(
              'a',
              { class: 'btn btn-ghost', href: `#/deliveries?webhook_id=${encodeURIComponent(webhook.id)}` },
              h('span', { text: 'Open the delivery log' }),
              icon('chevronRight'),
            ),
          ],
        },
        recent.el,
      ),
    );
  } else {
    side.append(
      callout(
        'info',
        h('strong', { text: 'Then subscribe it. ' }),
        'A webhook works in an environment only once it is subscribed there: after saving, choose its environments here or on the ',
        h('a', { href: '#/environments', text: 'Environments' }),
        ' screen.',
      ),
    );
  }

  validateDraft();
  const beforeUnload = (event) => {
    if (dirty) event.preventDefault();
  };
  window.addEventListener('beforeunload', beforeUnload);
  return () => {
    validateSoon.cancel();
    window.removeEventListener('beforeunload', beforeUnload);
  };
}

function joinMessages(err, name) {
  const messages = err.fields.filter((f) => f.field === name).map((f) => f.message);
  return messages.length ? messages.join('; ') : null;
}

/** Where the webhook is subscribed, with a switch per environment: it fires only where subscribed. */
function subscriptionsCard(webhook) {
  const region = h('div', { class: 'subscriptions', 'aria-live': 'polite' }, loadingState('Loading environments…'));
  const load = async () => {
    try {
      const environments = await api.all('/v1/environments');
      if (environments.length === 0) {
        replace(
          region,
          callout(
            'warning',
            'You have no environment yet, so this webhook fires nowhere. ',
            h('a', { href: '#/environments', text: 'Create an environment' }),
            ' and subscribe it there.',
          ),
        );
        return;
      }
      const note = h('div', {});
      const refreshNote = () => {
        const count = region.querySelectorAll('input[type=checkbox]:checked').length;
        replace(
          note,
          count === 0
            ? callout('warning', h('strong', { text: 'Not subscribed anywhere: ' }), 'this webhook will not fire until you subscribe it in an environment.')
            : callout(
                'info',
                `Fires for calls in ${count === 1 ? 'one environment' : `${count} environments`}; a webhook works in an environment only once subscribed there.`,
              ),
        );
      };
      const items = environments.map((env) => {
        const box = h('input', { type: 'checkbox', class: 'checkbox', checked: env.webhook_ids.includes(webhook.id), 'aria-describedby': `env-tz-${env.id}` });
        box.addEventListener('change', async () => {
          box.disabled = true;
          try {
            if (box.checked) await api.post(`/v1/environments/${encodeURIComponent(env.id)}/webhooks`, { webhook_id: webhook.id });
            else await api.del(`/v1/environments/${encodeURIComponent(env.id)}/webhooks/${encodeURIComponent(webhook.id)}`);
            toast(box.checked ? `Subscribed in ${env.name}` : `Unsubscribed from ${env.name}`);
          } catch (err) {
            box.checked = !box.checked;
            toast(err.message, 'error');
          } finally {
            box.disabled = false;
            refreshNote();
          }
        });
        return h(
          'li',
          {},
          h(
            'label',
            { class: 'check-row' },
            box,
            h('span', { class: 'check-main', text: env.name }),
            h('span', { class: 'check-sub muted', id: `env-tz-${env.id}`, text: `${env.id} · ${env.timezone}` }),
          ),
        );
      });
      replace(region, note, h('ul', { class: 'check-list', role: 'list' }, items));
      refreshNote();
    } catch (err) {
      replace(region, errorState(err, load));
    }
  };
  load();
  return card(
    { title: 'Environments', description: 'Where this webhook fires.', actions: [h('a', { class: 'btn btn-ghost', href: '#/environments' }, 'Manage')] },
    region,
  );
}
