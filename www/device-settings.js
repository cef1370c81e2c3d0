// "On this device": the "Remember on this device" switch (keyring-store.js
// moves the encrypted vault between sessionStorage and localStorage) and
// "Forget all keys" with its confirmation.

import { setText } from './dom.js';

/**
 * `el`: the switch, its note, the Forget button and its confirmation group
 * with Yes and No; `store`: the page's KeyringStore; `say(text, kind)`: the
 * passphrase step's message line; `refresh()`: re-renders the popup;
 * `forgotten()`: runs after "Forget all keys" (clears the rows, moves focus).
 */
export function createDeviceSettings({ el, store, say, refresh, forgotten }) {
  function closeConfirm() {
    el.forgetConfirm.hidden = true;
    el.forget.hidden = false;
  }

  el.remember.addEventListener('change', () => {
    const wasUnlocked = store.keyring.state === 'unlocked';
    try {
      const state = store.setRemember(el.remember.checked);
      if (wasUnlocked && state === 'locked') {
        say(
          el.remember.checked
            ? 'Your keys are now kept on this device. Unlock them again to continue.'
            : 'Your keys now last until you close the browser. Unlock them again to continue.',
          'ok',
        );
      }
    } catch (err) {
      el.remember.checked = store.remember;
      say(`Could not change where keys are kept: ${err.message}`, 'error');
    }
    refresh();
  });

  el.forget.addEventListener('click', () => {
    el.forgetConfirm.hidden = false;
    el.forget.hidden = true;
    el.forgetNo.focus();
  });
  el.forgetNo.addEventListener('click', () => {
    closeConfirm();
    el.forget.focus();
  });
  el.forgetYes.addEventListener('click', () => {
    try {
      store.forgetAll();
      say('All keys were deleted from this browser.', 'ok');
    } catch (err) {
      say(err.message, 'error');
    }
    closeConfirm();
    refresh();
    forgotten();
  });

  return {
    /**
     * Shows where keys are kept; `state`: the keyring's; `checking`: a key
     * check is storing into the keyring, so it must not be re-created now.
     */
    render(state, checking) {
      el.remember.checked = store.remember;
      setText(
        el.storeNote,
        store.remember ? 'Kept on this device (encrypted) until you forget them.' : 'Kept until you close the browser.',
      );
      el.forget.disabled = state === 'empty';
      // Moving the vault re-creates the keyring: not while a check is storing into it.
      el.remember.disabled = checking;
    },

    closeConfirm,
  };
}
