//! TypeScript declarations for the options and results, added to the
//! generated `byok_keyring.d.ts`. The exported functions name these types in
//! their `unchecked_param_type` / `unchecked_return_type` attributes, so the
//! .d.ts has no `any` for options or results.

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** Built-in provider ids. */
export type ProviderId =
  | "openai" | "anthropic" | "gemini" | "groq" | "openrouter" | "perplexity"
  | "mistral" | "xai" | "deepseek" | "together" | "fireworks" | "cohere"
  | "huggingface" | "bedrock" | "exa" | "copilotkit";

/** The outcome codes of `validate`. */
export type ValidationCode =
  | "ok" | "empty" | "unknown_provider" | "wrong_provider" | "bad_prefix"
  | "too_short" | "too_long" | "bad_chars";

/** What `validate` returns. */
export interface Validation {
  /** Whether the key can be saved for this provider. */
  valid: boolean;
  code: ValidationCode;
  /** One sentence a person can act on; never contains the key. */
  message: string;
  /** The provider id that was asked for. */
  provider: string;
  /** The provider the key appears to belong to, when one can be told. */
  detected?: ProviderId;
  /** The key with surrounding whitespace removed (absent when empty). */
  normalized?: string;
}

/** What `providers()` returns for each provider. */
export interface ProviderInfo {
  id: ProviderId;
  /** Display name, e.g. "OpenAI". */
  name: string;
  /** Key prefixes; empty for providers whose keys have none. */
  prefixes: string[];
  /** Where a person creates a key. */
  keyUrl: string;
  /** A sensible default model id. */
  defaultModel: string;
}

/** Where the encrypted vault is kept. */
export type StorageKind = "session" | "local" | "memory";

/** Options of `new Keyring(...)`. */
export interface KeyringOptions {
  /** One vault per signed-in user. Default "default". */
  namespace?: string;
  /** "session" (default): survives a reload, not closing the tab; "local": survives a browser restart; "memory": nothing. */
  storage?: StorageKind;
  /** PBKDF2 iterations, 100000..=10000000. Default 600000. */
  iterations?: number;
  /** Shortest passphrase `create` accepts. Default 8. */
  minPassphraseLength?: number;
  /** Features the platform always pays for (they deduct credits even with a user key). */
  platformOnly?: string[];
  /** Providers the platform can serve with its own keys. */
  platformProviders?: ProviderId[];
  /** Lock after this many milliseconds without use. Default: never. */
  autoLockMs?: number;
  /** PBKDF2 implementation: "auto" (default: WebCrypto where `crypto.subtle` exists, else pure Rust), "webcrypto" (same fallback), or "wasm" (always pure Rust). */
  kdf?: "auto" | "webcrypto" | "wasm";
}

/** Options of `kr.set(...)`. */
export interface SetOptions {
  /** Model id to use with this key. */
  model?: string;
  /** The key stops being used this many milliseconds from now. */
  expiresInMs?: number;
}

/** A stored key's metadata (never the key). */
export interface KeyInfo {
  provider: ProviderId;
  /** Provider display name. */
  name: string;
  /** At most the first 4 and last 4 characters, e.g. "sk-p••••••••x9Qz". */
  masked: string;
  model?: string;
  enabled: boolean;
  /** Milliseconds since the Unix epoch. */
  createdAt: number;
  updatedAt: number;
  expiresAt?: number;
  /** Whether expiresAt has passed. */
  expired: boolean;
}

export type KeyringState = "empty" | "locked" | "unlocked";

/** Who pays for a call: the user's key (even while locked), the platform, or nobody. */
export type Source = "user" | "platform" | "none";

/** Calls counted by `recordUsage`. */
export interface Usage { byok: number; platform: number; }

/** What `onChange` callbacks receive. Never carries a key. */
export interface ChangeEvent {
  type: "created" | "unlocked" | "locked" | "set" | "removed" | "enabled" | "rekeyed" | "reset" | "external";
  provider?: ProviderId;
  /** The keyring's state after the change. */
  state: KeyringState;
}

/** The stable `code` of a thrown `KeyringError`. */
export type KeyringErrorCode =
  | "locked" | "no_vault" | "already_exists" | "wrong_passphrase" | "weak_passphrase"
  | "invalid_key" | "unknown_provider" | "corrupt" | "storage_unavailable"
  | "storage_full" | "invalid_argument";

/** Every error thrown by this library: `err.name === "KeyringError"`. */
export interface KeyringError extends Error {
  name: "KeyringError";
  code: KeyringErrorCode;
  /** For "invalid_key": the failed validation (without the key). */
  details?: Validation;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// An optional `KeyringOptions` argument (checked in [`super::args`]).
    #[wasm_bindgen(typescript_type = "KeyringOptions")]
    pub type KeyringOptionsArg;
    /// An optional `SetOptions` argument (checked in [`super::args`]).
    #[wasm_bindgen(typescript_type = "SetOptions")]
    pub type SetOptionsArg;
    /// An optional string argument (a feature name), checked at runtime.
    #[wasm_bindgen(typescript_type = "string")]
    pub type OptionalString;
}
