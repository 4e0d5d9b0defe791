import { api, ApiError } from '../api.js';
import { h } from '../dom.js';
import { busy, button, field, openDialog } from '../ui.js';

function timeZones() {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
}

/**
 * Creates an environment under the platform's id (PUT create-or-update). Resolves with the
 * environment, or null when cancelled.
 */
export function newEnvironmentDialog() {
  const idInput = h('input', {
    class: 'input input-mono',
    type: 'text',
    name: 'id',
    required: true,
    maxlength: '64',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'env-42',
    'data-autofocus': true,
  });
  const nameInput = h('input', { class: 'input', type: 'text', name: 'name', required: true, maxlength: '200', placeholder: 'ITD2024' });
  const tzInput = h('input', {
    class: 'input',
    type: 'text',
    name: 'timezone',
    required: true,
    list: 'tz-list',
    value: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
    autocomplete: 'off',
  });
  const tzList = h(
    'datalist',
    { id: 'tz-list' },
    timeZones().map((z) => h('option', { value: z })),
  );
  const idField = field({ label: 'Environment ID', control: idInput, hint: 'The platform’s id of the environment; call events name it.' });
  const nameField = field({ label: 'Name', control: nameInput, hint: 'Sent in payloads as environment_name.' });
  const tzField = field({ label: 'Time zone', control: tzInput, hint: 'IANA zone, e.g. Asia/Jerusalem: start_at and answer_at are in it.' });
  const formError = h('p', { class: 'field-error', role: 'alert', hidden: true });

  return openDialog({
    title: 'New environment',
    description: 'An environment groups the calls of one of your platform environments; webhooks fire in it once subscribed.',
    body: (close) => {
      const form = h('form', { id: 'environment-form', class: 'stack', novalidate: true }, idField.el, nameField.el, tzField.el, tzList, formError);
      form.addEventListener('submit', async (event) => {
        event.preventDefault();
        const submit = form.closest('dialog').querySelector('button[type=submit]');
        [idField, nameField, tzField].forEach((f) => f.setError(null));
        formError.hidden = true;
        const id = idInput.value.trim();
        if (!id) {
          idField.setError('Enter the platform’s environment id.');
          idInput.focus();
          return;
        }
        await busy(submit, async () => {
          try {
            const env = await api.put(`/v1/environments/${encodeURIComponent(id)}`, { name: nameInput.value.trim(), timezone: tzInput.value.trim() });
            close(env);
          } catch (err) {
            if (err instanceof ApiError && err.fields.length) {
              nameField.setError(err.fieldMessage('name'));
              tzField.setError(err.fieldMessage('timezone'));
              idField.setError(err.fieldMessage('id'));
              form.querySelector('[aria-invalid=true]')?.focus();
            } else {
              formError.textContent = err.message;
              formError.hidden = false;
            }
          }
        });
      });
      return form;
    },
    actions: (close) => [
      button('Cancel', { kind: 'secondary', onClick: () => close(null) }),
      button('Create environment', { kind: 'primary', type: 'submit', form: 'environment-form' }),
    ],
    initialFocus: (dialog) => dialog.querySelector('input[name=id]'),
  });
}
