//! TypeScript declarations for the options and results, added to the
//! generated `byok_keyring.d.ts`. The exported functions name these types in
//! their `unchecked_param_type` / `unchecked_return_type` attributes, so the
//! .d.ts has no `any` for options or results.

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** Built-in provider ids. */
export type BuiltinProviderId =
  | "openai" | "anthropic" | "gemini" | "groq" | "openrouter" | "perplexity"
  | "mistral" | "xai" | "deepseek" | "together" | "fireworks" | "cohere"
  | "huggingface" | "bedrock" | "exa" | "copilotkit" | "azureopenai" | "cerebras"
  | "replicate" | "elevenlabs" | "xaimanagement";

/** A provider id: a built-in one, or the id of a provider the app defined (`defineProvider`, `KeyringOptions.providers`). */
export type ProviderId = BuiltinProviderId | (string & {});

/** A key alphabet a `ProviderDefinition` may name: urlSafe `A-Za-z0-9_-`, alnum `A-Za-z0-9`, hex, lowerHex `0-9a-f`, letters, base64 `A-Za-z0-9+/=`, lowerAlnum `a-z0-9`, word `A-Za-z0-9_`, lowerUuid. */
export type KeyAlphabet =
  | "urlSafe" | "alnum" | "hex" | "lowerHex" | "letters" | "base64" | "lowerAlnum" | "word" | "lowerUuid";

/** A provider the app defines: its company gateway, a local Ollama, an OpenAI-compatible endpoint. Not a secret. */
export interface ProviderDefinition {
  /** Stable id, `^[a-z0-9_-]{1,32}$`, not a built-in provider's. */
  id: string;
  /** Display name, e.g. "Acme Gateway". */
  name: string;
  /** What keys start with; absent: keys have no fixed prefix. At most 8. */
  prefixes?: string[];
  /** The total lengths a key may have (prefix included); absent: every length up to 4096. At most 8. */
  lengths?: number[];
  /** The characters after the prefix; absent: every printable ASCII character but the space. */
  alphabet?: KeyAlphabet;
  /** Where a person creates a key (https://). */
  keyUrl?: string;
  /** A sensible default model id. */
  defaultModel?: string;
  /** The API's base URL, under the rules of `VerifyOptions.baseUrl`: https://, http://localhost (or 127.0.0.1, [::1]), or /path on this site. */
  baseUrl: string;
  /** Where the key goes: `header: scheme + " " + key` (just the key without a scheme). */
  auth: { header: string; scheme?: string };
  /** How `verify` checks a key: `method` `baseUrl + path`. Absent: `verify` answers "unsupported". */
  check?: { method: "GET" | "POST"; path: string };
}

/** The outcome codes of `validate` (docs/KEY-FORMATS.md). "unrecognized_format": the provider's prefix and alphabet but a shape no published rule describes, possibly a new kind of key (valid: true; check it with `verify`). "not_a_key": a session cookie or token, an organization or project id, a JWT, a masked key, a placeholder, a whole `.env` line or HTTP header. */
export type ValidationCode =
  | "ok" | "empty" | "unknown_provider" | "wrong_provider" | "bad_prefix"
  | "too_short" | "too_long" | "bad_chars" | "unrecognized_format" | "not_a_key";

/** What `validate` returns. */
export interface Validation {
  /** Whether the key can be saved for this provider: code "ok" or "unrecognized_format". */
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

/** What `passphraseStrength` returns. The texts are fixed sentences, never a part of the passphrase. */
export interface PassphraseStrength {
  /** 0: trivial (a most common password, a sequence, a repeat, a keyboard run, the account name): `create` and `changePassphrase` refuse it with "weak_passphrase". 1–2: weak. 3–4: strong. */
  score: 0 | 1 | 2 | 3 | 4;
  /** Why the score is low; always present at score 0. */
  warning?: string;
  /** What would make it stronger; empty from score 3. */
  suggestions: string[];
}

/** What `providers()` returns for each provider. */
export interface ProviderInfo {
  id: ProviderId;
  /** Display name, e.g. "OpenAI". */
  name: string;
  /** How messages name one of its keys: "an OpenAI key", "an xAI key". */
  keyLabel: string;
  /** Key prefixes; empty for providers whose keys have none. */
  prefixes: string[];
  /** Where a person creates a key. */
  keyUrl: string;
  /** A sensible default model id. */
  defaultModel: string;
  /** The origin `verify` checks keys at in production (for a CSP `connect-src`); absent when the provider has no check. */
  checkOrigin?: string;
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
  /** Shortest passphrase `create` and `changePassphrase` accept, 8..=1024. Default 8. */
  minPassphraseLength?: number;
  /** Features the platform always pays for (they deduct credits even with a user key). */
  platformOnly?: string[];
  /** Providers the platform can serve with its own keys. */
  platformProviders?: ProviderId[];
  /** Lock after this many milliseconds without use. Default: never. */
  autoLockMs?: number;
  /** Providers the app defines (see `defineProvider`), known to the whole module once the keyring is made. */
  providers?: ProviderDefinition[];
  /** PBKDF2 implementation: "auto" (default: WebCrypto where `crypto.subtle` exists, else pure Rust), "webcrypto" (same fallback), or "wasm" (always pure Rust). */
  kdf?: "auto" | "webcrypto" | "wasm";
  /** "off" (default): a reload asks for the passphrase again. "tab": `kr.resume()` after a reload of the same tab unlocks with no passphrase (SECURITY.md says what it trades). Needs storage "session" or "local". */
  resume?: "off" | "tab";
  /** With resume "tab": how long the tab's ticket lasts after the unlock or the last use (use extends it at most once a minute), 1000..=604800000 (7 days). Default 1800000 (30 minutes). */
  resumeTtlMs?: number;
}

/** Options of `kr.set(...)`. */
export interface SetOptions {
  /** Model id to use with this key. */
  model?: string;
  /** The key stops being used this many milliseconds from now. */
  expiresInMs?: number;
  /** The endpoint the key is used with (an Azure OpenAI resource, an OpenAI-compatible gateway), under the rules of `VerifyOptions.baseUrl`. Stored with the key; `kr.verify` and `set(..., { verify })` check the key there; `kr.endpoint` returns it. */
  baseUrl?: string;
}

/** Options of `kr.lock(...)`. */
export interface LockOptions {
  /** Also lock every other tab of this origin that has a keyring for this namespace (BroadcastChannel). */
  everywhere?: boolean;
}

/** A stored key's metadata (never the key). */
export interface KeyInfo {
  provider: ProviderId;
  /** Provider display name. */
  name: string;
  /** At most the first 4 and last 4 characters, e.g. "sk-p••••••••x9Qz". */
  masked: string;
  model?: string;
  /** The endpoint stored with the key (`set`'s `baseUrl`). */
  baseUrl?: string;
  enabled: boolean;
  /** Milliseconds since the Unix epoch. */
  createdAt: number;
  updatedAt: number;
  expiresAt?: number;
  /** Whether expiresAt has passed. */
  expired: boolean;
  /**
   * While unlocked: the key's stored details fail their MAC (changed outside
   * byok-keyring): it is not used (isByok false, get undefined). Remove it or
   * save it again.
   */
  tampered: boolean;
  /**
   * While unlocked: the key's details are authentic but it does not decrypt:
   * it is not used, and get throws `corrupt` naming it. Remove it or save it again.
   */
  damaged: boolean;
}

export type KeyringState = "empty" | "locked" | "unlocked";

/** Who pays for a call: the user's key (even while locked), the platform, or nobody. */
export type Source = "user" | "platform" | "none";

/** Calls counted by `recordUsage`. */
export interface Usage { byok: number; platform: number; }

/** What `onChange` callbacks receive. Never carries a key. */
export interface ChangeEvent {
  /** `rekeyed`: an unlock method changed (passphrase changed, passkey added or removed, iterations raised). `upgrade_failed`: the unlock worked but raising the iteration count could not be written (see `iterations`). */
  type: "created" | "unlocked" | "locked" | "set" | "removed" | "enabled" | "rekeyed" | "reset" | "external" | "upgrade_failed";
  provider?: ProviderId;
  /** The keyring's state after the change. */
  state: KeyringState;
}

/** Options of `addPasskey` and `create({ passkey })`. Not secret: the name and rpId are stored in clear. */
export interface PasskeyOptions {
  /** What the user will recognise it by in `unlockMethods()` ("This laptop"); default "Passkey"; at most 64 characters. */
  name?: string;
  /** The WebAuthn relying party id: this page's host (the default) or a parent domain of it, so one passkey serves every subdomain. */
  rpId?: string;
}

/** A passkey of the vault (`addPasskey`, `unlockMethods`). */
export interface PasskeyInfo {
  /** For `removePasskey(id)`. */
  id: string;
  name: string;
  /** When it was added, in milliseconds since the Unix epoch. */
  createdAt: number;
}

/** One way to unlock the vault (`unlockMethods()`, which works while locked). */
export type UnlockMethod = { kind: "passphrase" } | ({ kind: "passkey" } & PasskeyInfo);

/** `create`'s argument for a vault whose only unlock method is a passkey. */
export interface CreateWithPasskey {
  passkey: PasskeyOptions;
}

/** The stable `code` of a thrown `KeyringError`. */
export type KeyringErrorCode =
  | "locked" | "no_vault" | "already_exists" | "wrong_passphrase" | "weak_passphrase"
  | "invalid_key" | "unknown_provider" | "corrupt" | "storage_unavailable"
  | "storage_full" | "invalid_argument" | "crypto_unavailable"
  /** The stored or imported vault asks for more than 4x the configured iterations: refused before deriving. */
  | "excessive_work"
  /** Another unlock or passphrase change of this keyring is running; see `retryAfterMs`. */
  | "busy"
  /** The passkey prompt was cancelled or timed out, the passkey is already added, or it is not one of this vault's. Nothing was written. */
  | "passkey_failed"
  /** This browser or passkey provider has no WebAuthn PRF extension, so a passkey cannot unlock here. Nothing was written. */
  | "passkey_unsupported"
  /** `removePasskey` of the vault's only unlock method. */
  | "last_unlock_method"
  /** Thrown by the package entry (index.js) when a function is called before `await init()`. */
  | "not_initialized";

/** Every error thrown by this library: `err.name === "KeyringError"`. */
export interface KeyringError extends Error {
  name: "KeyringError";
  code: KeyringErrorCode;
  /** For "invalid_key": the failed validation, or from `set(..., { verify })` the provider's verdict (never the key). */
  details?: Validation | Verification;
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
    /// An optional storage area name for `importPlaintext`.
    #[wasm_bindgen(typescript_type = "\"local\" | \"session\"")]
    pub type StorageAreaArg;
    /// An optional `LockOptions` argument (checked in [`super::args`]).
    #[wasm_bindgen(typescript_type = "LockOptions")]
    pub type LockOptionsArg;
    /// An optional `PasskeyOptions` argument (checked in `src/wasm/passkeys.rs`).
    #[wasm_bindgen(typescript_type = "PasskeyOptions")]
    pub type PasskeyOptionsArg;
    /// An optional string argument (a feature name), checked at runtime.
    #[wasm_bindgen(typescript_type = "string")]
    pub type OptionalString;
}

/// The declarations of `verify()`, `set(..., { verify })`, `authHeaders` and
/// `withKey` (`docs/VERIFY.md`). The `interface Keyring` merges into
/// the generated class: its `set` overload returns a Promise when `verify` is
/// asked for, and `withKey` is generic (its class method skips TypeScript).
#[wasm_bindgen(typescript_custom_section)]
const TS_VERIFY_TYPES: &'static str = r#"
/** The outcome codes of `verify`. */
export type VerificationCode =
  | "valid" | "invalid_key" | "forbidden" | "rate_limited" | "provider_error"
  | "network_error" | "timeout" | "unsupported";

/** What `verify` resolves to. Never contains the key. */
export interface Verification {
  /** True only for "valid": the provider accepted the key. */
  ok: boolean;
  /** "valid"; "invalid_key" (401); "forbidden" (403/402: live key without access); "rate_limited" (429: live key); "provider_error" (5xx or an unexpected status); "network_error" (no answer, which is also what a CORS refusal looks like); "timeout"; "unsupported" (no free check; nothing was sent). */
  code: VerificationCode;
  /** The HTTP status, when the provider answered. */
  status?: number;
  /** One or two sentences a person can act on; never contains the key. */
  message: string;
  /** The provider that was asked. */
  provider: ProviderId;
}

/** `AbortSignal` where the DOM or Node typings declare it (`never` elsewhere). */
type AbortSignalLike = typeof globalThis extends { AbortSignal: abstract new (...args: never) => infer T } ? T : never;

/** Options of `verify(...)`, and of `kr.set(..., { verify: {...} })`. */
export interface VerifyOptions {
  /** Replaces the provider's production base URL; the endpoint's path is appended. https://…, http:// only for localhost, 127.x.x.x or [::1], or a path on this site ("/api/openai"). No query or fragment. */
  baseUrl?: string;
  /** Give up after this many milliseconds (code "timeout"): 1 to 120000, default 10000. */
  timeoutMs?: number;
  /** Cancels the check: the Promise then rejects with `signal.reason` (an "AbortError" DOMException unless you gave one), and `set` stores nothing. */
  signal?: AbortSignalLike;
  /** Bedrock only: the key's AWS region, e.g. "eu-west-1". Default "us-east-1". */
  region?: string;
}

export interface SetOptions {
  /** `true` or `VerifyOptions`: check the key with the provider first; `set` then returns a Promise (the overload below). Absent or `false`: no check. */
  verify?: false;
}

/** What `kr.set(..., { verify })` resolves to: the stored key's metadata and the check's outcome. */
export interface VerifiedKeyInfo extends KeyInfo {
  /** "valid", "forbidden" or "rate_limited": the key is live. "network_error", "timeout", "provider_error" or "unsupported": stored unverified. ("invalid_key" rejects instead and stores nothing.) */
  verification: Verification;
}

export interface Keyring {
  /**
   * `!isByok(provider) || platformOnly includes feature`: whether to call
   * the deduct-credits endpoint before this call.
   */
  shouldDeductCredits(provider: string, feature?: string | null): boolean;
  /**
   * Checks the key with the provider, then stores it (needs unlocked).
   * Rejects with `invalid_key` (details: the Verification) when the provider
   * rejects the key, storing nothing; stores it unverified when the provider
   * could not be asked (`verification.code` says why).
   */
  set(provider: ProviderId, apiKey: string, options: Omit<SetOptions, "verify"> & { verify: true | VerifyOptions }): Promise<VerifiedKeyInfo>;
  /**
   * Calls `fn(apiKey, headers)` with the stored key and the headers a browser
   * call to the provider needs (needs unlocked), and returns what `fn`
   * returns; returns undefined without calling `fn` when no key is stored or
   * it expired. Keeps the key out of long-lived variables.
   */
  withKey<T>(provider: ProviderId, fn: (apiKey: string, headers: Record<string, string>) => T): T | undefined;
}
"#;

#[wasm_bindgen]
extern "C" {
    /// An optional `VerifyOptions` argument (checked in [`super::verify`]).
    #[wasm_bindgen(typescript_type = "VerifyOptions")]
    pub type VerifyOptionsArg;
}
