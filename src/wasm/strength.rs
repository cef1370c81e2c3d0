//! `passphraseStrength`: the core's [`crate::strength`] estimate as a plain
//! JS object, for a meter next to a passphrase field.

use super::args;
use super::convert::js_static;
use super::types::OptionalString;
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;

/// How hard a passphrase is to guess: `score` 0 (trivial: `create` and
/// `changePassphrase` refuse it with `weak_passphrase`) to 4, a `warning`
/// (always present at score 0) and `suggestions` (empty from score 3).
/// Pass the keyring's `namespace` to count the account name for nothing,
/// as `create` does. The texts are fixed sentences, never a part of the
/// passphrase.
#[wasm_bindgen(js_name = passphraseStrength, unchecked_return_type = "PassphraseStrength")]
pub fn passphrase_strength(
    #[wasm_bindgen(unchecked_param_type = "string")] passphrase: &JsValue,
    namespace: Option<OptionalString>,
) -> Result<JsValue, JsValue> {
    let p = zeroize::Zeroizing::new(args::string(passphrase, "passphrase")?);
    let namespace = namespace.map_or(JsValue::UNDEFINED, JsValue::from);
    let namespace = args::opt_string(&namespace, "namespace")?;
    let s = crate::strength::passphrase_strength(&p, namespace.as_deref());
    let o = Object::new();
    let set = |k: &'static str, value: &JsValue| {
        let _ = Reflect::set(&o, &js_static(k), value);
    };
    set("score", &JsValue::from(s.score));
    if let Some(w) = s.warning {
        set("warning", &js_static(w));
    }
    let list: Array = s.suggestions.iter().map(|&t| js_static(t)).collect();
    set("suggestions", &list);
    Ok(o.into())
}
