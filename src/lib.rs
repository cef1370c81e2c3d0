//! # byok-keyring
//!
//! Keeps a web app's users' own LLM API keys ("bring your own key") in their
//! browser, encrypted with a key derived from their passphrase
//! (PBKDF2-HMAC-SHA256 → AES-256-GCM), one vault per signed-in user, and tells
//! the frontend in well under a microsecond whether the next call runs on the
//! user's own key, so it can skip the deduct-credits call.
//!
//! This crate is a pure-Rust core (everything below) plus a thin
//! `wasm-bindgen` layer (`src/wasm/`, built only for `wasm32`) that is
//! published to npm. The JavaScript API is described in the README.
//!
//! ```
//! use byok_keyring::{flows, Keyring, MemoryStorage, Options, RustKdf, SetOptions};
//! use std::cell::RefCell;
//!
//! let opts = Options { iterations: 100_000, ..Options::default() };
//! let kr = RefCell::new(Keyring::new(opts, Box::new(MemoryStorage::new()),
//!                                    byok_keyring::system_clock())?);
//! pollster::block_on(flows::create(&kr, &RustKdf, &"correct horse".into()))?;
//! let key = format!("sk-proj-{}T3BlbkFJ{}", "a".repeat(70), "b".repeat(70));
//! kr.borrow_mut().set("openai", &key, SetOptions::default())?;
//! assert!(kr.borrow().is_byok("openai"));
//! assert!(!kr.borrow().should_deduct_credits("openai", None));
//! # Ok::<(), byok_keyring::Error>(())
//! ```
//!
//! Modules, from the bottom up: [`limits`] (every size, count and time
//! limit), [`providers`] (the provider table: key shapes, auth, checks),
//! [`mod@validate`] and [`mod@mask`] (offline checks and display),
//! [`strength`] (how guessable a passphrase is), `crypto`
//! (RustCrypto primitives), `format` (the stored vault, `docs/FORMAT.md`;
//! `crypto` and `format` are internals, public only for the fuzz target and
//! tests and hidden from these docs), [`storage`] (where its text lives),
//! [`credits`] (the credit policy), [`keyring`] (state and operations, one
//! file per concern), [`kdf`] and [`flows`] (key derivation and the async
//! passphrase operations), [`verify`] (checking a key with its provider,
//! `docs/VERIFY.md`). The `wasm` module (wasm32 only) converts values and
//! errors for JavaScript and holds no rule of its own.

#![forbid(unsafe_code)]
#![warn(missing_docs)]
// No format! outside the unit tests: messages are built with crate::text, so
// the .wasm has no core::fmt (clippy.toml).
#![cfg_attr(not(test), deny(clippy::disallowed_macros))]

pub mod credits;
#[doc(hidden)]
pub mod crypto;
pub mod custom;
pub mod error;
pub mod flows;
#[doc(hidden)]
pub mod format;
mod json;
mod json_writer;
pub mod kdf;
pub mod keyring;
pub mod limits;
pub mod mask;
pub mod providers;
pub mod secret;
pub mod storage;
pub mod strength;
mod text;
pub mod validate;
pub mod verify;

#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod wasm;

pub use credits::{CreditPolicy, Source, Usage};
pub use crypto::DerivedKey;
pub use custom::{define as define_provider, ProviderDef};
pub use error::{Error, ErrorCode, Result};
pub use format::{FormatError, KdfParams};
pub use kdf::{Kdf, RustKdf};
pub use keyring::{
    system_clock, ChangeEvent, ChangeKind, KeyInfo, Keyring, Options, SetOptions, Snapshot, State,
};
pub use mask::mask;
pub use providers::{ProviderInfo, PROVIDERS, RULES_VERSION};
pub use secret::{ApiKey, Passphrase};
pub use storage::{MemoryStorage, Storage};
pub use strength::{passphrase_strength, Strength};
pub use validate::{detect_provider, validate, Validation, ValidationCode};
pub use verify::{Verification, VerifyCode, VerifyOptions};
