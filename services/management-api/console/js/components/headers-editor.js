import { h, replace } from '../dom.js';
import { icon } from '../icons.js';
import { button, iconButton } from '../ui.js';

/** Custom request headers as name/value rows; the API refuses protocol and signature headers. */
export function headersEditor({ headers = {}, onChange }) {
  const rows = h('div', { class: 'headers-rows' });
  const errorEl = h('p', { class: 'field-error', hidden: true, role: 'alert' });
  const emptyNote = h('p', {
    class: 'muted headers-empty',
    text: 'No custom headers. Signature headers (webhook-id, webhook-timestamp, webhook-signature) are always added.',
  });

  const addRow = (name = '', value = '', focus = false) => {
    const nameInput = h('input', {
      class: 'input input-mono',
      type: 'text',
      value: name,
      placeholder: 'X-Api-Token',
      'aria-label': 'Header name',
      autocomplete: 'off',
      spellcheck: 'false',
    });
    const valueInput = h('input', {
      class: 'input input-mono',
      type: 'text',
      value,
      placeholder: 'value',
      'aria-label': 'Header value',
      autocomplete: 'off',
      spellcheck: 'false',
    });
    const row = h('div', { class: 'headers-row' }, nameInput, valueInput);
    const remove = iconButton('trash', 'Remove this header', {
      onClick: () => {
        const next = row.nextElementSibling ?? row.previousElementSibling;
        row.remove();
        sync();
        (next?.querySelector('input') ?? addButton).focus();
        onChange?.();
      },
    });
    row.append(remove);
    nameInput.addEventListener('input', () => onChange?.());
    valueInput.addEventListener('input', () => onChange?.());
    rows.append(row);
    sync();
    if (focus) nameInput.focus();
  };
  const sync = () => {
    emptyNote.hidden = rows.children.length > 0;
  };
  const addButton = button('Add header', { kind: 'secondary', iconName: 'plus', onClick: () => (addRow('', '', true), onChange?.()) });
  for (const [name, value] of Object.entries(headers)) addRow(name, value);
  sync();

  return {
    el: h('div', { class: 'headers-editor' }, emptyNote, rows, errorEl, addButton),
    get value() {
      const out = {};
      for (const row of rows.children) {
        const [nameInput, valueInput] = row.querySelectorAll('input');
        if (nameInput.value.trim()) out[nameInput.value.trim()] = valueInput.value;
      }
      return out;
    },
    /** The API's problems with `headers` or `headers.<Name>`, shown under the rows and on the row at fault. */
    setErrors(problems) {
      for (const row of rows.children) row.querySelector('input').removeAttribute('aria-invalid');
      if (!problems.length) {
        errorEl.hidden = true;
        return;
      }
      for (const p of problems) {
        const name = p.field.startsWith('headers.') ? p.field.slice('headers.'.length) : null;
        for (const row of rows.children) {
          const input = row.querySelector('input');
          if (name && input.value.trim().toLowerCase() === name.toLowerCase()) input.setAttribute('aria-invalid', 'true');
        }
      }
      replace(
        errorEl,
        icon('alert', 14),
        h('span', { text: problems.map((p) => (p.field === 'headers' ? p.message : `${p.field.slice('headers.'.length)}: ${p.message}`)).join(' · ') }),
      );
      errorEl.hidden = false;
    },
  };
}
