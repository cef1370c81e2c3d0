//! Rust values → JavaScript values, in one place: results as plain objects,
//! and fixed strings (`&'static str`) as JS strings created once.

use crate::error::Error;
use serde::Serialize;
use std::cell::RefCell;
use wasm_bindgen::JsValue;

/// A result as a plain JS object (see [`crate::json::to_js`]).
pub(crate) fn to_js_value<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    crate::json::to_js(value)
        .map_err(|_| Error::invalid_argument("A result could not be converted.").into())
}

thread_local! {
    /// JS strings for `&'static str` values (provider ids, codes, states,
    /// property names, the field names of serialized structs), keyed by
    /// address: created once, then handed out without copying or decoding.
    /// A couple of hundred entries at most (a linear scan of addresses).
    static STATIC_STRINGS: RefCell<Vec<((usize, usize), JsValue)>> = const { RefCell::new(Vec::new()) };
}

/// The JS string of a `&'static str`, created once per string.
pub(crate) fn js_static(s: &'static str) -> JsValue {
    let key = (s.as_ptr() as usize, s.len());
    STATIC_STRINGS.with(|cache| {
        if let Some((_, v)) = cache.borrow().iter().find(|(k, _)| *k == key) {
            return v.clone();
        }
        let v = JsValue::from_str(s);
        cache.borrow_mut().push((key, v.clone()));
        v
    })
}
