// The popup's provider list: one row per provider of the library's
// providers(), the platform's own providers first and the rest under "More
// providers". Each row is its status head (provider-status.js), its key form
// (key-form.js), its feedback line (feedback.js) and a link to the
// provider's key page, named as the library names its keys ("Get an xAI
// key"). Rows are built once and updated in place, so a refresh never
// disturbs what is typed.

import { h, setText } from './dom.js';
import { createStatus } from './provider-status.js';
import { createFeedback } from './feedback.js';
import { createKeyForm } from './key-form.js';

/**
 * `providers`: the library's providers(); `platformProviders`: the ids shown
 * first; `validate`: the library's validate(); `el`: the two lists (`main`,
 * `more`), the "More providers" <details> and its count; `hooks`: keyring(),
 * verifyOptions(), needsPassphrase(state), isOpen() and refresh(), as
 * key-form.js describes them.
 */
export function createProviderRows({ providers, platformProviders, validate, el, hooks }) {
  const rows = new Map(); // provider id -> row
  const kr = hooks.keyring;

  function buildRow(p) {
    const id = p.id;
    const status = createStatus(p);
    const feedback = createFeedback(id, { onMove: (toId) => moveKey(row, toId) });
    const form = createKeyForm({
      provider: p,
      validate,
      feedback,
      hooks: { ...hooks, nameOf: (other) => rows.get(other)?.p.name, focusRow: () => status.edit.focus() },
    });
    const keyLink = h(
      'a',
      { class: 'keylink', href: p.keyUrl, target: '_blank', rel: 'noopener noreferrer' },
      `Get ${p.keyLabel}`,
      h('span', { 'aria-hidden': 'true', text: ' ↗' }),
    );
    const li = h(
      'li',
      { class: 'prow', 'data-provider': id },
      status.el,
      form.el,
      h('div', { class: 'prow-foot' }, feedback.el, keyLink),
    );
    const row = { p, li, status, form, feedback };

    status.enabled.addEventListener('change', () => {
      const on = status.enabled.checked;
      try {
        kr().setEnabled(id, on);
        feedback.say(on ? `${p.name} calls use your key.` : `Key kept but not used: ${p.name} calls use platform credits.`, 'ok');
      } catch (err) {
        feedback.say(err.message, 'error');
      }
      hooks.refresh();
    });
    status.remove.addEventListener('click', () => {
      try {
        kr().remove(id);
        form.model.value = '';
        feedback.say(`Removed your ${p.name} key.`, 'ok');
      } catch (err) {
        feedback.say(err.message, 'error');
      }
      form.editing = false;
      hooks.refresh();
      form.key.focus();
    });
    status.edit.addEventListener('click', () => {
      form.editing = true;
      hooks.refresh();
      form.key.focus();
    });
    rows.set(id, row);
    return li;
  }

  const inMore = (row) => el.more.contains(row.li);

  /** Moves the key typed in `from` to the row of provider `toId`. */
  function moveKey(from, toId) {
    const to = rows.get(toId);
    if (!to) return;
    if (inMore(to)) el.details.open = true;
    to.form.key.value = from.form.key.value;
    from.form.key.value = '';
    from.feedback.say('');
    if (to.li.dataset.configured === 'true') to.form.editing = true;
    hooks.refresh();
    to.form.liveValidate();
    to.form.key.focus();
  }

  for (const p of providers) {
    (platformProviders.includes(p.id) ? el.main : el.more).append(buildRow(p));
  }

  return {
    /** Whether any row is checking a key with its provider. */
    get checking() {
      return [...rows.values()].some((r) => r.form.checking);
    },

    /** Shows the stored keys `list` (the keyring's list()) in keyring state `state`. */
    render(list, state) {
      const byProvider = new Map(list.map((i) => [i.provider, i]));
      let moreConfigured = 0;
      for (const r of rows.values()) {
        const info = byProvider.get(r.p.id);
        r.form.render(Boolean(info));
        r.status.render(info, state, r.form.editing);
        r.li.dataset.configured = String(Boolean(info));
        r.li.dataset.editing = String(r.form.editing);
        if (info && inMore(r)) moreConfigured += 1;
      }
      setText(el.count, moreConfigured ? `${moreConfigured} configured` : '');
    },

    /** Puts each stored key's model in its row's model field. */
    fillModels(list) {
      for (const r of rows.values()) r.form.model.value = list.find((i) => i.provider === r.p.id)?.model || '';
    },

    /** After "Forget all keys": no model and no feedback left in any row. */
    forgetAll() {
      for (const r of rows.values()) {
        r.form.model.value = '';
        r.feedback.say('');
      }
    },

    /** When the popup closes: stops every check, and leaves no key text behind. */
    closeAll() {
      for (const r of rows.values()) {
        r.form.abort();
        r.form.key.value = '';
        r.form.editing = false;
        r.feedback.say('');
      }
    },

    /** Opens "More providers" if the row of `providerId` is in it. */
    reveal(providerId) {
      const r = rows.get(providerId);
      if (r && inMore(r)) el.details.open = true;
    },

    /** Focuses the row of `providerId`: its Update button, or its key field when it has no key. */
    focus(providerId) {
      const r = rows.get(providerId);
      if (r) (r.li.dataset.configured === 'true' ? r.status.edit : r.form.key).focus();
    },

    /** Scrolls the row of `providerId` into view. */
    scrollTo(providerId) {
      rows.get(providerId)?.li.scrollIntoView({ block: 'nearest' });
    },
  };
}
