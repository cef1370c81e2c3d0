//! `defineProvider(def)` and the `providers` option of `new Keyring`: a
//! provider definition read from JavaScript (see [`crate::custom`]).

use super::args::{get, opt_string, opt_string_list, options_object, string};
use super::convert::to_js_value;
use crate::custom::ProviderDef;
use crate::error::{Error, Result};
use js_sys::Array;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::JsValue;

const FIELDS: &[&str] = &[
    "id",
    "name",
    "prefixes",
    "lengths",
    "alphabet",
    "keyUrl",
    "defaultModel",
    "baseUrl",
    "auth",
    "check",
];

/// A required object (a definition, its `auth`).
fn object(v: &JsValue, what: &str, known: &[&str]) -> Result<js_sys::Object> {
    options_object(v, what, known)?
        .ok_or_else(|| Error::invalid_argument(crate::text::concat(&[what, " must be an object."])))
}

/// `lengths`: absent, or an array of whole numbers (checked further in
/// [`crate::custom::define`]).
fn lengths(v: &JsValue) -> Result<Vec<u16>> {
    if v.is_undefined() || v.is_null() {
        return Ok(Vec::new());
    }
    let bad = || {
        Error::invalid_argument(
            "Provider definition: lengths must be an array of whole numbers from 1 to 4096.",
        )
    };
    if !Array::is_array(v) {
        return Err(bad());
    }
    let arr: Array = v.clone().into();
    if arr.length() > crate::limits::MAX_CUSTOM_LIST as u32 {
        return Err(Error::invalid_argument(
            "Provider definition: lengths must hold at most 8 entries.",
        ));
    }
    // Plain loops rather than collecting a Result: the iterator adapters
    // are instantiated again for every such collect in the .wasm.
    let mut lengths = Vec::new();
    for item in arr.iter() {
        let n = item.as_f64().ok_or_else(bad)?;
        if n.fract() != 0.0 || !(1.0..=4096.0).contains(&n) {
            return Err(bad());
        }
        lengths.push(n as u16);
    }
    Ok(lengths)
}

/// The string `name` of `obj` (`label` in messages): `None` when absent
/// and optional. One copy of the reading code for every field.
#[inline(never)]
fn text(obj: &js_sys::Object, name: &str, label: &str, required: bool) -> Result<Option<String>> {
    let v = get(obj, name)?;
    if required {
        string(&v, label).map(Some)
    } else {
        opt_string(&v, label)
    }
}

/// One provider definition.
pub(super) fn definition(v: &JsValue) -> Result<ProviderDef> {
    let obj = object(v, "A provider definition", FIELDS)?;
    let req = |name: &str| text(&obj, name, name, true).map(Option::unwrap_or_default);
    let opt = |name: &str| text(&obj, name, name, false);
    let auth = object(&get(&obj, "auth")?, "auth", &["header", "scheme"])?;
    let check = match options_object(&get(&obj, "check")?, "check", &["method", "path"])? {
        None => None,
        Some(c) => Some((
            text(&c, "method", "check.method", true)?.unwrap_or_default(),
            text(&c, "path", "check.path", true)?.unwrap_or_default(),
        )),
    };
    Ok(ProviderDef {
        id: req("id")?,
        name: req("name")?,
        prefixes: opt_string_list(&get(&obj, "prefixes")?, "prefixes")?,
        lengths: lengths(&get(&obj, "lengths")?)?,
        alphabet: opt("alphabet")?,
        key_url: opt("keyUrl")?,
        default_model: opt("defaultModel")?,
        base_url: req("baseUrl")?,
        auth_header: text(&auth, "header", "auth.header", true)?.unwrap_or_default(),
        auth_scheme: text(&auth, "scheme", "auth.scheme", false)?,
        check,
    })
}

/// The `providers` option: absent, or an array of definitions.
pub(super) fn definitions(v: &JsValue) -> Result<Vec<ProviderDef>> {
    if v.is_undefined() || v.is_null() {
        return Ok(Vec::new());
    }
    if !Array::is_array(v) {
        return Err(Error::invalid_argument(
            "providers must be an array of provider definitions.",
        ));
    }
    let arr: Array = v.clone().into();
    if arr.length() > crate::limits::MAX_CUSTOM_PROVIDERS as u32 {
        return Err(Error::invalid_argument(crate::custom::TOO_MANY));
    }
    let mut defs = Vec::new();
    for d in arr.iter() {
        defs.push(definition(&d)?);
    }
    Ok(defs)
}

/// Defines a provider of the app's own (its company gateway, a local
/// Ollama, an OpenAI-compatible endpoint) for the whole module: `validate`,
/// `mask`, `verify`, `detectProvider`, `providers()` and every keyring know
/// it. Defining the same provider again is a no-op. Returns its description.
#[wasm_bindgen(js_name = defineProvider, unchecked_return_type = "ProviderInfo")]
pub fn define_provider(
    #[wasm_bindgen(unchecked_param_type = "ProviderDefinition")] def: &JsValue,
) -> std::result::Result<JsValue, JsValue> {
    let def = definition(def)?;
    let p = crate::custom::define(&def)?;
    to_js_value(&p.info())
}
