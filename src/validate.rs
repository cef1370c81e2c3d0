//! Offline checks of a pasted key: right provider, right shape, and which
//! provider a key belongs to.
//!
//! No message produced here contains the key or its length.

use crate::providers::{self, KeyFormat, Provider, PROVIDERS};
use serde::Serialize;

/// The outcome code of [`validate`]. Its string form is part of the JS API.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ValidationCode {
    /// The key has the provider's shape.
    Ok,
    /// Nothing but whitespace was given.
    Empty,
    /// The provider id is not built in.
    UnknownProvider,
    /// The key clearly belongs to another provider (`detected`).
    WrongProvider,
    /// The key does not start with any of the provider's prefixes.
    BadPrefix,
    /// Shorter than any key of that provider.
    TooShort,
    /// Longer than any key of that provider.
    TooLong,
    /// Whitespace, quotes or characters the provider never uses.
    BadChars,
}

impl ValidationCode {
    /// Every code, in a stable order (for documentation and tests).
    pub const ALL: [ValidationCode; 8] = [
        ValidationCode::Ok,
        ValidationCode::Empty,
        ValidationCode::UnknownProvider,
        ValidationCode::WrongProvider,
        ValidationCode::BadPrefix,
        ValidationCode::TooShort,
        ValidationCode::TooLong,
        ValidationCode::BadChars,
    ];

    /// The string form used in JavaScript.
    pub fn as_str(self) -> &'static str {
        match self {
            ValidationCode::Ok => "ok",
            ValidationCode::Empty => "empty",
            ValidationCode::UnknownProvider => "unknown_provider",
            ValidationCode::WrongProvider => "wrong_provider",
            ValidationCode::BadPrefix => "bad_prefix",
            ValidationCode::TooShort => "too_short",
            ValidationCode::TooLong => "too_long",
            ValidationCode::BadChars => "bad_chars",
        }
    }
}

/// The result of [`validate`].
#[derive(Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Validation {
    /// Whether the key can be saved for this provider.
    pub valid: bool,
    /// What was found.
    pub code: ValidationCode,
    /// One sentence a person can act on. Never contains the key.
    pub message: String,
    /// The provider id that was asked for, when it looks like one (see
    /// [`shown_id`]), else `"(not shown)"`.
    pub provider: String,
    /// The provider the key appears to belong to, when one can be told.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detected: Option<&'static str>,
    /// The key with surrounding whitespace removed. This *is* the key: it is
    /// never part of an error (see [`crate::Error::details`]) nor of `Debug`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub normalized: Option<String>,
}

impl Drop for Validation {
    /// `normalized` is a copy of the key: wipe it.
    fn drop(&mut self) {
        if let Some(n) = self.normalized.as_mut() {
            zeroize::Zeroize::zeroize(n);
        }
    }
}

impl std::fmt::Debug for Validation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Validation")
            .field("valid", &self.valid)
            .field("code", &self.code)
            .field("message", &self.message)
            .field("provider", &self.provider)
            .field("detected", &self.detected)
            .field(
                "normalized",
                &self.normalized.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Characters a person might paste around a key: spaces, tabs, newlines
/// (the whitespace JavaScript's `trim()` removes; see [`crate::mask::trim`]).
fn trim(key: &str) -> &str {
    crate::mask::trim(key)
}

/// What a message or result may show of a provider id a caller passed:
/// the id itself only when it looks like one (`^[a-z0-9_-]{1,32}$`), else
/// `"(not shown)"`. A key passed in the provider position by mistake
/// (arguments swapped) is never echoed.
pub fn shown_id(id: &str) -> &str {
    let looks_like_an_id = (1..=crate::limits::MAX_SHOWN_ID_LEN).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if looks_like_an_id {
        id
    } else {
        "(not shown)"
    }
}

pub(crate) fn unknown_provider_message(id: &str) -> String {
    let known: Vec<&str> = PROVIDERS.iter().map(|p| p.id).collect();
    format!(
        "\"{}\" is not a known provider. Known providers: {}.",
        shown_id(id),
        known.join(", ")
    )
}

/// The provider whose key this is, by the most specific prefix that matches.
/// Surrounding whitespace is ignored. Providers whose keys have no prefix
/// (Mistral, Cohere, Exa) are never claimed. When two providers share a prefix
/// (`sk-` for OpenAI and DeepSeek), the one whose full shape matches wins.
pub fn detect_provider(key: &str) -> Option<&'static Provider> {
    let key = trim(key);
    // The longest matching prefix; the full shape is checked only to break a
    // tie between providers sharing that prefix (one pass over the key, two
    // for an `sk-` key).
    let mut best: Option<(&'static Provider, &'static KeyFormat)> = None;
    for p in PROVIDERS {
        for f in p.formats {
            if f.prefix.is_empty() || !key.starts_with(f.prefix) {
                continue;
            }
            match best {
                Some((_, bf)) if f.prefix.len() < bf.prefix.len() => {}
                Some((bp, bf)) if f.prefix.len() == bf.prefix.len() && bp.id != p.id => {
                    // Same prefix, another provider: keep the one whose shape fits,
                    // the first in table order when both or neither do.
                    if !bf.matches(key) && f.matches(key) {
                        best = Some((p, f));
                    }
                }
                Some((_, bf)) if f.prefix.len() == bf.prefix.len() => {}
                _ => best = Some((p, f)),
            }
        }
    }
    best.map(|(p, _)| p)
}

/// Checks that `key` looks like a key of `provider`, offline.
///
/// Surrounding whitespace (a paste's trailing newline) is not an error: it is
/// trimmed and `normalized` holds the trimmed key. Whitespace or quotes inside
/// the key are `bad_chars`. A key that clearly belongs to another provider is
/// `wrong_provider`, with `detected` set and a message naming both.
///
/// ```
/// use byok_keyring::{validate, ValidationCode};
/// let anthropic = format!("sk-ant-api03-{}AA", "x".repeat(93));
/// let v = validate("openai", &anthropic);
/// assert_eq!(v.code, ValidationCode::WrongProvider);
/// assert_eq!(v.message, "This looks like an Anthropic key, not an OpenAI key.");
/// ```
pub fn validate(provider: &str, key: &str) -> Validation {
    let trimmed = trim(key);
    let normalized = (!trimmed.is_empty()).then(|| trimmed.to_string());
    let Some(p) = providers::find(provider) else {
        return Validation {
            valid: false,
            code: ValidationCode::UnknownProvider,
            message: unknown_provider_message(provider),
            provider: shown_id(provider).to_string(),
            detected: detect_provider(trimmed).map(|d| d.id),
            normalized,
        };
    };
    let (code, message, detected) = check(p, trimmed);
    Validation {
        valid: code == ValidationCode::Ok,
        code,
        message,
        provider: p.id.to_string(),
        detected,
        normalized,
    }
}

/// "an OpenAI key", "a Groq key" (the provider table's label).
fn a_key_of(p: &Provider) -> String {
    p.key_label()
}

fn check(p: &'static Provider, key: &str) -> (ValidationCode, String, Option<&'static str>) {
    use ValidationCode::*;
    if key.is_empty() {
        return (Empty, format!("Paste {} here.", a_key_of(p)), None);
    }
    if let Some(what) = inner_bad_char(key) {
        return (
            BadChars,
            format!("The key contains {what}; copy it again without it."),
            None,
        );
    }
    let detected = detect_provider(key);
    if let Some(other) = detected {
        if other.id != p.id {
            return (
                WrongProvider,
                format!("This looks like {}, not {}.", a_key_of(other), a_key_of(p)),
                Some(other.id),
            );
        }
    }
    // The most specific of this provider's formats whose prefix matches.
    let Some(format) = p
        .formats
        .iter()
        .filter(|f| key.starts_with(f.prefix))
        .max_by_key(|f| f.prefix.len())
    else {
        let prefixes = p.prefixes();
        let list = prefixes
            .iter()
            .map(|s| format!("\"{s}\""))
            .collect::<Vec<_>>()
            .join(" or ");
        return (
            BadPrefix,
            format!("{} keys start with {list}.", p.name),
            None,
        );
    };
    let body = &key[format.prefix.len()..];
    if !format.alphabet.accepts_chars(body) {
        return (
            BadChars,
            format!(
                "{} keys contain only {}; this one has other characters.",
                p.name,
                format.alphabet.describe()
            ),
            None,
        );
    }
    if key.len() < format.min_len {
        return (
            TooShort,
            format!(
                "This is too short for {}; it may have been cut off while copying.",
                a_key_of(p)
            ),
            None,
        );
    }
    if key.len() > format.max_len {
        return (
            TooLong,
            format!(
                "This is too long for {}; check that only one key was pasted.",
                a_key_of(p)
            ),
            None,
        );
    }
    if format.alphabet == providers::Alphabet::LowerUuid && !format.alphabet.accepts(body) {
        // Only a layout (the UUID's dashes) can fail here.
        return (
            BadChars,
            format!("{} keys are {}.", p.name, format.alphabet.describe()),
            None,
        );
    }
    (
        Ok,
        format!("Looks like a valid {} key.", p.name),
        Some(p.id),
    )
}

/// Describes the first character that can never be inside a key: whitespace,
/// a quote, or a control character.
fn inner_bad_char(key: &str) -> Option<&'static str> {
    // Fast path: an ASCII key with no byte at or below space, no quote, no DEL.
    if key.is_ascii() {
        let mut clean = true;
        for b in key.bytes() {
            clean &= b > b' ' && b != b'"' && b != b'\'' && b != b'`' && b != 0x7f;
        }
        if clean {
            return None;
        }
    }
    key.chars().find_map(|c| match c {
        '\n' | '\r' => Some("a line break"),
        '\t' => Some("a tab"),
        c if c.is_whitespace() => Some("a space"),
        '"' | '\'' | '`' | '\u{201C}' | '\u{201D}' | '\u{2018}' | '\u{2019}' => Some("a quote"),
        c if c.is_control() => Some("an invisible control character"),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ok_message_names_the_provider() {
        let v = validate("groq", &format!("gsk_{}", "a1".repeat(26)));
        assert_eq!(v.code, ValidationCode::Ok);
        assert_eq!(v.message, "Looks like a valid Groq key.");
        assert_eq!(v.detected, Some("groq"));
    }

    #[test]
    fn debug_redacts_normalized() {
        let key = format!("gsk_{}", "Zq".repeat(26));
        let v = validate("groq", &key);
        assert!(!format!("{v:?}").contains(&key[..12]));
    }

    #[test]
    fn debug_shows_the_verdict_and_redacts_the_key() {
        let key = format!("gsk_{}", "Zq".repeat(26));
        let shown = format!("{:?}", validate("groq", &key));
        for part in ["Validation", "valid: true", "Ok", "\"groq\"", "<redacted>"] {
            assert!(shown.contains(part), "{part} missing from {shown}");
        }
        assert!(!shown.contains(&key[4..13]));
    }
}
