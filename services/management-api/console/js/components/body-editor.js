import { h, nextId, replace } from '../dom.js';
import { icon } from '../icons.js';
import { button } from '../ui.js';

/** True when the caret sits inside a JSON string (an odd number of unescaped quotes before it). */
export function insideString(text, caret) {
  let inString = false;
  for (let i = 0; i < caret; i += 1) {
    const c = text[i];
    if (c === '\\' && inString) i += 1;
    else if (c === '"') inString = !inString;
  }
  return inString;
}

/**
 * The body template editor: a JSON text area with line numbers, and beside it the field
 * catalog, whose entries insert {{field}} at the caret (quoted as a typed value outside a
 * string, bare inside one).
 */
export function bodyEditor({ value, fields, label = 'Body template', onChange }) {
  const textareaId = nextId('body');
  const hintId = `${textareaId}-hint`;
  const errorId = `${textareaId}-error`;
  const textarea = h('textarea', {
    id: textareaId,
    class: 'editor-text',
    spellcheck: 'false',
    autocomplete: 'off',
    autocapitalize: 'off',
    wrap: 'off',
    rows: '14',
    'aria-describedby': `${hintId} ${errorId}`,
  });
  textarea.value = value ?? '';
  const gutter = h('pre', { class: 'editor-gutter', 'aria-hidden': 'true' });
  let errorLine = null;
  const renumber = () => {
    const count = textarea.value.split('\n').length;
    replace(
      gutter,
      Array.from({ length: count }, (_, i) => h('span', { class: i + 1 === errorLine ? 'gutter-line is-error' : 'gutter-line', text: String(i + 1) })),
    );
    gutter.scrollTop = textarea.scrollTop;
  };
  textarea.addEventListener('scroll', () => {
    gutter.scrollTop = textarea.scrollTop;
  });
  textarea.addEventListener('input', () => {
    renumber();
    onChange?.(textarea.value);
  });

  const errorEl = h('p', { class: 'field-error', id: errorId, hidden: true, 'data-testid': 'body-error' });
  const editor = h('div', { class: 'editor' }, gutter, textarea);

  const insert = (name) => {
    const start = textarea.selectionStart;
    const end = textarea.selectionEnd;
    const text = insideString(textarea.value, start) ? `{{${name}}}` : `"{{${name}}}"`;
    textarea.focus();
    textarea.setRangeText(text, start, end, 'end');
    textarea.dispatchEvent(new Event('input', { bubbles: true }));
  };

  // the catalog: searchable, each entry a real button (keyboard reachable)
  const search = h('input', { class: 'input input-sm', type: 'search', placeholder: 'Find a field', 'aria-label': 'Find a field' });
  const list = h('ul', { class: 'catalog-list', role: 'list' });
  const showFields = () => {
    const q = search.value.trim().toLowerCase();
    const shown = fields.filter((f) => !q || f.name.includes(q) || f.description.toLowerCase().includes(q));
    replace(
      list,
      shown.length
        ? shown.map((f) =>
            h(
              'li',
              {},
              h(
                'button',
                {
                  class: 'catalog-item',
                  type: 'button',
                  title: `${f.description} Example: ${JSON.stringify(f.example)}`,
                  'aria-label': `Insert ${f.name}: ${f.description}`,
                  dataset: { field: f.name },
                  onClick: () => insert(f.name),
                },
                h('span', { class: 'catalog-name mono', text: `{{${f.name}}}` }),
                h('span', { class: ['catalog-type', `type-${f.type}`], text: f.type === 'integer' ? 'number' : 'text' }),
                h('span', { class: 'catalog-desc', text: f.description }),
              ),
            ),
          )
        : h('li', { class: 'muted catalog-empty', text: 'No field matches.' }),
    );
  };
  search.addEventListener('input', showFields);
  showFields();

  const format = button('Format', {
    kind: 'ghost',
    iconName: 'code',
    onClick: () => {
      try {
        textarea.value = JSON.stringify(JSON.parse(textarea.value), null, 2);
        textarea.dispatchEvent(new Event('input', { bubbles: true }));
      } catch {
        // invalid JSON: the live validation already says where
      }
    },
  });
  const fullPayload = button('Send the full payload', {
    kind: 'ghost',
    iconName: 'layers',
    title: 'Clear the template: every field of the event is sent',
    onClick: () => {
      textarea.value = '';
      textarea.dispatchEvent(new Event('input', { bubbles: true }));
      textarea.focus();
    },
  });

  const el = h(
    'div',
    { class: 'body-editor' },
    h(
      'div',
      { class: 'body-editor-main' },
      h(
        'div',
        { class: 'editor-label-row' },
        h('label', { class: 'field-label', for: textareaId, text: label }),
        h('div', { class: 'editor-tools' }, format, fullPayload),
      ),
      editor,
      errorEl,
      h(
        'p',
        { class: 'field-hint', id: hintId },
        'JSON. A value that is exactly ',
        h('code', { text: '"{{field}}"' }),
        ' becomes the field’s typed value; ',
        h('code', { text: '{{field}}' }),
        ' inside a longer string is text. Empty: the full payload is sent.',
      ),
    ),
    h(
      'aside',
      { class: 'catalog', 'aria-label': 'Field catalog' },
      h(
        'div',
        { class: 'catalog-head' },
        h('h3', { class: 'catalog-title', text: 'Insert a field' }),
        h('p', { class: 'catalog-hint', text: 'At the caret in the body.' }),
      ),
      search,
      list,
    ),
  );
  renumber();

  return {
    el,
    textarea,
    get value() {
      return textarea.value;
    },
    setError(message) {
      const line = message ? /line (\d+)/.exec(message) : null;
      errorLine = line ? Number(line[1]) : null;
      renumber();
      if (message) {
        replace(errorEl, icon('alert', 14), h('span', { text: message }));
        errorEl.hidden = false;
        textarea.setAttribute('aria-invalid', 'true');
        editor.classList.add('has-error');
      } else {
        errorEl.hidden = true;
        textarea.removeAttribute('aria-invalid');
        editor.classList.remove('has-error');
      }
    },
  };
}
