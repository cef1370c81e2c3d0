//! Providers an app defines: its company gateway, a local Ollama, any
//! OpenAI-compatible endpoint.
//!
//! A [`ProviderDef`] is checked field by field ([`define`]); a definition
//! that is malformed, or whose id is a built-in provider's, is refused with
//! `invalid_argument` naming the field. An accepted definition becomes a
//! [`Provider`] like the built-in ones, known to the whole module (every
//! keyring, `validate`, `mask`, `verify`, `providers()`) for the life of the
//! process: a page defines a handful, so each is made once and kept
//! ([`MAX_CUSTOM_PROVIDERS`] at most; defining the same provider again is a
//! no-op, a different definition under a defined id is refused).
//!
//! How such a provider's keys are judged: by its declared shape (`prefixes`,
//! `lengths`, `alphabet`); with none declared, any non-empty key without
//! whitespace or control characters (see `docs/KEY-FORMATS.md`).

use crate::error::{Error, Result};
use crate::limits::{
    MAX_CUSTOM_KEY_LEN, MAX_CUSTOM_LIST, MAX_CUSTOM_NAME_LEN, MAX_CUSTOM_PROVIDERS, MAX_MODEL_LEN,
    MAX_SHOWN_ID_LEN,
};
use crate::providers::{
    Alphabet, AuthScheme, Check, Endpoint, KeyFormat, Method, Provider, PROVIDERS,
};

const _: () = assert!(PROVIDERS.len() + MAX_CUSTOM_PROVIDERS <= 64);

/// An app's description of a provider (`defineProvider(def)` and the
/// `providers` option of `new Keyring` in JavaScript). Not a secret.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProviderDef {
    /// Stable id, `^[a-z0-9_-]{1,32}$`, not a built-in provider's.
    pub id: String,
    /// Display name (`"Acme Gateway"`).
    pub name: String,
    /// What keys start with; empty: keys have no fixed prefix.
    pub prefixes: Vec<String>,
    /// The total lengths keys may have (prefix included); empty: any.
    pub lengths: Vec<u16>,
    /// The characters after the prefix (see [`alphabet_named`]); `None`:
    /// any printable character but the space.
    pub alphabet: Option<String>,
    /// Where a person creates a key (`https://…`), if anywhere.
    pub key_url: Option<String>,
    /// A sensible default model id.
    pub default_model: Option<String>,
    /// The API's base URL, under the rules of `verify`'s `baseUrl`
    /// (`https://…`, `http://localhost…` and loopback, or `/path` on the
    /// page's own site).
    pub base_url: String,
    /// The header that carries the key (`authorization`, `x-api-key`).
    pub auth_header: String,
    /// What precedes the key in that header, followed by a space
    /// (`"Bearer"`); `None`: the bare key.
    pub auth_scheme: Option<String>,
    /// How `verify` checks a key: the method (`GET` or `POST`) and the
    /// path appended to `base_url`. `None`: keys cannot be checked.
    pub check: Option<(String, String)>,
}

/// The refusal of a definition beyond [`MAX_CUSTOM_PROVIDERS`] (the number
/// is written out: a test keeps them equal).
pub(crate) const TOO_MANY: &str = "At most 32 providers can be defined per page.";

/// The defined providers, in definition order, each with its definition.
type Defined = Vec<(ProviderDef, &'static Provider)>;

/// Natively, one list for the whole process behind a lock.
#[cfg(not(target_arch = "wasm32"))]
static DEFINED: std::sync::Mutex<Defined> = std::sync::Mutex::new(Vec::new());

/// Runs `f` on the defined providers (natively under the lock).
#[cfg(not(target_arch = "wasm32"))]
fn with_defined<R>(f: impl FnOnce(&mut Defined) -> R) -> R {
    f(&mut DEFINED.lock().unwrap_or_else(|e| e.into_inner()))
}

#[cfg(target_arch = "wasm32")]
thread_local! {
    /// In the browser the module has one thread, so the list needs no lock
    /// (a lock's poisoning and assertions weigh in the .wasm).
    static DEFINED: std::cell::RefCell<Defined> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Runs `f` on the defined providers. `f` never calls back in here, so the
/// list is never borrowed twice.
#[cfg(target_arch = "wasm32")]
fn with_defined<R>(f: impl FnOnce(&mut Defined) -> R) -> R {
    DEFINED.with(|d| f(&mut d.borrow_mut()))
}

/// The alphabet names a definition may use: `urlSafe`, `alnum`, `hex`,
/// `lowerHex`, `letters`, `base64`, `lowerAlnum`, `word`, `lowerUuid`.
pub fn alphabet_named(name: &str) -> Option<Alphabet> {
    Some(match name {
        "urlSafe" => Alphabet::UrlSafe,
        "alnum" => Alphabet::Alnum,
        "hex" => Alphabet::Hex,
        "lowerHex" => Alphabet::LowerHex,
        "letters" => Alphabet::Letters,
        "base64" => Alphabet::Base64,
        "lowerAlnum" => Alphabet::LowerAlnum,
        "word" => Alphabet::Word,
        "lowerUuid" => Alphabet::LowerUuid,
        _ => return None,
    })
}

/// The defined provider with this id and its position among definitions.
pub fn find(id: &str) -> Option<(usize, &'static Provider)> {
    with_defined(|defined| {
        let i = defined.iter().position(|(_, p)| p.id == id)?;
        Some((i, defined.get(i)?.1))
    })
}

/// Every defined provider, in definition order.
pub fn defined() -> Vec<&'static Provider> {
    with_defined(|defined| defined.iter().map(|(_, p)| *p).collect())
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

#[inline(never)]
fn field(name: &str, rule: &str) -> Error {
    Error::invalid_argument(crate::text::concat(&[
        "Provider definition: ",
        name,
        " ",
        rule,
        ".",
    ]))
}

fn is_id(id: &str) -> bool {
    (1..=MAX_SHOWN_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// Checks a definition and makes it a provider known to the whole module.
/// Defining the same provider again returns the one already made.
///
/// Errors (`invalid_argument`, naming the field, never showing a value but
/// an id that looks like one): a malformed field; an id that is a built-in
/// provider's, or that was defined differently; more than
/// [`MAX_CUSTOM_PROVIDERS`] definitions.
pub fn define(def: &ProviderDef) -> Result<&'static Provider> {
    let parts = check(def)?;
    with_defined(|defined| keep(defined, def, parts))
}

/// Keeps a checked definition (or finds it kept already).
fn keep(defined: &mut Defined, def: &ProviderDef, parts: Parts) -> Result<&'static Provider> {
    if let Some((existing, p)) = defined.iter().find(|(d, _)| d.id == def.id) {
        if *existing == parts.def {
            return Ok(p);
        }
        return Err(field(
            "id",
            &crate::text::concat(&[
                "\"",
                &def.id,
                "\" is already defined differently; define a provider once per page",
            ]),
        ));
    }
    if defined.len() >= MAX_CUSTOM_PROVIDERS {
        return Err(Error::invalid_argument(TOO_MANY));
    }
    let p: &'static Provider = Box::leak(Box::new(parts.provider()));
    defined.push((parts.def, p));
    Ok(p)
}

/// A checked definition, normalized, with its alphabet and check method.
struct Parts {
    def: ProviderDef,
    alphabet: Alphabet,
    method: Option<Method>,
}

impl Parts {
    /// The provider (its strings leaked: only a definition that is kept
    /// gets here, once).
    fn provider(&self) -> Provider {
        let d = &self.def;
        let opt = |s: &Option<String>| s.as_deref().map_or("", leak);
        // Longest prefix first, as in the built-in table (no sort: a few
        // entries, and a sort would weigh more than this loop).
        let mut prefixes: Vec<&'static str> = Vec::new();
        for p in &d.prefixes {
            let at = prefixes.iter().position(|q| q.len() < p.len());
            prefixes.insert(at.unwrap_or(prefixes.len()), leak(p));
        }
        if prefixes.is_empty() {
            prefixes.push("");
        }
        let mut formats = Vec::new();
        for prefix in prefixes {
            if d.lengths.is_empty() {
                let shortest = prefix.len() as u16 + 1;
                let longest = MAX_CUSTOM_KEY_LEN as u16;
                formats.push(KeyFormat::range(prefix, shortest, longest, self.alphabet));
            } else {
                for &len in &d.lengths {
                    formats.push(KeyFormat::exact(prefix, len, self.alphabet));
                }
            }
        }
        let check = match (self.method, &d.check) {
            (Some(method), Some((_, path))) => Check::Request(Endpoint {
                method,
                base_url: leak(&d.base_url),
                path: leak(path),
                region: None,
            }),
            _ => Check::Unsupported("the app defined no check for this provider"),
        };
        Provider {
            id: leak(&d.id),
            name: leak(&d.name),
            formats: Box::leak(formats.into_boxed_slice()),
            key_url: opt(&d.key_url),
            default_model: opt(&d.default_model),
            auth: AuthScheme {
                key_header: leak(&d.auth_header),
                scheme: d
                    .auth_scheme
                    .as_deref()
                    .map_or("", |s| leak(&crate::text::concat(&[s, " "]))),
                fixed: &[],
            },
            check,
            rejection: None,
        }
    }
}

/// What [`define`] checks: the normalized definition, its alphabet and
/// its check method. Nothing is leaked here.
fn check(def: &ProviderDef) -> Result<Parts> {
    for (name, value) in [
        ("id", Some(&def.id)),
        ("auth.header", Some(&def.auth_header)),
        ("auth.scheme", def.auth_scheme.as_ref()),
    ] {
        if value.is_some_and(|v| crate::providers::looks_like_a_key(v)) {
            return Err(field(name, "must not be a key"));
        }
    }
    if !is_id(&def.id) {
        return Err(field("id", "must match ^[a-z0-9_-]{1,32}$"));
    }
    if PROVIDERS.iter().any(|p| p.id == def.id) {
        return Err(field(
            "id",
            &crate::text::concat(&[
                "\"",
                &def.id,
                "\" is a built-in provider; choose another id",
            ]),
        ));
    }
    let name = def.name.trim();
    if name.is_empty() || name.len() > MAX_CUSTOM_NAME_LEN || name.chars().any(char::is_control) {
        return Err(field(
            "name",
            "must be 1 to 64 bytes without control characters",
        ));
    }
    if crate::providers::looks_like_a_key(&def.name) {
        return Err(field("name", "must be a display name, not a key"));
    }
    if def.prefixes.len() > MAX_CUSTOM_LIST || def.lengths.len() > MAX_CUSTOM_LIST {
        return Err(field(
            if def.prefixes.len() > MAX_CUSTOM_LIST {
                "prefixes"
            } else {
                "lengths"
            },
            "must hold at most 8 entries",
        ));
    }
    for prefix in &def.prefixes {
        if crate::providers::looks_like_a_key(prefix) {
            return Err(field("prefixes", "must be what keys start with, not a key"));
        }
        if prefix.is_empty() || prefix.len() > 32 || !prefix.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(field(
                "prefixes",
                "must be 1 to 32 printable ASCII characters each, without spaces",
            ));
        }
    }
    for &len in &def.lengths {
        if len == 0 || usize::from(len) > MAX_CUSTOM_KEY_LEN {
            return Err(field("lengths", "must be between 1 and 4096 each"));
        }
        if def.prefixes.iter().any(|p| p.len() >= usize::from(len)) {
            return Err(field("lengths", "must each be longer than every prefix"));
        }
    }
    let alphabet = match def.alphabet.as_deref() {
        None => Alphabet::Visible,
        Some(name) => alphabet_named(name).ok_or_else(|| {
            field(
                "alphabet",
                "must be one of urlSafe, alnum, hex, lowerHex, letters, base64, lowerAlnum, word, lowerUuid",
            )
        })?,
    };
    if let Some(url) = &def.key_url {
        if url.len() > crate::limits::MAX_BASE_URL_LEN
            || !url.starts_with("https://")
            || !url.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(field("keyUrl", "must be an https:// URL without spaces"));
        }
    }
    if def.default_model.as_ref().is_some_and(|m| {
        m.len() > MAX_MODEL_LEN
            || m.chars().any(char::is_control)
            || crate::providers::looks_like_a_key(m)
    }) {
        return Err(field(
            "defaultModel",
            "must be a model id of at most 256 bytes without control characters",
        ));
    }
    let base_url = crate::verify::check_base_url(&def.base_url)
        .map_err(|e| field("baseUrl", e.message().trim_end_matches('.')))?;
    let header = &def.auth_header;
    if header.is_empty()
        || header.len() > 64
        || !header
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err(field(
            "auth.header",
            "must be a header name: 1 to 64 letters, digits, '-' or '_'",
        ));
    }
    if let Some(scheme) = &def.auth_scheme {
        if scheme.is_empty() || scheme.len() > 32 || !scheme.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(field(
                "auth.scheme",
                "must be 1 to 32 printable ASCII characters without spaces",
            ));
        }
    }
    let method = match &def.check {
        None => None,
        Some((method, path)) => {
            let method = match method.to_ascii_uppercase().as_str() {
                "GET" => Method::Get,
                "POST" => Method::Post,
                _ => return Err(field("check.method", "must be \"GET\" or \"POST\"")),
            };
            if !path.starts_with('/')
                || path.len() > 256
                || !path.bytes().all(|b| b.is_ascii_graphic())
                || path.bytes().any(|b| matches!(b, b'#' | b'\\'))
                || path
                    .as_bytes()
                    .split(|&b| b == b'/')
                    .any(|s| s == b"." || s == b"..")
            {
                return Err(field(
                    "check.path",
                    "must start with / and be at most 256 printable ASCII characters, \
                     without #, \\, spaces, . or .. segments",
                ));
            }
            Some(method)
        }
    };
    let def = ProviderDef {
        name: name.to_string(),
        base_url,
        auth_header: def.auth_header.to_ascii_lowercase(),
        check: def
            .check
            .as_ref()
            .map(|(m, p)| (m.to_ascii_uppercase(), p.clone())),
        ..def.clone()
    };
    Ok(Parts {
        def,
        alphabet,
        method,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_in_the_message_is_the_limit() {
        assert!(TOO_MANY.contains(&format!(" {MAX_CUSTOM_PROVIDERS} ")));
    }
}
