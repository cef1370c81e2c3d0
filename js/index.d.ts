// Types of byok-keyring's entry point (index.js, and node.js under Node).
// byok_keyring.types.d.ts is the wasm-bindgen declarations of the API without
// its init section (scripts/package.mjs); init's types below need neither the
// DOM library nor @types/node, so they check in browser and server projects.
import type { KeyringError as CoreError, KeyringErrorCode as CoreErrorCode } from "./byok_keyring.types.js";

export * from "./byok_keyring.types.js";

/** Every `code` of a thrown `KeyringError`, and "not_initialized": called before `init()` resolved. */
export type KeyringErrorCode = CoreErrorCode | "not_initialized";

/** Every error thrown by this library: `err.name === "KeyringError"`, a stable `code`. */
export interface KeyringError extends Omit<CoreError, "code"> {
    code: KeyringErrorCode;
}

/** The instance type of the global constructor `K`; `never` where no library in use declares it. */
type GlobalInstance<K extends string> =
    typeof globalThis extends { [P in K]: abstract new (...args: never) => infer T } ? T : never;
type WasmModule =
    typeof globalThis extends { WebAssembly: { Module: abstract new (...args: never) => infer T } } ? T : never;

/** The .wasm's bytes, or the compiled `WebAssembly.Module`. */
export type SyncInitInput = ArrayBuffer | ArrayBufferView | WasmModule;

/** What `init` loads: the .wasm's URL (a string, `URL` or `Request`), a `Response`, or a `SyncInitInput`. */
export type InitInput = SyncInitInput | string | GlobalInstance<"URL"> | GlobalInstance<"Request"> | GlobalInstance<"Response">;

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
