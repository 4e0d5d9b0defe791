import { api } from '../api.js';
import { h, replace } from '../dom.js';
import { formatDateTime } from '../format.js';
import { icon } from '../icons.js';
import { busy, button, card, confirmDialog, copyButton, toast } from '../ui.js';

const MASK = 'whsec_••••••••••••••••••••••••••••';

/** The signing secret: hidden until asked for, copy, rotate (the old one keeps signing for the overlap). */
export function secretCard(webhookId) {
  let secret = null;
  let shown = false;
  const value = h('code', { class: 'secret-value mono', 'data-testid': 'secret-value', text: MASK });
  const previous = h('div', { class: 'secret-previous' });
  const path = `/v1/webhooks/${encodeURIComponent(webhookId)}/secret`;

  const fetchSecret = async () => {
    secret ??= await api.get(path);
    return secret;
  };
  const show = () => {
    value.textContent = shown && secret ? secret.secret : MASK;
    replace(reveal, icon(shown ? 'eyeOff' : 'eye'), h('span', { text: shown ? 'Hide' : 'Reveal' }));
    reveal.setAttribute('aria-pressed', String(shown));
    replace(
      previous,
      secret?.previous?.length
        ? [
            h('p', { class: 'muted', text: 'Still signing until they expire (so receivers can switch):' }),
            h(
              'ul',
              { class: 'plain-list' },
              secret.previous.map((p) =>
                h(
                  'li',
                  {},
                  h('code', { class: 'mono', text: shown ? p.secret : `${p.secret.slice(0, 10)}…` }),
                  h('span', { class: 'muted', text: ` until ${formatDateTime(p.expires_at)}` }),
                ),
              ),
            ),
          ]
        : [],
    );
  };
  const reveal = h('button', { class: 'btn btn-secondary', type: 'button', 'aria-pressed': 'false' });
  reveal.addEventListener('click', () =>
    busy(reveal, async () => {
      try {
        await fetchSecret();
        shown = !shown;
        show();
      } catch (err) {
        toast(err.message, 'error');
      }
    }),
  );
  const copy = copyButton(async () => (await fetchSecret()).secret, 'Copy the signing secret', 'Signing secret copied');
  const rotate = button('Rotate', { kind: 'secondary', iconName: 'rotate' });
  rotate.addEventListener('click', async () => {
    const rotated = await confirmDialog({
      title: 'Rotate the signing secret?',
      message:
        'A new secret signs every delivery from now on. The current one keeps signing too for the overlap period (24 hours by default), so your receiver can switch without dropping requests.',
      confirmLabel: 'Rotate secret',
      kind: 'primary',
      onConfirm: async () => {
        secret = await api.post(`${path}/rotate`);
      },
    });
    if (rotated) {
      shown = true;
      show();
      toast('Signing secret rotated');
    }
  });
  show();

  return card(
    {
      title: 'Signing secret',
      description: 'Deliveries carry Standard Webhooks signatures (webhook-id, webhook-timestamp, webhook-signature) made with this secret.',
    },
    h('div', { class: 'secret-row' }, value, copy),
    h('div', { class: 'button-row' }, reveal, rotate),
    previous,
  );
}
