// The head of a provider row: its name, a status chip (Not configured,
// Configured, Disabled, Locked, Expired), the masked key with its model and
// expiry, the "use my key" switch, and the Update and Remove buttons.

import { h, setText } from './dom.js';

/** The status chip of one stored key (or of none): [label, kind]. */
export function chipFor(info, state) {
  if (!info) return ['Not configured', 'none'];
  if (info.expired) return ['Expired', 'expired'];
  if (!info.enabled) return ['Disabled', 'disabled'];
  if (state !== 'unlocked') return ['Locked', 'locked'];
  return ['Configured', 'ok'];
}

/** "expires 2 Dec 2026, 14:05" / "expired …", or undefined without an expiry. */
export function formatExpiry(info) {
  if (!info?.expiresAt) return undefined;
  const when = new Date(info.expiresAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  return info.expired ? `expired ${when}` : `expires ${when}`;
}

/**
 * The head of the row of provider `p` (the library's ProviderInfo). The
 * caller wires `enabled`, `edit` and `remove`.
 */
export function createStatus(p) {
  const id = p.id;
  const chip = h('span', { class: 'chip', id: `chip-${id}` });
  const masked = h('code', { class: 'masked', id: `masked-${id}` });
  const meta = h('span', { class: 'prow-meta', id: `meta-${id}` });
  const enabled = h('input', { type: 'checkbox', role: 'switch', id: `enabled-${id}`, 'aria-label': `Use my ${p.name} key` });
  const edit = h('button', {
    type: 'button',
    class: 'btn btn-outline btn-sm',
    id: `edit-${id}`,
    'aria-label': `Update ${p.name} key`,
    text: 'Update',
  });
  const remove = h('button', {
    type: 'button',
    class: 'btn btn-quiet btn-sm',
    id: `remove-${id}`,
    'aria-label': `Remove ${p.name} key`,
    text: 'Remove',
  });
  const enabledSwitch = h('label', { class: 'switch' }, enabled, h('span', { class: 'switch-ui', 'aria-hidden': 'true' }));

  return {
    el: h(
      'div',
      { class: 'prow-head' },
      h('div', { class: 'prow-name' }, h('strong', { text: p.name }), chip),
      h('div', { class: 'prow-key' }, masked, meta),
      enabledSwitch,
      h('div', { class: 'prow-actions' }, edit, remove),
    ),
    enabled,
    edit,
    remove,

    /**
     * Shows the stored key `info` (a `list()` entry, or undefined) in keyring
     * state `state`; `editing`: the key form is open for an update.
     */
    render(info, state, editing) {
      const [label, kind] = chipFor(info, state);
      setText(chip, label);
      chip.dataset.kind = kind;
      setText(masked, info ? info.masked : '');
      setText(meta, [info?.model, formatExpiry(info)].filter(Boolean).join(' · '));
      enabled.checked = Boolean(info?.enabled);
      enabled.disabled = !info;
      enabledSwitch.classList.toggle('is-hidden', !info);
      edit.hidden = !info || editing;
      remove.hidden = !info;
    },
  };
}
