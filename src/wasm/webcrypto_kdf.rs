//! Whether PBKDF2-HMAC-SHA256 can run through WebCrypto
//! (`crypto.subtle.deriveBits`) here.
//!
//! About 3× faster than the pure-Rust path in Chromium, and it runs off the
//! page's main thread, so an unlock at 600,000 iterations does not freeze the
//! page. `crypto.subtle` exists only in secure contexts (https, localhost);
//! elsewhere, and if WebCrypto refuses a request, the keyring derives with
//! [`crate::crypto::pbkdf2_sha256`] in WebAssembly, which produces the same
//! bits. The derivation itself is `pbkdf2` in `js/transport.js`, driven by
//! `src/wasm/flows.rs`.

use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::SubtleCrypto;

/// Whether `globalThis.crypto.subtle` is a `SubtleCrypto` in this context.
pub fn available() -> bool {
    let Ok(crypto) = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto")) else {
        return false;
    };
    if crypto.is_undefined() || crypto.is_null() {
        return false;
    }
    Reflect::get(&crypto, &JsValue::from_str("subtle"))
        .is_ok_and(|s| s.is_instance_of::<SubtleCrypto>())
}
