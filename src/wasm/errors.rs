//! Core errors as thrown JavaScript errors.

use super::convert::{js_static, to_js_value};
use crate::error::Error;
use js_sys::Reflect;
use wasm_bindgen::JsValue;

/// A JS `Error` with `name === "KeyringError"`, `code`, and for
/// `invalid_key` the validation in `details` (without the key).
impl From<Error> for JsValue {
    fn from(e: Error) -> JsValue {
        let err = js_sys::Error::new(e.message());
        err.set_name("KeyringError");
        // Setting a property on a fresh Error object cannot fail.
        let _ = Reflect::set(&err, &js_static("code"), &js_static(e.code().as_str()));
        if let Some(ms) = e.retry_after_ms() {
            let _ = Reflect::set(
                &err,
                &js_static("retryAfterMs"),
                &JsValue::from_f64(ms as f64),
            );
        }
        if let Some(details) = e.details() {
            if let Ok(v) = to_js_value(details) {
                let _ = Reflect::set(&err, &js_static("details"), &v);
            }
        }
        err.into()
    }
}
