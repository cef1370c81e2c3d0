// The key form of a provider row: the key, an optional model, the AWS region
// for regional providers (Bedrock), an optional expiry, Add/Save and Cancel.
//
// While a key is typed or pasted, the library's validate() says live whether
// it has the provider's shape (and offers to move a key that belongs to
// another provider). Save:
// - refuses a key that fails that offline check, with the same message;
//   nothing is sent;
// - with an empty key field on a configured row ("Update"), keeps the stored
//   key and changes only its model or expiry, with no new check;
// - otherwise asks the provider first (`set(…, { verify })`). While it asks,
//   Save is disabled and the key read-only; Cancel, or closing the popup,
//   stops the check and nothing is saved.

import { h, setText } from './dom.js';
import { REGIONAL_PROVIDERS } from './regions.js';
import { CHECKING, CANCELLED, savedOutcome, failureOutcome } from './check-result.js';

const EXPIRY_CHOICES = [
  ['', 'Never'],
  [String(60 * 60 * 1000), '1 hour'],
  [String(24 * 60 * 60 * 1000), '1 day'],
  [String(30 * 24 * 60 * 60 * 1000), '30 days'],
];

/**
 * The key form of provider `provider` (the library's ProviderInfo).
 * `validate`: the library's validate(); `feedback`: the row's feedback line
 * (feedback.js). `hooks`:
 * - keyring(): the current Keyring;
 * - verifyOptions(providerId, region, signal): the `verify` option of set();
 * - nameOf(providerId): the display name of a provider the popup has a row
 *   for, else undefined;
 * - needsPassphrase(state): points the user at the passphrase step;
 * - isOpen(): whether the popup is still open;
 * - refresh(): re-renders the popup;
 * - focusRow(): moves focus to the row when the form closes.
 */
export function createKeyForm({ provider: p, validate, feedback, hooks }) {
  const id = p.id;
  const keyPlaceholder = p.prefixes.length ? `${p.prefixes[0]}…` : 'Paste your key';
  const key = h('input', {
    id: `key-${id}`,
    class: 'secret',
    type: 'text',
    autocomplete: 'off',
    spellcheck: 'false',
    autocapitalize: 'off',
    autocorrect: 'off',
    'data-1p-ignore': true,
    'data-lpignore': 'true',
    'aria-describedby': `feedback-${id} detail-${id}`,
    placeholder: keyPlaceholder,
  });
  const model = h('input', {
    id: `model-${id}`,
    type: 'text',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: p.defaultModel,
  });
  const expires = h('select', { id: `expires-${id}` });
  for (const [value, label] of EXPIRY_CHOICES) expires.append(new Option(label, value));
  // A regional provider's key belongs to a region; the check must ask that region.
  const region = REGIONAL_PROVIDERS.includes(id)
    ? h('input', {
        id: `region-${id}`,
        type: 'text',
        autocomplete: 'off',
        spellcheck: 'false',
        autocapitalize: 'off',
        placeholder: 'us-east-1',
      })
    : null;
  const save = h('button', { type: 'submit', class: 'btn btn-primary btn-sm', id: `save-${id}`, text: 'Add' });
  const cancel = h('button', { type: 'button', class: 'btn btn-quiet btn-sm', id: `cancel-${id}`, text: 'Cancel' });
  const form = h(
    'form',
    { class: region ? 'prow-form has-region' : 'prow-form', id: `form-${id}`, 'aria-label': `${p.name} key` },
    h('label', { class: 'field field-key' }, h('span', { text: `${p.name} API key` }), key),
    h('label', { class: 'field field-model' }, h('span', { text: 'Model (optional)' }), model),
    region ? h('label', { class: 'field field-region' }, h('span', { text: 'AWS region' }), region) : '',
    h('label', { class: 'field field-expires' }, h('span', { text: 'Expires' }), expires),
    h('div', { class: 'prow-buttons' }, save, cancel),
  );

  let checking = null; // the AbortController of the provider check in flight

  const self = {
    el: form,
    key,
    model,
    /** A configured row shows its form only while it is being updated. */
    editing: false,

    /** Whether a provider check is running. */
    get checking() {
      return checking !== null;
    },

    /** Stops the provider check, if one runs (nothing is saved). */
    abort() {
      checking?.abort();
    },

    /** Feedback while typing or pasting: the library's validate(), live. */
    liveValidate() {
      const value = key.value;
      if (!value.trim()) return feedback.say('');
      const v = validate(id, value);
      feedback.say(v.valid ? `✓ ${v.message}` : v.message, v.valid ? 'ok' : 'error');
      // The key belongs to another provider: offer to move it there.
      const detectedName = v.code === 'wrong_provider' && v.detected ? hooks.nameOf(v.detected) : undefined;
      if (detectedName) feedback.offerMove(v.detected, detectedName);
    },

    /** Shows the form for a row with (`configured`) or without a stored key. */
    render(configured) {
      // Not configured: the form is the row. Configured: Update opens it.
      if (!configured) self.editing = false;
      form.hidden = configured && !self.editing;
      // While the provider is being asked: Save is disabled, the key
      // read-only, and Cancel stops the check.
      cancel.hidden = !self.editing && !checking;
      save.disabled = Boolean(checking);
      key.readOnly = Boolean(checking);
      setText(save, checking ? 'Checking…' : configured ? 'Save' : 'Add');
      save.setAttribute('aria-label', `${configured ? 'Save' : 'Add'} ${p.name} key`);
      key.placeholder = configured ? 'New key (empty keeps the current one)' : keyPlaceholder;
    },
  };

  async function submit() {
    if (checking) return; // a check is already running for this row
    const k = hooks.keyring();
    const name = p.name;
    if (k.state !== 'unlocked') {
      feedback.say(k.state === 'empty' ? 'Set a passphrase above first: it protects your keys.' : 'Unlock your keys above first.', 'error');
      hooks.needsPassphrase(k.state);
      return;
    }
    let value = key.value;
    const stored = k.list().find((i) => i.provider === id);
    const keepStored = !value.trim() && Boolean(stored);
    if (keepStored) {
      // "Update" with an empty key field keeps the stored key (new model/expiry).
      value = k.get(id);
      if (value === undefined) {
        feedback.say('This key has expired. Paste a new one.', 'error');
        key.focus();
        return;
      }
    } else if (!validate(id, value).valid) {
      // The format check catches typos before anything is sent: show the
      // same precise message (and fix) as while typing.
      self.liveValidate();
      key.focus();
      return;
    }
    const opts = {};
    if (model.value.trim()) opts.model = model.value.trim();
    if (expires.value) opts.expiresInMs = Number(expires.value);

    const saved = ({ text, kind, detail }) => {
      key.value = '';
      expires.value = '';
      self.editing = false;
      feedback.say(text, kind, detail);
      hooks.refresh();
      hooks.focusRow(); // the form is now hidden: keep focus in the row
    };
    const failed = (err) => {
      const outcome = failureOutcome(err);
      if (outcome) feedback.say(outcome.text, outcome.kind, outcome.detail);
      else self.liveValidate();
      hooks.refresh();
      key.focus();
    };

    if (keepStored) {
      // The stored key was checked when it was added: no new request.
      try {
        k.set(id, value, opts);
        saved({ text: `Saved. ${name} calls now use your key.`, kind: 'ok' });
      } catch (err) {
        failed(err);
      }
      return;
    }

    // Ask the provider first. Save stays disabled and the key read-only
    // while it runs; Cancel (or closing the popup) stops it.
    const check = new AbortController();
    checking = check;
    form.setAttribute('aria-busy', 'true');
    feedback.say(CHECKING, 'busy');
    hooks.refresh();
    let info;
    let error;
    try {
      info = await k.set(id, value, { ...opts, verify: hooks.verifyOptions(id, region?.value.trim(), check.signal) });
    } catch (err) {
      error = err;
    } finally {
      checking = null;
      form.removeAttribute('aria-busy');
    }
    if (!hooks.isOpen()) return hooks.refresh(); // closed meanwhile: the popup cleared the row
    if (error?.name === 'AbortError') {
      feedback.say(CANCELLED);
      hooks.refresh();
      key.focus();
      return;
    }
    if (error) return failed(error);
    saved(savedOutcome(info.verification, name));
  }

  key.addEventListener('input', () => self.liveValidate());
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    submit();
  });
  cancel.addEventListener('click', () => {
    // While the provider is being asked, Cancel stops the check (nothing is saved).
    if (checking) return checking.abort();
    self.editing = false;
    key.value = '';
    feedback.say('');
    hooks.refresh();
    hooks.focusRow();
  });

  return self;
}
