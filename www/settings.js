// The "API keys" settings popup, wired from its parts:
//
//   passphrase-step.js   create the vault, unlock it, lock it
//   provider-rows.js     one row per provider:
//     provider-status.js   status chip, masked key, enable switch, Update/Remove
//     key-form.js          the key form, live validate(), Save with the provider check
//     feedback.js          the row's live feedback line
//     check-result.js      what the row says about the provider check
//   verify-target.js     where checks go: the providers, or the local stand-in
//   device-settings.js   "Remember on this device", "Forget all keys"
//
// The dialog is a native modal <dialog>: focus stays inside it, Escape
// closes it, and focus returns to the button that opened it. Closing it
// stops any key check and leaves no key or passphrase text in the page.

import { byId } from './dom.js';
import { createPassphraseStep } from './passphrase-step.js';
import { createProviderRows } from './provider-rows.js';
import { createVerifyTarget } from './verify-target.js';
import { createDeviceSettings } from './device-settings.js';

const CORRUPT =
  'Your stored keys could not be read: the saved data is damaged. “Forget all keys” deletes it so you can start over.';

/**
 * Builds the popup. `store`: the page's KeyringStore; `validate` and
 * `providers`: the library's validate() and providers(); `platformProviders`:
 * the ids listed first; `opener`: the button focus returns to;
 * `verifyBaseUrl`: where key checks go instead of the providers (the
 * stand-in), or null for the providers themselves; `scenario`: the stand-in
 * scenario to start with (from ?scenario=).
 */
export function createSettings({ store, validate, providers, platformProviders, opener, verifyBaseUrl = null, scenario = '' }) {
  const dialog = byId('settings');
  const keyring = () => store.keyring;

  const target = createVerifyTarget({
    verifyBaseUrl,
    scenario,
    note: byId('standin-note'),
    url: byId('standin-url'),
    picker: byId('verify-scenario'),
  });
  const passphrase = createPassphraseStep({
    el: {
      createForm: byId('create-form'),
      newPass: byId('passphrase-new'),
      confirmPass: byId('passphrase-confirm'),
      unlockForm: byId('unlock-form'),
      pass: byId('passphrase'),
      unlocked: byId('unlocked-panel'),
      unlockedStatus: byId('unlocked-status'),
      lock: byId('lock-btn'),
      msg: byId('vault-msg'),
    },
    keyring,
    refresh,
  });
  const rows = createProviderRows({
    providers,
    platformProviders,
    validate,
    el: { main: byId('rows-main'), more: byId('rows-more'), details: byId('more-providers'), count: byId('more-count') },
    hooks: {
      keyring,
      verifyOptions: target.options,
      needsPassphrase: passphrase.focus,
      isOpen: () => dialog.open,
      refresh,
    },
  });
  const device = createDeviceSettings({
    el: {
      remember: byId('remember'),
      storeNote: byId('store-note'),
      forget: byId('forget-btn'),
      forgetConfirm: byId('forget-confirm'),
      forgetYes: byId('forget-yes'),
      forgetNo: byId('forget-no'),
    },
    store,
    say: passphrase.say,
    refresh,
    forgotten() {
      rows.forgetAll();
      passphrase.focus('empty');
    },
  });

  /** The stored keys, or none when the vault cannot be read (and says so). */
  function storedKeys() {
    try {
      return keyring().list();
    } catch (err) {
      passphrase.say(err.code === 'corrupt' ? CORRUPT : err.message, 'error');
      return [];
    }
  }

  /** Re-reads the keyring and updates every part in place. */
  function refresh() {
    const state = keyring().state;
    passphrase.render(state);
    dialog.dataset.state = state;
    rows.render(storedKeys(), state);
    device.render(state, rows.checking);
  }

  byId('settings-close').addEventListener('click', () => dialog.close());
  // A click on the backdrop (outside the dialog's box) closes it too.
  dialog.addEventListener('click', (e) => {
    if (e.target !== dialog) return;
    const b = dialog.getBoundingClientRect();
    const inside = e.clientX >= b.left && e.clientX <= b.right && e.clientY >= b.top && e.clientY <= b.bottom;
    if (!inside) dialog.close();
  });
  dialog.addEventListener('close', () => {
    // Leave no key text behind in the page, and stop any check (nothing is saved).
    rows.closeAll();
    passphrase.clear();
    device.closeConfirm();
    opener.focus();
  });

  /** Opens the popup; with a provider id, brings that row into view. */
  function open(providerId) {
    refresh();
    let list = [];
    try {
      list = keyring().list();
    } catch {
      // A corrupt vault: refresh() already says so.
    }
    rows.fillModels(list);
    rows.reveal(providerId);
    if (!dialog.open) dialog.showModal();
    const state = keyring().state;
    if (state === 'unlocked') rows.focus(providerId);
    else passphrase.focus(state);
    rows.scrollTo(providerId);
  }

  return {
    open,
    /** Re-reads the keyring (on changes, and every second for expiry). */
    refresh() {
      if (dialog.open) refresh();
    },
  };
}
