//! Every size, count and time limit of the crate, in one place. Values read
//! from JavaScript or from storage are untrusted and checked against these
//! before any work is done with them.

/// Longest namespace accepted, in bytes.
pub const MAX_NAMESPACE_LEN: usize = 256;
/// Longest model id accepted, in bytes.
pub const MAX_MODEL_LEN: usize = 256;
/// Longest passphrase accepted, in bytes.
pub const MAX_PASSPHRASE_LEN: usize = 4096;
/// Smallest `minPassphraseLength` accepted.
pub const MIN_MIN_PASSPHRASE_LEN: usize = 8;
/// Largest `minPassphraseLength` accepted.
pub const MAX_MIN_PASSPHRASE_LEN: usize = 1024;
/// Default `minPassphraseLength`.
pub const DEFAULT_MIN_PASSPHRASE_LEN: usize = 8;
/// Longest `expiresInMs` accepted: about ten years.
pub const MAX_EXPIRES_IN_MS: u64 = 10 * 366 * 24 * 3600 * 1000;
/// Longest `autoLockMs` accepted: one week.
pub const MAX_AUTO_LOCK_MS: u64 = 7 * 24 * 3600 * 1000;
/// Longest feature or provider-id entry in the options, in bytes.
pub const MAX_LABEL_LEN: usize = 256;
/// Most entries in `platformOnly` / `platformProviders`.
pub const MAX_LABELS: usize = 256;

/// Fewest PBKDF2 iterations accepted, in options and in stored data.
pub const MIN_ITERATIONS: u32 = 100_000;
/// Most PBKDF2 iterations accepted, in options and in stored data.
pub const MAX_ITERATIONS: u32 = 10_000_000;
/// Default PBKDF2 iterations (OWASP's 2023 figure for PBKDF2-HMAC-SHA256).
pub const DEFAULT_ITERATIONS: u32 = 600_000;

/// Largest stored vault accepted, in bytes.
pub const MAX_VAULT_BYTES: usize = 256 * 1024;
/// Largest ciphertext of one record accepted, in bytes.
pub const MAX_RECORD_CIPHERTEXT: usize = 8 * 1024;
/// Longest masked key accepted in stored data, in characters.
pub const MAX_MASKED_CHARS: usize = 16;

/// Wrong passphrases in a row before attempts are slowed down.
pub const FREE_ATTEMPTS: u32 = 5;
/// The first delay after [`FREE_ATTEMPTS`] failures; it doubles with each
/// further failure.
pub const FIRST_DELAY_MS: u64 = 1_000;
/// The longest delay between attempts.
pub const MAX_DELAY_MS: u64 = 30_000;

/// How long a keyring remembers its own writes, to re-apply one that a
/// simultaneous write in another tab lost.
pub const RECONCILE_WINDOW_MS: u64 = 2_000;

/// Longest string argument accepted from JavaScript (keys, passphrases,
/// ids), in UTF-16 units. Longer input is refused before it is copied.
pub const MAX_STRING_ARG: usize = 64 * 1024;
/// The longest provider id a message or result shows; a longer one (or one
/// with other characters than `a-z 0-9 _ -`) is shown as `"(not shown)"`.
pub const MAX_SHOWN_ID_LEN: usize = 32;
/// Stored or imported iteration counts above this many times the configured
/// count are refused before any derivation (a planted vault must not freeze
/// the page); [`MAX_ITERATIONS`] caps it too.
pub const MAX_WORK_FACTOR: u32 = 4;
/// The most unlock methods (key slots) a vault may have.
pub const MAX_SLOTS: usize = 16;
/// The longest `baseUrl` a stored key may carry, in bytes.
pub const MAX_BASE_URL_LEN: usize = 2048;
/// The most providers an app may define (`defineProvider`, the keyring's
/// `providers` option), in all, for the life of the page. Built-in and
/// defined providers together fit a 64-bit set.
pub const MAX_CUSTOM_PROVIDERS: usize = 32;
/// The most `prefixes` or `lengths` a provider definition may list.
pub const MAX_CUSTOM_LIST: usize = 8;
/// The longest display name of a defined provider, in bytes.
pub const MAX_CUSTOM_NAME_LEN: usize = 64;
/// The longest key of a defined provider, in bytes.
pub const MAX_CUSTOM_KEY_LEN: usize = 4096;
/// Longest name of a passkey (characters).
pub const MAX_PASSKEY_NAME_LEN: usize = 64;
/// Longest WebAuthn credential id (bytes; WebAuthn's own limit is 1023).
pub const MAX_CREDENTIAL_ID_LEN: usize = 1023;
/// Longest WebAuthn relying party id (a domain name).
pub const MAX_RP_ID_LEN: usize = 253;

/// Default `resumeTtlMs`: a tab's resume ticket lasts 30 minutes after the
/// unlock or the last use.
pub const DEFAULT_RESUME_TTL_MS: u64 = 30 * 60 * 1000;
/// Shortest `resumeTtlMs` accepted: one second.
pub const MIN_RESUME_TTL_MS: u64 = 1000;
/// Longest `resumeTtlMs` accepted: seven days.
pub const MAX_RESUME_TTL_MS: u64 = 7 * 24 * 3600 * 1000;
/// A use (`get`, `set`, `authHeaders`…) extends the resume ticket at most
/// this often.
pub const RESUME_RENEW_MS: u64 = 60 * 1000;
