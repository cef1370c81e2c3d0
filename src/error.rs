//! The one error type every keyring operation returns, and its stable codes.
//!
//! In JavaScript the error becomes a thrown `Error` whose `name` is
//! `"KeyringError"` and whose `code` is [`ErrorCode::as_str`]. Messages are
//! written for a person and never contain a key, a passphrase or key material:
//! every constructor here takes only non-secret text.

use crate::format::FormatError;
use crate::validate::Validation;
use std::fmt;

/// Stable, machine-readable error codes. Their string forms are part of the
/// public API (`err.code` in JavaScript) and never change meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// The operation needs the vault unlocked (`get`, `set`, `changePassphrase`…).
    Locked,
    /// `unlock` was called but this namespace has no vault yet: call `create`.
    NoVault,
    /// `create` was called but this namespace already has a vault.
    AlreadyExists,
    /// The passphrase does not open this vault.
    WrongPassphrase,
    /// The new passphrase is shorter than `minPassphraseLength`, or trivial
    /// to guess (score 0 of [`crate::strength::passphrase_strength`]).
    WeakPassphrase,
    /// `set` refused a key that failed validation; `details` holds the validation.
    InvalidKey,
    /// A provider id that is not built in.
    UnknownProvider,
    /// Stored data is not a vault this version can read. Nothing was changed.
    Corrupt,
    /// The requested storage does not exist or is blocked here.
    StorageUnavailable,
    /// The browser refused the write (quota). Nothing was changed.
    StorageFull,
    /// An argument has the wrong type or an out-of-range value.
    InvalidArgument,
    /// This environment has no secure random number generator
    /// (`crypto.getRandomValues`), so nothing can be encrypted.
    CryptoUnavailable,
    /// The stored or imported vault demands more key-derivation work than
    /// this keyring allows (more than 4× its configured iterations): it was
    /// refused before any derivation.
    ExcessiveWork,
    /// Another unlock (or passphrase change) of this keyring is still
    /// running; `retryAfterMs` says when to try again.
    Busy,
    /// The passkey prompt was cancelled or timed out, or the passkey used
    /// is not one of this vault's. Nothing was written.
    PasskeyFailed,
    /// This browser or passkey provider cannot derive a key from a passkey
    /// (no WebAuthn PRF extension). Nothing was written.
    PasskeyUnsupported,
    /// The unlock method to remove is the vault's only one.
    LastUnlockMethod,
}

impl ErrorCode {
    /// Every code, in a stable order (for documentation and tests).
    pub const ALL: [ErrorCode; 17] = [
        ErrorCode::Locked,
        ErrorCode::NoVault,
        ErrorCode::AlreadyExists,
        ErrorCode::WrongPassphrase,
        ErrorCode::WeakPassphrase,
        ErrorCode::InvalidKey,
        ErrorCode::UnknownProvider,
        ErrorCode::Corrupt,
        ErrorCode::StorageUnavailable,
        ErrorCode::StorageFull,
        ErrorCode::InvalidArgument,
        ErrorCode::CryptoUnavailable,
        ErrorCode::ExcessiveWork,
        ErrorCode::Busy,
        ErrorCode::PasskeyFailed,
        ErrorCode::PasskeyUnsupported,
        ErrorCode::LastUnlockMethod,
    ];

    /// The string form used in JavaScript (`err.code`).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Locked => "locked",
            ErrorCode::NoVault => "no_vault",
            ErrorCode::AlreadyExists => "already_exists",
            ErrorCode::WrongPassphrase => "wrong_passphrase",
            ErrorCode::WeakPassphrase => "weak_passphrase",
            ErrorCode::InvalidKey => "invalid_key",
            ErrorCode::UnknownProvider => "unknown_provider",
            ErrorCode::Corrupt => "corrupt",
            ErrorCode::StorageUnavailable => "storage_unavailable",
            ErrorCode::StorageFull => "storage_full",
            ErrorCode::InvalidArgument => "invalid_argument",
            ErrorCode::CryptoUnavailable => "crypto_unavailable",
            ErrorCode::ExcessiveWork => "excessive_work",
            ErrorCode::Busy => "busy",
            ErrorCode::PasskeyFailed => "passkey_failed",
            ErrorCode::PasskeyUnsupported => "passkey_unsupported",
            ErrorCode::LastUnlockMethod => "last_unlock_method",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error from a keyring operation: a stable [`ErrorCode`], a message a
/// person can act on, for [`ErrorCode::InvalidKey`] the validation result
/// (without the key itself), and for [`ErrorCode::Corrupt`] the
/// [`FormatError`] that says what is wrong with the stored data (its
/// [`std::error::Error::source`]).
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct Error {
    code: ErrorCode,
    message: String,
    details: Option<Box<Validation>>,
    retry_after_ms: Option<u64>,
    #[source]
    cause: Option<FormatError>,
}

impl Error {
    /// A new error. `message` must not contain secrets.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error {
            code,
            message: message.into(),
            details: None,
            retry_after_ms: None,
            cause: None,
        }
    }

    /// For `wrong_passphrase` after repeated failures: how long to wait
    /// before the next attempt is evaluated (`err.retryAfterMs` in JS).
    pub fn retry_after_ms(&self) -> Option<u64> {
        self.retry_after_ms
    }

    pub(crate) fn with_retry_after(mut self, ms: u64) -> Self {
        self.retry_after_ms = Some(ms);
        self
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.code
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// For `invalid_key`: the validation that failed (its `normalized` field is
    /// always `None` here, so the error never carries the key).
    pub fn details(&self) -> Option<&Validation> {
        self.details.as_deref()
    }

    /// `invalid_key` from a failed validation. The key is stripped.
    pub(crate) fn invalid_key(mut validation: Validation) -> Self {
        if let Some(mut key) = validation.normalized.take() {
            zeroize::Zeroize::zeroize(&mut key);
        }
        Error {
            code: ErrorCode::InvalidKey,
            message: validation.message.clone(),
            details: Some(Box::new(validation)),
            retry_after_ms: None,
            cause: None,
        }
    }

    pub(crate) fn locked() -> Self {
        Error::new(
            ErrorCode::Locked,
            "The keyring is locked. Unlock it with your passphrase first.",
        )
    }

    pub(crate) fn no_vault() -> Self {
        Error::new(
            ErrorCode::NoVault,
            "No keys have been saved here yet. Create a vault with a passphrase first.",
        )
    }

    /// `corrupt`, naming the cause in the message and keeping it as the
    /// error's `source()`.
    pub(crate) fn corrupt(why: &FormatError) -> Self {
        let mut e = Error::new(
            ErrorCode::Corrupt,
            crate::text::concat(&[
                "The stored vault cannot be read: ",
                &why.describe(),
                ". Nothing was changed; call reset() to forget it and start over.",
            ]),
        );
        e.cause = Some(why.clone());
        e
    }

    /// For [`ErrorCode::Corrupt`]: what is wrong with the stored data.
    pub fn format_error(&self) -> Option<&FormatError> {
        self.cause.as_ref()
    }

    /// `corrupt` for one stored key that does not decrypt: the rest of the
    /// vault is fine, so the message says to remove or replace that key.
    pub(crate) fn damaged(provider_name: &str) -> Self {
        Error::new(
            ErrorCode::Corrupt,
            crate::text::concat(&[
                "The stored ",
                provider_name,
                " key cannot be decrypted (it was damaged or \
                 modified outside byok-keyring). Remove it, or save the key again.",
            ]),
        )
    }

    pub(crate) fn crypto_unavailable() -> Self {
        Error::new(
            ErrorCode::CryptoUnavailable,
            "This environment has no secure random number generator (crypto.getRandomValues).",
        )
    }

    pub(crate) fn invalid_argument(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::InvalidArgument, message)
    }

    /// A vault or export that cannot be written as stored JSON (a moment
    /// or count beyond 2^53 − 1, see [`crate::format::Vault::to_json`]):
    /// nothing is written.
    pub(crate) fn unwritable() -> Self {
        Error::invalid_argument(
            "The vault was not written: a time or count in it is beyond 2^53 − 1 (check the clock). Nothing was changed.",
        )
    }

    pub(crate) fn unknown_provider(id: &str) -> Self {
        Error::new(
            ErrorCode::UnknownProvider,
            crate::validate::unknown_provider_message(id),
        )
    }
}

/// Shorthand for results of keyring operations.
pub type Result<T, E = Error> = std::result::Result<T, E>;
