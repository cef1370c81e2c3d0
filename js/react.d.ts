// Types of byok-keyring/react (react.js; react-node.js under Node). They need
// no React types: the hooks take and return the package's own types.
import type { KeyInfo, Keyring, KeyringOptions, KeyringState, ProviderId } from "./index.js";

/** What `useKeyring` returns: `keyring` is defined exactly when `state` is not "loading". */
export type UseKeyringResult =
    /** `init()` or the keyring is on its way. */
    | { keyring: undefined; state: "loading"; error: undefined }
    /** `init()` failed (e.g. the .wasm could not be loaded) or `new Keyring(options)` threw (a `KeyringError`, e.g. "storage_unavailable"). */
    | { keyring: undefined; state: "loading"; error: Error }
    /** Ready: the keyring's own state, kept current. */
    | { keyring: Keyring; state: KeyringState; error: undefined };

/**
 * Loads the WebAssembly module (`init()`, once per page) and opens a keyring
 * with `options`. Re-renders on every change of its state (create, unlock,
 * lock, auto-lock, another tab). The keyring is freed on unmount and when
 * `options` change; options are compared by value, so an inline object is
 * fine. Safe under StrictMode. Use it once (e.g. near the root) and pass the
 * keyring down: each call opens its own keyring.
 */
export function useKeyring(options?: KeyringOptions): UseKeyringResult;

/**
 * `keyring.isByok(provider)`, re-rendered when the answer changes: after
 * set, remove, setEnabled, lock or unlock, and at the moment a key expires or
 * the keyring locks itself (`autoLockMs`). `false` while `keyring` is undefined.
 */
export function useByok(keyring: Keyring | undefined, provider: ProviderId): boolean;

/**
 * `keyring.list()`: every stored key's metadata (never a key), re-rendered on
 * change and when a key expires. The same array (do not change it) while nothing changed; an
 * empty array while `keyring` is undefined.
 */
export function useKeys(keyring: Keyring | undefined): KeyInfo[];
