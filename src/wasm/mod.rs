//! The thin `wasm-bindgen` layer: converts JavaScript values to the core's
//! types and the core's errors to thrown `KeyringError`s. No keyring logic
//! lives here.
//!
//! - [`args`]: checked conversion of untrusted JS arguments;
//! - [`convert`]: Rust results and fixed strings → JS values;
//! - `custom_providers`: `defineProvider` and the keyring's `providers` option;
//! - `decisions`: the credit decision mirrored in a JS object for the hot path;
//! - [`errors`]: `Error` → JS `Error` with `name`, `code`, `details`;
//! - [`browser_storage`]: sessionStorage / localStorage behind [`crate::Storage`];
//! - [`tabs`]: the `storage` event and a BroadcastChannel keep tabs in step;
//! - `registry`: the keyrings of one page on the same storage item keep in step;
//! - [`types`]: the TypeScript declarations of options and results;
//! - [`webcrypto_kdf`]: whether PBKDF2 can run through `crypto.subtle`, off the main thread;
//! - `flows`: `create`, `unlock`, `changePassphrase` as synchronous steps that
//!   `js/transport.js` drives around WebCrypto;
//! - [`api`]: the exported functions and the `Keyring` class;
//! - `resume`: `resume: "tab"`, the vault key sealed for a reload of the tab (`js/resume.js`);
//! - `strength`: `passphraseStrength`, the core's estimate for a meter;
//! - [`verify`]: `verify()`, `set(..., { verify })`, `authHeaders`, `withKey` (the fetch).

pub mod api;
pub mod args;
pub mod browser_storage;
pub mod convert;
mod custom_providers;
mod decisions;
pub mod errors;
mod flows;
mod passkeys;
mod registry;
mod resume;
mod strength;
pub mod tabs;
pub mod types;
pub mod verify;
pub mod webcrypto_kdf;
