//! Key-derivation backends. The keyring asks a [`Kdf`] for the 256-bit key
//! of a passphrase; the pure-Rust backend here runs everywhere, and the wasm
//! layer adds one over WebCrypto's `deriveBits`, which is faster and runs off
//! the page's main thread. Both produce identical bits.

use crate::crypto::{self, DerivedKey};
use crate::error::Error;
use crate::format::KdfParams;
use crate::secret::Passphrase;
use std::future::Future;
use std::pin::Pin;

/// A future returned by a [`Kdf`].
pub type DeriveFuture<'a> = Pin<Box<dyn Future<Output = Result<DerivedKey, Error>> + 'a>>;

/// Derives the vault key of a passphrase with PBKDF2-HMAC-SHA256.
pub trait Kdf {
    /// Which implementation runs (`"wasm"` for pure Rust, `"webcrypto"`).
    fn backend(&self) -> &'static str;
    /// PBKDF2-HMAC-SHA256(passphrase, params.salt, params.iterations), 32 bytes.
    fn derive<'a>(&'a self, passphrase: &'a Passphrase, params: &'a KdfParams) -> DeriveFuture<'a>;
}

/// The pure-Rust backend (`pbkdf2` + `sha2` crates). Completes at once.
#[derive(Clone, Copy, Debug, Default)]
pub struct RustKdf;

impl Kdf for RustKdf {
    fn backend(&self) -> &'static str {
        "wasm"
    }

    fn derive<'a>(&'a self, passphrase: &'a Passphrase, params: &'a KdfParams) -> DeriveFuture<'a> {
        let key = crypto::pbkdf2_sha256(passphrase.as_bytes(), &params.salt, params.iterations);
        Box::pin(std::future::ready(Ok(key)))
    }
}
