// The "API keys" settings popup: passphrase step, one row per provider, the
// "Remember on this device" switch and "Forget all keys".
//
// Add/Save checks a new key with its provider before storing it (the
// library's `set(..., { verify })`) and says what the provider answered:
// "Key works", "The provider rejected this key" (nothing saved) or "Could not
// reach the provider: saved unverified". With a stand-in base URL (the
// server's VERIFY_BASE_URL), checks go to the local stand-in instead.
//
// The dialog is a native modal <dialog>: focus stays inside it, Escape
// closes it, and focus returns to the button that opened it. Rows are built
// once and updated in place, so a refresh never disturbs what is typed.

const EXPIRY_CHOICES = [
  ['', 'Never'],
  [String(60 * 60 * 1000), '1 hour'],
  [String(24 * 60 * 60 * 1000), '1 day'],
  [String(30 * 24 * 60 * 60 * 1000), '30 days'],
];

/** Creates an element: h('button', {type: 'button', class: 'btn'}, 'Text'). */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === undefined || v === null) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  el.append(...children);
  return el;
}

/** Sets an element's text only when it differs (refresh runs every second). */
function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

/**
 * The stand-in's scenarios (tests/js/standin/providers.mjs), for the picker
 * shown when checks go to the stand-in. '' is the stand-in's own default.
 */
const STANDIN_SCENARIOS = [
  ['', 'its default (valid unless SCENARIO is set)'],
  ['valid', 'valid: 200'],
  ['invalid_key', "invalid_key: the provider's bad-key answer"],
  ['unauthorized', 'unauthorized: 401'],
  ['forbidden', 'forbidden: 403'],
  ['no_credit', 'no_credit: 402'],
  ['rate_limited', 'rate_limited: 429'],
  ['provider_error', 'provider_error: 500'],
  ['not_found', 'not_found: 404'],
  ['timeout', 'timeout: never answers'],
  ['network_error', 'network_error: closes the connection'],
  ['cors', 'cors: refuses the preflight'],
];

/**
 * What the row says after `set(..., { verify })` stored the key:
 * [headline, feedback kind]. (`invalid_key` rejects instead: nothing stored.)
 */
function verifiedOutcome(code) {
  switch (code) {
    case 'valid':
    case 'forbidden': // 403/402: the key authenticated, it just lacks access or credit
    case 'rate_limited': // 429: the key authenticated
      return ['Key works', 'ok'];
    case 'unsupported':
      return ['Saved (this provider has no free key check)', 'ok'];
    default: // network_error, timeout, provider_error
      return ['Could not reach the provider: saved unverified', 'warn'];
  }
}

/** "an OpenAI key" / "a Groq key", as the library's messages say it. */
const aKeyOf = (name) => `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name} key`;

/** The status chip of one stored key (or of none). */
function chipFor(info, state) {
  if (!info) return ['Not configured', 'none'];
  if (info.expired) return ['Expired', 'expired'];
  if (!info.enabled) return ['Disabled', 'disabled'];
  if (state !== 'unlocked') return ['Locked', 'locked'];
  return ['Configured', 'ok'];
}

function formatExpiry(info) {
  if (!info?.expiresAt) return undefined;
  const when = new Date(info.expiresAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  return info.expired ? `expired ${when}` : `expires ${when}`;
}

/**
 * Builds the popup. `verifyBaseUrl`: where key checks go instead of the
 * providers (the stand-in), or null for the providers themselves;
 * `scenario`: the stand-in scenario to start with (from ?scenario=).
 */
export function createSettings({ store, lib, providers, platformProviders, opener, verifyBaseUrl = null, scenario = '' }) {
  const $ = (id) => document.getElementById(id);
  const dialog = $('settings');
  const kr = () => store.keyring;
  const el = {
    close: $('settings-close'),
    createForm: $('create-form'),
    newPass: $('passphrase-new'),
    confirmPass: $('passphrase-confirm'),
    unlockForm: $('unlock-form'),
    pass: $('passphrase'),
    unlocked: $('unlocked-panel'),
    unlockedStatus: $('unlocked-status'),
    lock: $('lock-btn'),
    vaultMsg: $('vault-msg'),
    rowsMain: $('rows-main'),
    rowsMore: $('rows-more'),
    more: $('more-providers'),
    moreCount: $('more-count'),
    remember: $('remember'),
    forget: $('forget-btn'),
    forgetConfirm: $('forget-confirm'),
    forgetYes: $('forget-yes'),
    forgetNo: $('forget-no'),
    storeNote: $('store-note'),
    standinNote: $('standin-note'),
    standinUrl: $('standin-url'),
    scenario: $('verify-scenario'),
  };

  if (verifyBaseUrl) {
    for (const [value, label] of STANDIN_SCENARIOS) el.scenario.append(new Option(label, value));
    el.scenario.value = STANDIN_SCENARIOS.some(([v]) => v === scenario) ? scenario : '';
    el.standinUrl.textContent = verifyBaseUrl;
    el.standinNote.hidden = false;
  }

  /**
   * The `verify` option of `set`: the provider's own endpoint in production,
   * the stand-in (`<base>/<scenario>/<provider>`) when one is configured.
   */
  function verifyOptions(r, signal) {
    if (verifyBaseUrl) {
      const scenarioPath = el.scenario.value ? `${el.scenario.value}/` : '';
      return { baseUrl: `${verifyBaseUrl}/${scenarioPath}${r.p.id}`, signal };
    }
    const region = r.region?.value.trim();
    return region ? { region, signal } : { signal };
  }

  /** Shows a message under the passphrase step; kind: 'ok' | 'error' | ''. */
  function vaultSay(text, kind = '') {
    el.vaultMsg.textContent = text;
    el.vaultMsg.dataset.kind = kind;
  }

  // ---- provider rows ----

  const rows = new Map(); // provider id -> {row elements}

  function buildRow(p) {
    const id = p.id;
    const r = {
      p,
      chip: h('span', { class: 'chip', id: `chip-${id}` }),
      masked: h('code', { class: 'masked', id: `masked-${id}` }),
      meta: h('span', { class: 'prow-meta', id: `meta-${id}` }),
      enabled: h('input', {
        type: 'checkbox',
        role: 'switch',
        id: `enabled-${id}`,
        'aria-label': `Use my ${p.name} key`,
      }),
      edit: h('button', {
        type: 'button',
        class: 'btn btn-outline btn-sm',
        id: `edit-${id}`,
        'aria-label': `Update ${p.name} key`,
        text: 'Update',
      }),
      remove: h('button', {
        type: 'button',
        class: 'btn btn-quiet btn-sm',
        id: `remove-${id}`,
        'aria-label': `Remove ${p.name} key`,
        text: 'Remove',
      }),
      key: h('input', {
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
        placeholder: p.prefixes.length ? `${p.prefixes[0]}…` : 'Paste your key',
      }),
      model: h('input', {
        id: `model-${id}`,
        type: 'text',
        autocomplete: 'off',
        spellcheck: 'false',
        placeholder: p.defaultModel,
      }),
      expires: h('select', { id: `expires-${id}` }),
      // Bedrock keys belong to an AWS region; the check must ask that region.
      region:
        id === 'bedrock'
          ? h('input', {
              id: `region-${id}`,
              type: 'text',
              autocomplete: 'off',
              spellcheck: 'false',
              autocapitalize: 'off',
              placeholder: 'us-east-1',
            })
          : null,
      save: h('button', { type: 'submit', class: 'btn btn-primary btn-sm', id: `save-${id}`, text: 'Add' }),
      cancel: h('button', { type: 'button', class: 'btn btn-quiet btn-sm', id: `cancel-${id}`, text: 'Cancel' }),
      editing: false, // a configured row shows its form only while updating
      checking: null, // the AbortController of the provider check in flight
      feedback: h('span', { class: 'feedback', id: `feedback-${id}` }),
      detail: h('span', { class: 'feedback-detail', id: `detail-${id}`, hidden: true }),
      fix: h('button', { type: 'button', class: 'linklike', hidden: true }),
    };
    r.keyPlaceholder = r.key.placeholder;
    for (const [value, label] of EXPIRY_CHOICES) r.expires.append(new Option(label, value));

    const keyLink = h(
      'a',
      { class: 'keylink', href: p.keyUrl, target: '_blank', rel: 'noopener noreferrer' },
      `Get ${aKeyOf(p.name)}`,
      h('span', { 'aria-hidden': 'true', text: ' ↗' }),
    );
    r.form = h(
      'form',
      { class: r.region ? 'prow-form has-region' : 'prow-form', id: `form-${id}`, 'aria-label': `${p.name} key` },
      h('label', { class: 'field field-key' }, h('span', { text: `${p.name} API key` }), r.key),
      h('label', { class: 'field field-model' }, h('span', { text: 'Model (optional)' }), r.model),
      r.region ? h('label', { class: 'field field-region' }, h('span', { text: 'AWS region' }), r.region) : '',
      h('label', { class: 'field field-expires' }, h('span', { text: 'Expires' }), r.expires),
      h('div', { class: 'prow-buttons' }, r.save, r.cancel),
    );
    r.li = h(
      'li',
      { class: 'prow', 'data-provider': id },
      h(
        'div',
        { class: 'prow-head' },
        h('div', { class: 'prow-name' }, h('strong', { text: p.name }), r.chip),
        h('div', { class: 'prow-key' }, r.masked, r.meta),
        h('label', { class: 'switch' }, r.enabled, h('span', { class: 'switch-ui', 'aria-hidden': 'true' })),
        h('div', { class: 'prow-actions' }, r.edit, r.remove),
      ),
      r.form,
      h(
        'div',
        { class: 'prow-foot' },
        h(
          'div',
          { class: 'prow-status' },
          // One live region for the headline and its detail.
          h('span', { class: 'prow-live', role: 'status', 'aria-live': 'polite' }, r.feedback, r.detail),
          r.fix,
        ),
        keyLink,
      ),
    );

    r.key.addEventListener('input', () => liveValidate(r));
    r.form.addEventListener('submit', (e) => {
      e.preventDefault();
      save(r);
    });
    r.enabled.addEventListener('change', () => {
      try {
        kr().setEnabled(id, r.enabled.checked);
        say(r, r.enabled.checked ? `${p.name} calls use your key.` : `Key kept but not used: ${p.name} calls use platform credits.`, 'ok');
      } catch (err) {
        say(r, err.message, 'error');
      }
      refresh();
    });
    r.remove.addEventListener('click', () => {
      try {
        kr().remove(id);
        r.model.value = '';
        say(r, `Removed your ${p.name} key.`, 'ok');
      } catch (err) {
        say(r, err.message, 'error');
      }
      r.editing = false;
      refresh();
      r.key.focus();
    });
    r.edit.addEventListener('click', () => {
      r.editing = true;
      refresh();
      r.key.focus();
    });
    r.cancel.addEventListener('click', () => {
      // While the provider is being asked, Cancel stops the check (nothing is saved).
      if (r.checking) return r.checking.abort();
      r.editing = false;
      r.key.value = '';
      say(r, '');
      refresh();
      r.edit.focus();
    });
    r.fix.addEventListener('click', () => moveKeyTo(r, r.fix.dataset.provider));
    rows.set(id, r);
    return r.li;
  }

  /** The row's live feedback: a headline (kind: 'ok' | 'warn' | 'error' | 'busy' | ''), and an optional detail. */
  function say(r, text, kind = '', detail = '') {
    r.feedback.textContent = text;
    r.feedback.dataset.kind = kind;
    r.detail.textContent = detail;
    r.detail.hidden = !detail;
    r.fix.hidden = true;
  }

  /** Feedback while typing or pasting: the library's validate(), live. */
  function liveValidate(r) {
    const value = r.key.value;
    if (!value.trim()) return say(r, '');
    const v = lib.validate(r.p.id, value);
    say(r, v.valid ? `✓ ${v.message}` : v.message, v.valid ? 'ok' : 'error');
    // The key belongs to another provider: offer to move it there.
    if (v.code === 'wrong_provider' && v.detected && rows.has(v.detected)) {
      r.fix.textContent = `Add it to ${rows.get(v.detected).p.name} instead`;
      r.fix.dataset.provider = v.detected;
      r.fix.hidden = false;
    }
  }

  function moveKeyTo(from, toId) {
    const to = rows.get(toId);
    if (!to) return;
    if (el.rowsMore.contains(to.li)) el.more.open = true;
    to.key.value = from.key.value;
    from.key.value = '';
    say(from, '');
    if (to.li.dataset.configured === 'true') to.editing = true;
    refresh();
    liveValidate(to);
    to.key.focus();
  }

  async function save(r) {
    if (r.checking) return; // a check is already running for this row
    const k = kr();
    const { id, name } = r.p;
    if (k.state !== 'unlocked') {
      say(r, k.state === 'empty' ? 'Set a passphrase above first: it protects your keys.' : 'Unlock your keys above first.', 'error');
      (k.state === 'empty' ? el.newPass : el.pass).focus();
      return;
    }
    let key = r.key.value;
    const stored = k.list().find((i) => i.provider === id);
    const keepStored = !key.trim() && Boolean(stored);
    if (keepStored) {
      // "Update" with an empty key field keeps the stored key (new model/expiry).
      key = k.get(id);
      if (key === undefined) {
        say(r, 'This key has expired. Paste a new one.', 'error');
        r.key.focus();
        return;
      }
    } else if (!lib.validate(id, key).valid) {
      // The format check catches typos before anything is sent: show the
      // same precise message (and fix) as while typing.
      liveValidate(r);
      r.key.focus();
      return;
    }
    const opts = {};
    if (r.model.value.trim()) opts.model = r.model.value.trim();
    if (r.expires.value) opts.expiresInMs = Number(r.expires.value);

    const saved = (text, kind, detail) => {
      r.key.value = '';
      r.expires.value = '';
      r.editing = false;
      say(r, text, kind, detail);
      refresh();
      r.edit.focus(); // the form is now hidden: keep focus in the row
    };
    const failed = (err) => {
      if (err.code === 'invalid_key' && err.details?.code === 'invalid_key') {
        // The provider answered that this key is not valid: nothing was saved.
        say(r, 'The provider rejected this key', 'error', err.message);
      } else if (err.code === 'invalid_key') {
        liveValidate(r);
      } else {
        say(r, err.message, 'error');
      }
      refresh();
      r.key.focus();
    };

    if (keepStored) {
      // The stored key was checked when it was added: no new request.
      try {
        k.set(id, key, opts);
        saved(`Saved. ${name} calls now use your key.`, 'ok');
      } catch (err) {
        failed(err);
      }
      return;
    }

    // Ask the provider first. Save stays disabled and the key read-only
    // while it runs; Cancel (or closing the popup) stops it.
    const check = new AbortController();
    r.checking = check;
    r.form.setAttribute('aria-busy', 'true');
    say(r, 'Checking with the provider…', 'busy');
    refresh();
    let info;
    let error;
    try {
      info = await k.set(id, key, { ...opts, verify: verifyOptions(r, check.signal) });
    } catch (err) {
      error = err;
    } finally {
      r.checking = null;
      r.form.removeAttribute('aria-busy');
    }
    if (!dialog.open) return refresh(); // closed meanwhile: its handler cleared the row
    if (error?.name === 'AbortError') {
      say(r, 'Check cancelled: nothing was saved.');
      refresh();
      r.key.focus();
      return;
    }
    if (error) return failed(error);
    const v = info.verification;
    const [text, kind] = verifiedOutcome(v.code);
    let detail;
    if (v.code === 'valid' || v.code === 'unsupported') detail = `${name} calls now use your key.`;
    else if (kind === 'ok') detail = `${v.message} ${name} calls now use your key.`; // forbidden, rate_limited
    else detail = v.message; // why it could not be checked
    saved(text, kind, detail);
  }

  function updateRow(r, info, state) {
    const [label, kind] = chipFor(info, state);
    setText(r.chip, label);
    r.chip.dataset.kind = kind;
    setText(r.masked, info ? info.masked : '');
    setText(r.meta, [info?.model, formatExpiry(info)].filter(Boolean).join(' · '));
    r.enabled.checked = Boolean(info?.enabled);
    r.enabled.disabled = !info;
    r.enabled.parentElement.classList.toggle('is-hidden', !info);
    // Not configured: the form is the row. Configured: Update opens it.
    if (!info) r.editing = false;
    r.form.hidden = Boolean(info) && !r.editing;
    r.edit.hidden = !info || r.editing;
    r.remove.hidden = !info;
    // While the provider is being asked: Save is disabled, the key read-only,
    // and Cancel stops the check.
    r.cancel.hidden = !r.editing && !r.checking;
    r.save.disabled = Boolean(r.checking);
    r.key.readOnly = Boolean(r.checking);
    setText(r.save, r.checking ? 'Checking…' : info ? 'Save' : 'Add');
    r.save.setAttribute('aria-label', `${info ? 'Save' : 'Add'} ${r.p.name} key`);
    r.key.placeholder = info ? 'New key (empty keeps the current one)' : r.keyPlaceholder;
    r.li.dataset.configured = String(Boolean(info));
    r.li.dataset.editing = String(r.editing);
  }

  // ---- passphrase step ----

  async function busyWhile(form, label, work) {
    const button = form.querySelector('button[type=submit]');
    const idle = button.textContent;
    button.disabled = true;
    button.textContent = label;
    form.setAttribute('aria-busy', 'true');
    try {
      await work();
    } finally {
      button.disabled = false;
      button.textContent = idle;
      form.removeAttribute('aria-busy');
    }
  }

  el.createForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (el.newPass.value !== el.confirmPass.value) {
      vaultSay('The two passphrases are different.', 'error');
      el.confirmPass.focus();
      return;
    }
    await busyWhile(el.createForm, 'Creating…', async () => {
      try {
        await kr().create(el.newPass.value);
        el.newPass.value = el.confirmPass.value = '';
        vaultSay('Passphrase set. Your keys are unlocked.', 'ok');
      } catch (err) {
        vaultSay(err.message, 'error');
        el.newPass.focus();
      }
    });
    refresh();
    if (kr().state === 'unlocked') el.unlockedStatus.focus();
  });

  el.unlockForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    await busyWhile(el.unlockForm, 'Unlocking…', async () => {
      try {
        await kr().unlock(el.pass.value);
        el.pass.value = '';
        vaultSay('Unlocked.', 'ok');
      } catch (err) {
        vaultSay(err.message, 'error');
        el.pass.select();
      }
    });
    refresh();
    if (kr().state === 'unlocked') el.unlockedStatus.focus();
    else el.pass.focus();
  });

  el.lock.addEventListener('click', () => {
    kr().lock();
    vaultSay('Locked. Your keys stay stored, encrypted.', 'ok');
    refresh();
    el.pass.focus();
  });

  // ---- device settings ----

  el.remember.addEventListener('change', () => {
    const wasUnlocked = kr().state === 'unlocked';
    try {
      const state = store.setRemember(el.remember.checked);
      if (wasUnlocked && state === 'locked') {
        vaultSay(
          el.remember.checked
            ? 'Your keys are now kept on this device. Unlock them again to continue.'
            : 'Your keys now last until you close the browser. Unlock them again to continue.',
          'ok',
        );
      }
    } catch (err) {
      el.remember.checked = store.remember;
      vaultSay(`Could not change where keys are kept: ${err.message}`, 'error');
    }
    refresh();
  });

  el.forget.addEventListener('click', () => {
    el.forgetConfirm.hidden = false;
    el.forget.hidden = true;
    el.forgetNo.focus();
  });
  el.forgetNo.addEventListener('click', () => {
    el.forgetConfirm.hidden = true;
    el.forget.hidden = false;
    el.forget.focus();
  });
  el.forgetYes.addEventListener('click', () => {
    try {
      store.forgetAll();
      vaultSay('All keys were deleted from this browser.', 'ok');
    } catch (err) {
      vaultSay(err.message, 'error');
    }
    for (const r of rows.values()) {
      r.model.value = '';
      say(r, '');
    }
    el.forgetConfirm.hidden = true;
    el.forget.hidden = false;
    refresh();
    el.newPass.focus();
  });

  // ---- refresh ----

  function refresh() {
    const k = kr();
    const state = k.state;
    el.createForm.hidden = state !== 'empty';
    el.unlockForm.hidden = state !== 'locked';
    el.unlocked.hidden = state !== 'unlocked';
    dialog.dataset.state = state;
    el.remember.checked = store.remember;
    setText(
      el.storeNote,
      store.remember ? 'Kept on this device (encrypted) until you forget them.' : 'Kept until you close the browser.',
    );
    let list = [];
    try {
      list = k.list();
    } catch (err) {
      vaultSay(
        err.code === 'corrupt'
          ? 'Your stored keys could not be read: the saved data is damaged. “Forget all keys” deletes it so you can start over.'
          : err.message,
        'error',
      );
    }
    const byProvider = new Map(list.map((i) => [i.provider, i]));
    let moreConfigured = 0;
    for (const r of rows.values()) {
      const info = byProvider.get(r.p.id);
      updateRow(r, info, state);
      if (info && el.rowsMore.contains(r.li)) moreConfigured += 1;
    }
    setText(el.moreCount, moreConfigured ? `${moreConfigured} configured` : '');
    el.forget.disabled = state === 'empty';
    // Moving the vault re-creates the keyring: not while a check is storing into it.
    el.remember.disabled = [...rows.values()].some((r) => r.checking);
  }

  // ---- build and open/close ----

  for (const p of providers) {
    (platformProviders.includes(p.id) ? el.rowsMain : el.rowsMore).append(buildRow(p));
  }
  /** Puts each key's saved model in its row (when the popup opens). */
  function fillModels() {
    let list = [];
    try {
      list = kr().list();
    } catch {
      // A corrupt vault: refresh() already says so.
    }
    for (const r of rows.values()) r.model.value = list.find((i) => i.provider === r.p.id)?.model || '';
  }

  el.close.addEventListener('click', () => dialog.close());
  // A click on the backdrop (outside the dialog's box) closes it too.
  dialog.addEventListener('click', (e) => {
    if (e.target !== dialog) return;
    const b = dialog.getBoundingClientRect();
    const inside = e.clientX >= b.left && e.clientX <= b.right && e.clientY >= b.top && e.clientY <= b.bottom;
    if (!inside) dialog.close();
  });
  dialog.addEventListener('close', () => {
    // Leave no key text behind in the page, and stop any check (nothing is saved).
    for (const r of rows.values()) {
      r.checking?.abort();
      r.key.value = '';
      r.editing = false;
      say(r, '');
    }
    el.newPass.value = el.confirmPass.value = el.pass.value = '';
    el.forgetConfirm.hidden = true;
    el.forget.hidden = false;
    vaultSay('');
    opener.focus();
  });

  /** Opens the popup; with a provider id, brings that row into view. */
  function open(providerId) {
    refresh();
    fillModels();
    const r = providerId ? rows.get(providerId) : undefined;
    if (r && el.rowsMore.contains(r.li)) el.more.open = true;
    if (!dialog.open) dialog.showModal();
    const state = kr().state;
    if (state === 'empty') el.newPass.focus();
    else if (state === 'locked') el.pass.focus();
    else if (r) (r.li.dataset.configured === 'true' ? r.edit : r.key).focus();
    r?.li.scrollIntoView({ block: 'nearest' });
  }

  return {
    open,
    /** Re-reads the keyring (on changes, and every second for expiry). */
    refresh() {
      if (dialog.open) refresh();
    },
  };
}
