//! PBKDF2-HMAC-SHA256 through WebCrypto (`crypto.subtle.deriveBits`).
//!
//! About 3× faster than the pure-Rust path in Chromium, and it runs off the
//! page's main thread, so an unlock at 600,000 iterations does not freeze the
//! page. `crypto.subtle` exists only in secure contexts (https, localhost);
//! elsewhere, and if WebCrypto refuses the request, the keyring falls back to
//! [`crate::RustKdf`], which produces the same bits.

use crate::crypto::{DerivedKey, KEY_LEN};
use crate::error::Error;
use crate::format::KdfParams;
use crate::kdf::{DeriveFuture, Kdf, RustKdf};
use crate::secret::Passphrase;
use js_sys::{Array, Object, Reflect, Uint8Array};
use std::cell::Cell;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};

/// `globalThis.crypto.subtle`, when this context has it.
pub fn subtle() -> Option<SubtleCrypto> {
    let crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto")).ok()?;
    if crypto.is_undefined() || crypto.is_null() {
        return None;
    }
    Reflect::get(&crypto, &JsValue::from_str("subtle"))
        .ok()?
        .dyn_into::<SubtleCrypto>()
        .ok()
}

/// PBKDF2-HMAC-SHA256 of any inputs with WebCrypto; `len` bytes of output.
/// The copy of the password handed to JavaScript is overwritten with zeros
/// once imported.
pub async fn pbkdf2_sha256(
    subtle: &SubtleCrypto,
    password: &[u8],
    salt: &[u8],
    iterations: u32,
    len: usize,
) -> Result<Vec<u8>, JsValue> {
    let pw = Uint8Array::from(password);
    let usages = Array::of1(&JsValue::from_str("deriveBits"));
    let imported = subtle.import_key_with_str("raw", &pw, "PBKDF2", false, &usages);
    pw.fill(0, 0, pw.length());
    let base: CryptoKey = JsFuture::from(imported?).await?.dyn_into()?;
    let algorithm = Object::new();
    Reflect::set(&algorithm, &"name".into(), &"PBKDF2".into())?;
    Reflect::set(&algorithm, &"hash".into(), &"SHA-256".into())?;
    Reflect::set(&algorithm, &"salt".into(), &Uint8Array::from(salt))?;
    Reflect::set(&algorithm, &"iterations".into(), &JsValue::from(iterations))?;
    let bits =
        JsFuture::from(subtle.derive_bits_with_object(&algorithm, &base, (len * 8) as u32)?)
            .await?;
    let view = Uint8Array::new(&bits);
    let out = view.to_vec();
    view.fill(0, 0, view.length());
    Ok(out)
}

/// The WebCrypto backend, falling back to pure Rust when WebCrypto fails.
pub struct WebCryptoKdf {
    subtle: SubtleCrypto,
    fell_back: Cell<bool>,
}

impl WebCryptoKdf {
    /// The backend, if `crypto.subtle` exists here.
    pub fn detect() -> Option<Self> {
        subtle().map(|subtle| WebCryptoKdf {
            subtle,
            fell_back: Cell::new(false),
        })
    }
}

impl Kdf for WebCryptoKdf {
    fn backend(&self) -> &'static str {
        if self.fell_back.get() {
            "wasm"
        } else {
            "webcrypto"
        }
    }

    fn derive<'a>(&'a self, passphrase: &'a Passphrase, params: &'a KdfParams) -> DeriveFuture<'a> {
        Box::pin(async move {
            let derived = pbkdf2_sha256(
                &self.subtle,
                passphrase.as_bytes(),
                &params.salt,
                params.iterations,
                KEY_LEN,
            )
            .await;
            match derived.ok().and_then(|mut bytes| {
                let key = DerivedKey::from_slice(&bytes);
                zeroize::Zeroize::zeroize(&mut bytes);
                key
            }) {
                Some(key) => Ok::<DerivedKey, Error>(key),
                None => {
                    self.fell_back.set(true);
                    RustKdf.derive(passphrase, params).await
                }
            }
        })
    }
}
