//! Checked conversion of JavaScript arguments. Everything from JS is
//! untrusted: a wrong type gives `invalid_argument` (never a panic or a
//! wasm-bindgen type error), and sizes are bounded before any copy.

use crate::credits::CreditPolicy;
use crate::error::{Error, Result};
use crate::keyring::{Options, SetOptions};
use crate::text::{concat, decimal};
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

/// [`crate::limits::MAX_STRING_ARG`] as a JS string length (UTF-16 units).
pub const MAX_STRING_ARG: u32 = crate::limits::MAX_STRING_ARG as u32;

fn type_name(v: &JsValue) -> &'static str {
    if v.is_undefined() {
        "undefined"
    } else if v.is_null() {
        "null"
    } else if v.as_f64().is_some() {
        "a number"
    } else if v.as_bool().is_some() {
        "a boolean"
    } else if Array::is_array(v) {
        "an array"
    } else if v.is_function() {
        "a function"
    } else if v.is_object() {
        "an object"
    } else {
        "another type"
    }
}

/// A required string argument.
pub fn string(v: &JsValue, name: &str) -> Result<String> {
    if let Some(s) = v.dyn_ref::<js_sys::JsString>() {
        if s.length() > MAX_STRING_ARG {
            return Err(too_long(name));
        }
        // Lone surrogates become U+FFFD, as TextEncoder does.
        return Ok(String::from(s));
    }
    Err(not_a(name, "a string", v))
}

/// `invalid_argument`: "`name` must be `what`, not `the type of v`."
fn not_a(name: &str, what: &str, v: &JsValue) -> Error {
    Error::invalid_argument(concat(&[
        name,
        " must be ",
        what,
        ", not ",
        type_name(v),
        ".",
    ]))
}

/// `invalid_argument`: "`name` is too long (more than … characters)."
fn too_long(name: &str) -> Error {
    Error::invalid_argument(concat(&[
        name,
        " is too long (more than ",
        &decimal(MAX_STRING_ARG),
        " characters).",
    ]))
}

/// A string argument on the hot path (`isByok`, `shouldDeductCredits`,
/// `source`): one boundary crossing (`as_string`) instead of three. Provider
/// ids are short; a very long string is still refused after the copy.
pub fn short_string(v: &JsValue, name: &str) -> Result<String> {
    match v.as_string() {
        Some(s) if s.len() <= MAX_STRING_ARG as usize => Ok(s),
        Some(_) => Err(too_long(name)),
        None => Err(not_a(name, "a string", v)),
    }
}

/// Whether `s` (trimmed) has the shape of a provider key with a
/// recognisable prefix (`sk-proj-…`, `gsk_…`): such a value passed where a
/// label is expected is refused rather than shown or stored in plain text.
/// Keys without a prefix (Mistral, Cohere, Exa) look like any identifier
/// (an Exa key is a UUID, a common user id) and cannot be told apart.
pub fn looks_like_a_key(s: &str) -> bool {
    crate::providers::looks_like_a_key(s)
}

/// An optional label the library shows or stores in plain text (a
/// namespace, a model id, a feature name): a string that is not shaped
/// like a key ([`looks_like_a_key`]).
pub fn opt_label(v: &JsValue, name: &str) -> Result<Option<String>> {
    let s = opt_string(v, name)?;
    if s.as_deref().is_some_and(looks_like_a_key) {
        return Err(Error::invalid_argument(concat(&[
            name,
            " looks like an API key. It is kept and shown in plain text, so it must not be one.",
        ])));
    }
    Ok(s)
}

/// An optional string argument (`undefined` or `null` → `None`).
pub fn opt_string(v: &JsValue, name: &str) -> Result<Option<String>> {
    if v.is_undefined() || v.is_null() {
        Ok(None)
    } else {
        string(v, name).map(Some)
    }
}

/// A required boolean argument.
pub fn boolean(v: &JsValue, name: &str) -> Result<bool> {
    v.as_bool().ok_or_else(|| not_a(name, "true or false", v))
}

/// An optional whole number in `min..=max`.
pub fn opt_integer(v: &JsValue, name: &str, min: u64, max: u64) -> Result<Option<u64>> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    match v.as_f64() {
        Some(n) if n.fract() == 0.0 && n >= min as f64 && n <= max as f64 => Ok(Some(n as u64)),
        _ => Err(Error::invalid_argument(concat(&[
            name,
            " must be a whole number between ",
            &decimal(min),
            " and ",
            &decimal(max),
            ".",
        ]))),
    }
}

pub(super) fn opt_string_list(v: &JsValue, name: &str) -> Result<Vec<String>> {
    if v.is_undefined() || v.is_null() {
        return Ok(Vec::new());
    }
    let Some(arr) = v.dyn_ref::<Array>() else {
        return Err(not_a(name, "an array of strings", v));
    };
    if arr.length() > 256 {
        return Err(Error::invalid_argument(concat(&[
            name,
            " has too many entries.",
        ])));
    }
    let entry = concat(&["each entry of ", name]);
    let mut list = Vec::new();
    for item in arr.iter() {
        list.push(opt_label(&item, &entry)?.ok_or_else(|| not_a(&entry, "a string", &item))?);
    }
    Ok(list)
}

/// An options object (`undefined` / `null` → all defaults). Unknown option
/// names are refused, so a typo does not silently fall back to a default.
pub(super) fn options_object(v: &JsValue, what: &str, known: &[&str]) -> Result<Option<Object>> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    if !v.is_object() || Array::is_array(v) || v.is_function() {
        return Err(not_a(what, "an object", v));
    }
    let obj: Object = v.clone().unchecked_into();
    for key in Object::keys(&obj).iter() {
        let key = key.as_string().unwrap_or_default();
        if !known.contains(&key.as_str()) {
            // Echoed only when it looks like an option name: a key or a
            // passphrase used as a property name is not shown.
            let b = key.as_bytes();
            let shown = b.len() <= 32
                && b.first().is_some_and(u8::is_ascii_alphabetic)
                && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
                && !looks_like_a_key(&key);
            let quoted = concat(&["\"", &key, "\""]);
            return Err(Error::invalid_argument(concat(&[
                "Unknown option ",
                if shown { &quoted } else { "(not shown)" },
                " in ",
                what,
                ". Known options: ",
                &crate::text::join(known, ", "),
                ".",
            ])));
        }
    }
    Ok(Some(obj))
}

/// Reads one option of a checked options object.
pub(super) fn get(obj: &Object, key: &str) -> Result<JsValue> {
    Reflect::get(obj, &JsValue::from_str(key))
        .map_err(|_| Error::invalid_argument(concat(&["Option ", key, " could not be read."])))
}

/// The storage kind chosen in the options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StorageKind {
    /// sessionStorage: survives a reload, not closing the tab.
    Session,
    /// localStorage: survives restarting the browser.
    Local,
    /// Memory only: survives nothing.
    Memory,
}

/// Which PBKDF2 implementation to use (`kdf` option).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KdfChoice {
    /// WebCrypto when `crypto.subtle` exists, else pure Rust (the default).
    Auto,
    /// WebCrypto; like `Auto`, falls back to pure Rust where it is missing.
    WebCrypto,
    /// Always the pure-Rust implementation.
    Wasm,
}

/// The checked `new Keyring(options)`.
pub struct KeyringArgs {
    /// The core's options.
    pub options: Options,
    /// Where the vault is kept.
    pub storage: StorageKind,
    /// Which PBKDF2 implementation runs.
    pub kdf: KdfChoice,
    /// `resume: "tab"`: how long a tab's resume ticket lasts (`resumeTtlMs`).
    pub resume_ttl_ms: Option<u64>,
}

/// `new Keyring(options)`.
pub fn keyring_options(v: &JsValue) -> Result<KeyringArgs> {
    const KNOWN: &[&str] = &[
        "kdf",
        "namespace",
        "storage",
        "iterations",
        "minPassphraseLength",
        "platformOnly",
        "platformProviders",
        "autoLockMs",
        "providers",
        "resume",
        "resumeTtlMs",
    ];
    let mut opts = Options::default();
    let Some(obj) = options_object(v, "Keyring options", KNOWN)? else {
        return Ok(KeyringArgs {
            options: opts,
            storage: StorageKind::Session,
            kdf: KdfChoice::Auto,
            resume_ttl_ms: None,
        });
    };
    let kdf = match opt_string(&get(&obj, "kdf")?, "kdf")?.as_deref() {
        None | Some("auto") => KdfChoice::Auto,
        Some("webcrypto") => KdfChoice::WebCrypto,
        Some("wasm") => KdfChoice::Wasm,
        Some(_) => {
            return Err(Error::invalid_argument(
                "kdf must be \"auto\", \"webcrypto\" or \"wasm\".",
            ))
        }
    };
    if let Some(ns) = opt_label(&get(&obj, "namespace")?, "namespace")? {
        opts.namespace = ns;
    }
    let storage = match opt_string(&get(&obj, "storage")?, "storage")?.as_deref() {
        None | Some("session") => StorageKind::Session,
        Some("local") => StorageKind::Local,
        Some("memory") => StorageKind::Memory,
        Some(_) => {
            return Err(Error::invalid_argument(
                "storage must be \"session\", \"local\" or \"memory\".",
            ))
        }
    };
    if let Some(n) = opt_integer(
        &get(&obj, "iterations")?,
        "iterations",
        u64::from(crate::limits::MIN_ITERATIONS),
        u64::from(crate::limits::MAX_ITERATIONS),
    )? {
        opts.iterations = n as u32;
    }
    if let Some(n) = opt_integer(
        &get(&obj, "minPassphraseLength")?,
        "minPassphraseLength",
        crate::limits::MIN_MIN_PASSPHRASE_LEN as u64,
        crate::limits::MAX_MIN_PASSPHRASE_LEN as u64,
    )? {
        opts.min_passphrase_length = n as usize;
    }
    opts.policy = CreditPolicy {
        platform_only: opt_string_list(&get(&obj, "platformOnly")?, "platformOnly")?,
        platform_providers: opt_string_list(&get(&obj, "platformProviders")?, "platformProviders")?,
    };
    opts.auto_lock_ms = opt_integer(
        &get(&obj, "autoLockMs")?,
        "autoLockMs",
        1,
        crate::limits::MAX_AUTO_LOCK_MS,
    )?;
    opts.providers = super::custom_providers::definitions(&get(&obj, "providers")?)?;
    let resume_ttl_ms = super::resume::options(&obj, storage)?;
    Ok(KeyringArgs {
        options: opts,
        storage,
        kdf,
        resume_ttl_ms,
    })
}

/// `kr.set(provider, key, options)`. `verify` is read by `super::verify`.
pub fn set_options(v: &JsValue) -> Result<SetOptions> {
    let known = ["model", "expiresInMs", "baseUrl", "verify"];
    let Some(obj) = options_object(v, "set() options", &known)? else {
        return Ok(SetOptions::default());
    };
    Ok(SetOptions {
        model: opt_label(&get(&obj, "model")?, "model")?,
        expires_in_ms: opt_integer(
            &get(&obj, "expiresInMs")?,
            "expiresInMs",
            1,
            crate::limits::MAX_EXPIRES_IN_MS,
        )?,
        base_url: opt_string(&get(&obj, "baseUrl")?, "baseUrl")?,
    })
}

/// `kr.lock(options)`: whether to lock every tab (`everywhere`).
pub fn lock_options(v: &JsValue) -> Result<bool> {
    let Some(obj) = options_object(v, "lock() options", &["everywhere"])? else {
        return Ok(false);
    };
    let everywhere = get(&obj, "everywhere")?;
    if everywhere.is_undefined() || everywhere.is_null() {
        Ok(false)
    } else {
        boolean(&everywhere, "everywhere")
    }
}

/// A `Uint8Array` of exactly `len` bytes (of any length: `None`), copied
/// into memory that is zeroed when dropped: for secrets (derived keys, PRF
/// outputs) whose JavaScript copy the caller zeroes. `None` for anything
/// else.
pub(crate) fn secret_bytes(v: &JsValue, len: Option<usize>) -> Option<zeroize::Zeroizing<Vec<u8>>> {
    let a = v.dyn_ref::<js_sys::Uint8Array>()?;
    let n = a.length() as usize;
    if len.is_some_and(|len| len != n) {
        return None;
    }
    let mut out = zeroize::Zeroizing::new(vec![0u8; n]);
    a.copy_to(&mut out);
    Some(out)
}
