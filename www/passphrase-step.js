// The passphrase step at the top of the popup: "Set a passphrase" when there
// is no vault yet (create), "Your keys are locked" after a reload (unlock),
// "Unlocked" with a Lock button, and one message line under them.

/**
 * `el`: the create form and its two fields, the unlock form and its field,
 * the unlocked panel, its status and Lock button, and the message line;
 * `keyring()`: the current Keyring; `refresh()`: re-renders the popup.
 */
export function createPassphraseStep({ el, keyring, refresh }) {
  /** Shows a message under the passphrase step; kind: 'ok' | 'error' | ''. */
  function say(text, kind = '') {
    el.msg.textContent = text;
    el.msg.dataset.kind = kind;
  }

  /** Disables the form's submit button, with a busy label, while `work` runs. */
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
      say('The two passphrases are different.', 'error');
      el.confirmPass.focus();
      return;
    }
    await busyWhile(el.createForm, 'Creating…', async () => {
      try {
        await keyring().create(el.newPass.value);
        el.newPass.value = el.confirmPass.value = '';
        say('Passphrase set. Your keys are unlocked.', 'ok');
      } catch (err) {
        say(err.message, 'error');
        el.newPass.focus();
      }
    });
    refresh();
    if (keyring().state === 'unlocked') el.unlockedStatus.focus();
  });

  el.unlockForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    await busyWhile(el.unlockForm, 'Unlocking…', async () => {
      try {
        await keyring().unlock(el.pass.value);
        el.pass.value = '';
        say('Unlocked.', 'ok');
      } catch (err) {
        say(err.message, 'error');
        el.pass.select();
      }
    });
    refresh();
    if (keyring().state === 'unlocked') el.unlockedStatus.focus();
    else el.pass.focus();
  });

  el.lock.addEventListener('click', () => {
    keyring().lock();
    say('Locked. Your keys stay stored, encrypted.', 'ok');
    refresh();
    el.pass.focus();
  });

  return {
    say,

    /** Shows the panel for keyring state `state`. */
    render(state) {
      el.createForm.hidden = state !== 'empty';
      el.unlockForm.hidden = state !== 'locked';
      el.unlocked.hidden = state !== 'unlocked';
    },

    /** Focuses the field state `state` needs: the new passphrase ("empty") or the passphrase ("locked"). */
    focus(state) {
      if (state === 'empty') el.newPass.focus();
      else if (state === 'locked') el.pass.focus();
    },

    /** When the popup closes: no passphrase text and no message left behind. */
    clear() {
      el.newPass.value = el.confirmPass.value = el.pass.value = '';
      say('');
    },
  };
}
