// Holds the page's one Keyring and implements "Remember on this device".
//
// The library keeps a namespace's vault in one storage item,
// `byok-keyring:<namespace>`, in sessionStorage or localStorage. That item is
// encrypted with the passphrase, so moving it between the two storages is
// safe. "Remember" moves the item, records the choice in a non-secret
// localStorage flag, and re-creates the Keyring on the other storage (which
// starts locked: the passphrase is needed again).

const REMEMBER_FLAG = 'byok-demo:remember-device';

/** The storage item the library uses for a namespace. */
export const vaultItemName = (namespace) => `byok-keyring:${namespace}`;

/** Whether the user chose "Remember on this device" (false if storage is blocked). */
export function rememberChosen() {
  try {
    return localStorage.getItem(REMEMBER_FLAG) === '1';
  } catch {
    return false;
  }
}

export class KeyringStore {
  #Keyring;
  #options;
  #keyring = null;
  #unsubscribe = null;
  #listeners = new Set();

  /**
   * @param Keyring the package's Keyring class (after `init()`)
   * @param options Keyring options without `storage` (chosen here)
   */
  constructor(Keyring, options) {
    this.#Keyring = Keyring;
    this.#options = options;
    this.#open(rememberChosen());
  }

  /** The current Keyring. It is replaced when "Remember" changes. */
  get keyring() {
    return this.#keyring;
  }

  get namespace() {
    return this.#options.namespace;
  }

  get remember() {
    return rememberChosen();
  }

  /** Calls `fn(event)` on every keyring change; returns an unsubscribe function. */
  subscribe(fn) {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  #emit(event) {
    for (const fn of this.#listeners) fn(event);
  }

  #open(remember) {
    // Construct the new keyring first: if it throws, the old one stays usable.
    const next = new this.#Keyring({ ...this.#options, storage: remember ? 'local' : 'session' });
    this.#unsubscribe?.();
    this.#keyring?.free();
    this.#keyring = next;
    this.#unsubscribe = next.onChange((event) => this.#emit(event));
  }

  /**
   * Moves the encrypted vault to localStorage (remember = true) or back to
   * sessionStorage, and re-opens the keyring there. Returns the new state
   * ("locked" if a vault exists: unlock again with the passphrase).
   */
  setRemember(remember) {
    if (remember === rememberChosen()) return this.#keyring.state;
    const name = vaultItemName(this.namespace);
    const [from, to] = remember ? [sessionStorage, localStorage] : [localStorage, sessionStorage];
    const item = from.getItem(name);
    if (item !== null) {
      to.setItem(name, item); // copy first (may throw when full): never lose the vault
      from.removeItem(name);
    }
    if (remember) localStorage.setItem(REMEMBER_FLAG, '1');
    else localStorage.removeItem(REMEMBER_FLAG);
    this.#open(remember);
    this.#emit({ type: 'storage-moved', state: this.#keyring.state });
    return this.#keyring.state;
  }

  /** "Forget all keys": the library's reset(), plus any copy in the other storage. */
  forgetAll() {
    this.#keyring.reset();
    const name = vaultItemName(this.namespace);
    for (const storage of [sessionStorage, localStorage]) storage.removeItem(name);
  }
}
