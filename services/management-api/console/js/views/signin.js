import { request } from '../api.js';
import { h, replace } from '../dom.js';
import { icon } from '../icons.js';
import { session } from '../session.js';
import { busy, button, field, withAddons } from '../ui.js';

/** Sign in with a customer API key: checked against the API, kept for this tab's session. */
export async function render({ root, query, navigate }) {
  const input = h('input', {
    class: 'input input-mono',
    type: 'password',
    name: 'api-key',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    placeholder: 'chk_…',
  });
  const keyField = field({ label: 'API key', control: input, hint: 'Kept in this browser tab only, until you sign out or close it.' });
  const reveal = h(
    'button',
    { class: 'btn btn-ghost btn-icon input-addon', type: 'button', 'aria-label': 'Show the key', 'aria-pressed': 'false', title: 'Show the key' },
    icon('eye'),
  );
  reveal.addEventListener('click', () => {
    const shown = input.type === 'text';
    input.type = shown ? 'password' : 'text';
    reveal.setAttribute('aria-pressed', String(!shown));
    replace(reveal, icon(shown ? 'eye' : 'eyeOff'));
  });
  withAddons(input, reveal);
  const submit = button('Sign in', { kind: 'primary', type: 'submit', class: 'btn btn-primary btn-block' });
  const form = h('form', { class: 'signin-form', novalidate: true }, keyField.el, submit);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const key = input.value.trim();
    if (!key) {
      keyField.setError('Enter the API key your platform operator issued to you.');
      input.focus();
      return;
    }
    keyField.setError(null);
    await busy(submit, async () => {
      try {
        // any customer route tells whether the key is good
        await request('GET', '/v1/webhooks', { query: { limit: 1 }, key });
      } catch (err) {
        keyField.setError(err.status === 401 ? 'This API key was not accepted. Check it and try again.' : err.message);
        input.focus();
        return;
      }
      session.signIn(key);
      const next = query.get('next');
      navigate(next && next.startsWith('#/') && !next.startsWith('#/signin') ? next : '#/webhooks');
    });
  });

  replace(
    root,
    h(
      'main',
      { id: 'main', class: 'signin' },
      h(
        'div',
        { class: 'signin-card' },
        h(
          'div',
          { class: 'signin-brand' },
          h('img', { src: 'favicon.svg', alt: '', width: 40, height: 40 }),
          h('span', { class: 'brand-name', text: 'callhooks' }),
        ),
        h('h1', { class: 'page-title signin-title', tabindex: '-1', text: 'Sign in to the console' }),
        h('p', { class: 'signin-lead', text: 'Manage the webhooks your calls trigger: where they go, what they send, and in which environments.' }),
        form,
        h('p', { class: 'signin-help' }, icon('info', 14), h('span', { text: 'No key yet? Your platform operator issues API keys for your account.' })),
      ),
    ),
  );
  input.focus();
}
