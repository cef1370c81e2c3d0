// Types of byok-keyring's entry point (index.js, and node.js under Node).
import type { InitInput, SyncInitInput, KeyringErrorCode as CoreErrorCode, Validation } from "./byok_keyring.js";

export * from "./byok_keyring.js";

/** Every `code` of a thrown `KeyringError`, with "not_initialized": called before `init()` resolved. */
export type KeyringErrorCode = CoreErrorCode | "not_initialized";

/** Every error thrown by this library: `err.name === "KeyringError"`. */
export interface KeyringError extends Error {
    name: "KeyringError";
    code: KeyringErrorCode;
    /** For "invalid_key": the failed validation (without the key). */
    details?: Validation;
}

/**
 * Loads the WebAssembly module; call it once before anything else. Without
 * `input` it loads the .wasm next to the package's JS (in Node, from disk).
 * Accepts the .wasm's URL, its bytes, a `Response`, a `WebAssembly.Module`, a
 * Promise of one of these, or `{ module_or_path }`. Idempotent: concurrent and
 * later calls share one promise; after a failure the next call tries again.
 */
export default function init(
    input?: InitInput | Promise<InitInput> | { module_or_path: InitInput | Promise<InitInput> },
): Promise<void>;

/** Synchronous `init` from the .wasm's bytes or a compiled `WebAssembly.Module`. */
export function initSync(input: SyncInitInput | { module: SyncInitInput }): void;
