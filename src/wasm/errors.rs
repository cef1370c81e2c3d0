//! Core errors as thrown JavaScript errors.

use crate::error::Error;
use js_sys::Reflect;
use wasm_bindgen::JsValue;

/// A JS `Error` with `name === "KeyringError"`, `code`, and for
/// `invalid_key` the validation in `details` (without the key).
pub fn to_js(e: &Error) -> JsValue {
    let err = js_sys::Error::new(e.message());
    err.set_name("KeyringError");
    // Setting a property on a fresh Error object cannot fail.
    let _ = Reflect::set(&err, &"code".into(), &e.code().as_str().into());
    if let Some(ms) = e.retry_after_ms() {
        let _ = Reflect::set(&err, &"retryAfterMs".into(), &JsValue::from_f64(ms as f64));
    }
    if let Some(details) = e.details() {
        if let Ok(v) = super::api::to_js_value(details) {
            let _ = Reflect::set(&err, &"details".into(), &v);
        }
    }
    err.into()
}

/// `Result<T, Error>` → `Result<T, JsValue>` for `?` in exported functions.
pub trait IntoJs<T> {
    /// Converts the error side.
    fn js(self) -> Result<T, JsValue>;
}

impl<T> IntoJs<T> for Result<T, Error> {
    fn js(self) -> Result<T, JsValue> {
        self.map_err(|e| to_js(&e))
    }
}
