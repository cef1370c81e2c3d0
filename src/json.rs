//! JSON text ↔ Rust values, the one place that knows how.
//!
//! Reading walks a parsed value through the small [`Value`] trait: natively
//! a `serde_json::Value`, in the browser the engine's own `JSON.parse`
//! result. Writing uses `serde::Serialize` and the crate's own JSON text
//! writer ([`crate::json_writer`]), natively and in the browser alike. So
//! the `.wasm` carries no JSON parser, no serde deserializer and no float
//! formatting.

use serde::Serialize;

/// A parsed JSON value, read without copying it whole into Rust.
pub(crate) trait Value: Sized {
    /// Parses `text`; `None` when it is not JSON.
    fn parse(text: &str) -> Option<Self>;
    /// The member `key` of an object; `None` when absent or not an object.
    fn member(&self, key: &str) -> Option<Self>;
    /// An object's member names; `None` when this is not an object.
    fn member_names(&self) -> Option<Vec<String>>;
    /// A string's text.
    fn text(&self) -> Option<String>;
    /// A whole number in `0..=2^53` (what a JS number holds exactly).
    fn whole(&self) -> Option<u64>;
    /// A boolean.
    fn flag(&self) -> Option<bool>;
}

/// The largest integer a JavaScript number holds exactly.
pub(crate) const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// `f` as a whole number in `0..=MAX_SAFE_INTEGER`, if it is one.
fn whole_number(f: f64) -> Option<u64> {
    (f >= 0.0 && f.fract() == 0.0 && f <= MAX_SAFE_INTEGER as f64).then_some(f as u64)
}

/// The [`Value`] of this build.
#[cfg(not(target_arch = "wasm32"))]
pub(crate) type Json = serde_json::Value;
/// The [`Value`] of this build.
#[cfg(target_arch = "wasm32")]
pub(crate) type Json = wasm_bindgen::JsValue;

#[cfg(not(target_arch = "wasm32"))]
impl Value for serde_json::Value {
    fn parse(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok()
    }
    fn member(&self, key: &str) -> Option<Self> {
        self.as_object()?.get(key).cloned()
    }
    fn member_names(&self) -> Option<Vec<String>> {
        Some(self.as_object()?.keys().cloned().collect())
    }
    fn text(&self) -> Option<String> {
        self.as_str().map(str::to_string)
    }
    fn whole(&self) -> Option<u64> {
        match self.as_u64() {
            Some(n) => (n <= MAX_SAFE_INTEGER).then_some(n),
            None => whole_number(self.as_f64()?),
        }
    }
    fn flag(&self) -> Option<bool> {
        self.as_bool()
    }
}

#[cfg(target_arch = "wasm32")]
impl Value for wasm_bindgen::JsValue {
    fn parse(text: &str) -> Option<Self> {
        js_sys::JSON::parse(text).ok()
    }
    fn member(&self, key: &str) -> Option<Self> {
        if !is_plain_object(self) {
            return None;
        }
        let v = js_sys::Reflect::get(self, &wasm_bindgen::JsValue::from_str(key)).ok()?;
        (!v.is_undefined()).then_some(v)
    }
    fn member_names(&self) -> Option<Vec<String>> {
        if !is_plain_object(self) {
            return None;
        }
        let obj = wasm_bindgen::JsCast::unchecked_ref::<js_sys::Object>(self);
        Some(
            js_sys::Object::keys(obj)
                .iter()
                .filter_map(|k| k.as_string())
                .collect(),
        )
    }
    fn text(&self) -> Option<String> {
        self.as_string()
    }
    fn whole(&self) -> Option<u64> {
        whole_number(self.as_f64()?)
    }
    fn flag(&self) -> Option<bool> {
        self.as_bool()
    }
}

/// An object that is not an array (what JSON calls an object).
#[cfg(target_arch = "wasm32")]
fn is_plain_object(v: &wasm_bindgen::JsValue) -> bool {
    v.is_object() && !js_sys::Array::is_array(v)
}

/// Parses `text` as a JSON value of this build.
pub(crate) fn parse(text: &str) -> Option<Json> {
    Json::parse(text)
}

/// Whether `value` is an object whose member names are all in `known`.
pub(crate) fn only_keys(value: &Json, known: &[&str]) -> bool {
    value
        .member_names()
        .is_some_and(|keys| keys.iter().all(|k| known.contains(&k.as_str())))
}

/// Serializes `value` to compact JSON text (what `serde_json::to_string`
/// writes); `None` when it holds an integer beyond 2^53 − 1 (see
/// [`crate::json_writer`]), which the caller must not store.
pub(crate) fn to_string<T: Serialize + ?Sized>(value: &T) -> Option<String> {
    crate::json_writer::to_string(value).ok()
}

/// `value` as a plain JavaScript value (objects, not `Map`s; integers as
/// numbers; `None` as `null`): its JSON text, parsed by the engine.
#[cfg(target_arch = "wasm32")]
pub(crate) fn to_js<T: Serialize + ?Sized>(
    value: &T,
) -> Result<wasm_bindgen::JsValue, crate::json_writer::Unconvertible> {
    let text = crate::json_writer::to_string(value)?;
    js_sys::JSON::parse(&text).map_err(|_| crate::json_writer::Unconvertible)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn whole(text: &str) -> Option<u64> {
        parse(text)?.whole()
    }

    #[test]
    fn whole_numbers_are_those_a_javascript_number_holds_exactly() {
        // Written as JSON.stringify writes them, or in any other JSON form of
        // the same whole number (JSON.parse reads all of them alike).
        for (text, n) in [
            ("0", 0),
            ("1", 1),
            ("1.0", 1),
            ("1e3", 1000),
            ("9007199254740991", MAX_SAFE_INTEGER),
        ] {
            assert_eq!(whole(text), Some(n), "{text}");
        }
        for text in [
            "9007199254740992",
            "9007199254740992.0",
            "18446744073709551615",
            "-1",
            "-1.0",
            "1.5",
            "\"1\"",
            "true",
            "null",
            "[1]",
        ] {
            assert_eq!(whole(text), None, "{text}");
        }
        assert_eq!(MAX_SAFE_INTEGER, 9_007_199_254_740_991);
    }

    #[test]
    fn only_keys_needs_an_object_with_no_other_member() {
        let known = ["a", "b"];
        assert!(only_keys(&parse(r#"{"a":1}"#).unwrap(), &known));
        assert!(only_keys(&parse(r#"{}"#).unwrap(), &known));
        assert!(!only_keys(&parse(r#"{"a":1,"c":2}"#).unwrap(), &known));
        assert!(!only_keys(&parse(r#"[]"#).unwrap(), &known));
        assert!(!only_keys(&parse(r#""a""#).unwrap(), &known));
    }

    #[test]
    fn members_texts_and_flags_are_read_by_type() {
        let v = parse(r#"{"s":"x","t":true,"n":2}"#).unwrap();
        assert_eq!(v.member("s").and_then(|s| s.text()).as_deref(), Some("x"));
        assert_eq!(v.member("t").and_then(|t| t.flag()), Some(true));
        assert_eq!(v.member("n").and_then(|n| n.text()), None);
        assert_eq!(v.member("s").and_then(|s| s.flag()), None);
        assert!(v.member("missing").is_none());
        assert!(parse("[1]").unwrap().member("0").is_none());
        let mut names = v.member_names().unwrap();
        names.sort();
        assert_eq!(names, ["n", "s", "t"]);
        assert!(parse("{").is_none());
    }
}
