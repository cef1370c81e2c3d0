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
//! Modules, from the bottom up: [`providers`] (key shapes), [`validate`]
//! and [`mask`] (offline checks and display), [`crypto`] (RustCrypto
//! primitives), [`format`] (the stored vault, `docs/FORMAT.md`), [`storage`]
//! (where its text lives), [`credits`] (the credit decision), [`keyring`]
//! (state and operations), [`kdf`] and [`flows`] (key derivation and the
//! async passphrase operations), [`verify`] (checking a key with its provider,
//! `docs/VERIFY.md`).

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod credits;
pub mod crypto;
pub mod error;
pub mod flows;
pub mod format;
pub mod kdf;
pub mod keyring;
pub mod mask;
pub mod providers;
pub mod secret;
pub mod storage;
pub mod validate;
pub mod verify;

#[cfg(target_arch = "wasm32")]
pub mod wasm;

pub use credits::{CreditPolicy, Source, Usage};
pub use error::{Error, ErrorCode, Result};
pub use kdf::{Kdf, RustKdf};
pub use keyring::{
    system_clock, ChangeEvent, ChangeKind, KeyInfo, Keyring, Options, SetOptions, State,
};
pub use mask::mask;
pub use providers::{ProviderInfo, PROVIDERS};
pub use secret::{ApiKey, Passphrase};
pub use storage::{MemoryStorage, Storage};
pub use validate::{detect_provider, validate, Validation, ValidationCode};
pub use verify::{Verification, VerifyCode, VerifyOptions};
