//! Offline checks of a pasted key: right provider, right shape, and which
//! provider a key belongs to.
//!
//! No message produced here contains the key or its length.

use crate::providers::{self, Provider};
use serde::Serialize;

/// The outcome code of [`validate`]. Its string form is part of the JS API.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValidationCode {
    /// The key has one of the provider's known shapes.
    Ok,
    /// Nothing but whitespace was given.
    Empty,
    /// The provider id is not built in.
    UnknownProvider,
    /// The key clearly belongs to another provider (`detected`).
    WrongProvider,
    /// The key does not start with any of the provider's prefixes.
    BadPrefix,
    /// Shorter than the provider's keys: it may have been cut off.
    TooShort,
    /// Longer than the provider's keys: often a key pasted twice.
    TooLong,
    /// Whitespace, quotes or characters the provider never uses.
    BadChars,
    /// The provider's prefix and alphabet, but a length or shape no public
    /// rule describes: possibly a new format. `valid` is true.
    UnrecognizedFormat,
    /// Something people paste instead of a key: a session cookie or token,
    /// an organization or project id, a JWT, a masked key, a placeholder, a
    /// whole `.env` line or `Authorization` header.
    NotAKey,
}

impl Serialize for ValidationCode {
    /// As its string form ([`ValidationCode::as_str`]).
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl ValidationCode {
    /// Every code, in a stable order (for documentation and tests).
    pub const ALL: [ValidationCode; 10] = [
        ValidationCode::Ok,
        ValidationCode::Empty,
        ValidationCode::UnknownProvider,
        ValidationCode::WrongProvider,
        ValidationCode::BadPrefix,
        ValidationCode::TooShort,
        ValidationCode::TooLong,
        ValidationCode::BadChars,
        ValidationCode::UnrecognizedFormat,
        ValidationCode::NotAKey,
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
            ValidationCode::UnrecognizedFormat => "unrecognized_format",
            ValidationCode::NotAKey => "not_a_key",
        }
    }

    /// Whether a key with this outcome can be saved: `ok`, and
    /// `unrecognized_format` (a possibly new format, best checked with the
    /// provider).
    pub fn is_valid(self) -> bool {
        matches!(
            self,
            ValidationCode::Ok | ValidationCode::UnrecognizedFormat
        )
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
    let known: Vec<&str> = providers::all().iter().map(|p| p.id).collect();
    crate::text::concat(&[
        "\"",
        shown_id(id),
        "\" is not a known provider. Known providers: ",
        &crate::text::join(&known, ", "),
        ".",
    ])
}

/// The provider whose key this is, by the most specific prefix that matches.
/// Surrounding whitespace is ignored. Providers whose keys have no prefix
/// (Mistral, Cohere, Exa, Azure OpenAI) are never claimed. When providers
/// share that prefix (`sk-` for OpenAI and DeepSeek), the one whose known
/// shape the key has wins; if none does, none is named: the table's order
/// never decides.
pub fn detect_provider(key: &str) -> Option<&'static Provider> {
    detect_among(providers::all(), trim(key))
}

/// [`detect_provider`] among `providers` (the built-in table, or any other
/// list of providers), for a key without surrounding whitespace.
pub fn detect_among<'a, I>(providers: I, key: &str) -> Option<&'a Provider>
where
    I: IntoIterator<Item = &'a Provider>,
    I::IntoIter: Clone,
{
    let providers = providers.into_iter();
    // The longest non-empty prefix any provider has for this key.
    let mut longest = 0;
    for p in providers.clone() {
        if let Some(prefix) = p.prefix_of(key) {
            longest = longest.max(prefix.len());
        }
    }
    if longest == 0 {
        return None;
    }
    let tied = || {
        providers
            .clone()
            .filter(move |p| p.prefix_of(key).is_some_and(|x| x.len() == longest))
    };
    let mut all = tied();
    let first = all.next()?;
    if all.next().is_none() {
        return Some(first);
    }
    only_one(tied().filter(|p| p.fits(key)))
}

/// The single item of `it`, if it has exactly one.
fn only_one<T>(mut it: impl Iterator<Item = T>) -> Option<T> {
    let first = it.next()?;
    it.next().is_none().then_some(first)
}

/// Checks that `key` looks like a key of `provider`, offline.
///
/// Surrounding whitespace (a paste's trailing newline) is not an error: it is
/// trimmed and `normalized` holds the trimmed key. Whitespace or quotes inside
/// the key are `bad_chars`. A key that clearly belongs to another provider is
/// `wrong_provider`, with `detected` set and a message naming both. A key cut
/// off while copying is `too_short`, one pasted twice `too_long`; a key with
/// the provider's prefix and alphabet but a shape no public rule describes is
/// `unrecognized_format` (valid); what people paste instead of a key (a
/// session cookie, a JWT, a masked key, an `.env` line…) is `not_a_key`.
/// `docs/KEY-FORMATS.md` lists every format and its source.
///
/// ```
/// use byok_keyring::{validate, ValidationCode};
/// let anthropic = format!("sk-ant-api03-{}AA", "Ab1".repeat(31));
/// let v = validate("openai", &anthropic);
/// assert_eq!(v.code, ValidationCode::WrongProvider);
/// assert_eq!(v.message, "This looks like an Anthropic key, not an OpenAI key.");
/// let cut = &anthropic[..anthropic.len() - 2];
/// assert_eq!(validate("anthropic", cut).code, ValidationCode::TooShort);
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
    let (code, message, detected) = check(providers::all, p, trimmed);
    Validation {
        valid: code.is_valid(),
        code,
        message,
        provider: p.id.to_string(),
        detected,
        normalized,
    }
}

/// The outcome of `validate(provider, key)` as a number that fixes every
/// field of the result but `normalized` (which is then `key` itself): the
/// package's JavaScript keeps one result per number and per provider, and
/// copies it instead of building the object again (the per-keystroke path
/// of a settings form; `js/index.js`). `1 + code + 16 × (1 + detected)`,
/// with the code's position in [`ValidationCode::ALL`] and the detected
/// provider's in [`providers::index_of`] (0 for none).
///
/// 0 when the result depends on more than that, and must be asked for in
/// full: an unknown provider, a key with whitespace around it (the result
/// then holds a copy), and the codes whose message names what is wrong in
/// the key itself (`bad_chars`, `not_a_key`).
pub fn outcome_id(provider: &str, key: &str) -> u32 {
    let Some(p) = providers::find(provider) else {
        return 0;
    };
    if trim(key).len() != key.len() {
        return 0;
    }
    let (code, _, detected) = check_worded(providers::all, p, key, Words::Unsaid);
    if matches!(code, ValidationCode::BadChars | ValidationCode::NotAKey) {
        return 0;
    }
    let code = ValidationCode::ALL
        .iter()
        .position(|c| *c == code)
        .unwrap_or_default();
    let detected = detected.and_then(providers::index_of).map_or(0, |i| i + 1);
    u32::try_from(1 + code + 16 * detected).unwrap_or(0)
}

/// Whether [`check_worded`] writes its messages: [`outcome_id`] needs only
/// the code and the detected provider, so per keystroke no message is built
/// only to be dropped.
#[derive(Clone, Copy, PartialEq)]
enum Words {
    /// Each message is built.
    Said,
    /// Every message is empty (no allocation).
    Unsaid,
}

impl Words {
    /// The message made of `parts`, or an empty one.
    fn text(self, parts: &[&str]) -> String {
        match self {
            Words::Said => crate::text::concat(parts),
            Words::Unsaid => String::new(),
        }
    }

    /// "an OpenAI key", "a Groq key" (the provider table's label), or "".
    fn label(self, p: &Provider) -> String {
        match self {
            Words::Said => p.key_label(),
            Words::Unsaid => String::new(),
        }
    }
}

/// Judges `key` (already trimmed) for provider `p`, with `providers()`
/// (which includes `p`) as the ones a key may belong to instead: the code,
/// the message and the detected provider id. `providers` is called only when
/// the key does not fit `p` (a key that fits, the common case while typing a
/// right key, lists nothing).
pub fn check<'a, I>(
    providers: impl FnOnce() -> I,
    p: &Provider,
    key: &str,
) -> (ValidationCode, String, Option<&'static str>)
where
    I: IntoIterator<Item = &'a Provider>,
    I::IntoIter: Clone,
{
    check_worded(providers, p, key, Words::Said)
}

/// [`check`], with its message written or not (`words`).
fn check_worded<'a, I>(
    providers: impl FnOnce() -> I,
    p: &Provider,
    key: &str,
    words: Words,
) -> (ValidationCode, String, Option<&'static str>)
where
    I: IntoIterator<Item = &'a Provider>,
    I::IntoIter: Clone,
{
    use ValidationCode::*;
    if key.is_empty() {
        return (
            Empty,
            words.text(&["Paste ", &words.label(p), " here."]),
            None,
        );
    }
    // The same text twice: a paste made twice, even where the doubled
    // length is still one of the provider's (Bedrock's 113-275).
    let half = key.len() / 2;
    if key.len() >= 16 && key.get(..half).is_some_and(|a| key.get(half..) == Some(a)) {
        let message = [
            "This is too long for ",
            &words.label(p),
            "; check that only one key was pasted.",
        ];
        return (TooLong, words.text(&message), None);
    }
    if p.fits(key) {
        return (
            Ok,
            words.text(&["Looks like a valid ", p.name, " key."]),
            Some(p.id),
        );
    }
    if let Some(why) = not_a_key(key) {
        return (NotAKey, words.text(&[why]), None);
    }
    if let Some(what) = inner_bad_char(key) {
        let message = words.text(&["The key contains ", what, "; copy it again without it."]);
        return (BadChars, message, None);
    }
    let own = p.prefix_of(key);
    if let Some(other) = detect_among(providers(), key) {
        if other.id != p.id {
            let theirs = other.prefix_of(key).map_or(0, str::len);
            // Another provider claims it by a longer prefix, or by the same
            // prefix with a key of its exact shape.
            let claimed = match own {
                None => true,
                Some(mine) => theirs > mine.len() || (theirs == mine.len() && other.fits(key)),
            };
            if claimed {
                let message = [
                    "This looks like ",
                    &words.label(other),
                    ", not ",
                    &words.label(p),
                    ".",
                ];
                return (WrongProvider, words.text(&message), Some(other.id));
            }
        }
    }
    let Some(prefix) = own else {
        // "Groq keys start with "gsk_"." / "… with "sk-proj-" or "sk-"."
        let mut message = words.text(&[p.name, " keys start with "]);
        if words == Words::Said {
            for (i, prefix) in p.prefixes().iter().enumerate() {
                if i > 0 {
                    message.push_str(" or ");
                }
                message.push('"');
                message.push_str(prefix);
                message.push('"');
            }
            message.push('.');
        }
        return (BadPrefix, message, None);
    };
    let (code, message) = judge(p, prefix, key, words);
    let detected = code.is_valid().then_some(p.id);
    (code, message, detected)
}

/// Judges a key that has `prefix`, the longest of `p`'s prefixes it starts
/// with, and fits none of `p`'s known formats.
fn judge(p: &Provider, prefix: &str, key: &str, words: Words) -> (ValidationCode, String) {
    use ValidationCode::*;
    let family = || p.formats.iter().filter(move |f| f.prefix == prefix);
    let body = key.get(prefix.len()..).unwrap_or_default();
    let len = key.len();
    let label = words.label(p);
    let say = |code, parts: &[&str]| (code, words.text(parts));
    let too_short = [
        "This is too short for ",
        &label,
        "; it may have been cut off while copying.",
    ];
    let too_long = [
        "This is too long for ",
        &label,
        "; check that only one key was pasted.",
    ];
    // A key pasted twice: its prefix comes again.
    if prefix.len() >= 3 && has(body.as_bytes(), prefix.as_bytes(), false) {
        return say(TooLong, &too_long);
    }
    let Some(first) = family().next() else {
        return say(TooShort, &too_short); // unreachable: `prefix` is one of p's
    };
    if !family().any(|f| f.alphabet.accepts_chars(body)) {
        let only = first.alphabet.describe();
        let parts = [
            p.name,
            " keys contain only ",
            only,
            "; this one has other characters.",
        ];
        return say(BadChars, &parts);
    }
    // A marker tells the length: a key that has it but ends early was cut.
    if family().any(|f| f.known && f.marker.is_some() && f.has_marker(key) && len < f.min()) {
        return say(TooShort, &too_short);
    }
    let min = family().map(|f| f.min()).min().unwrap_or(0);
    let max = family().map(|f| f.max()).max().unwrap_or(0);
    if len < min {
        return say(TooShort, &too_short);
    }
    // A provider the app defined declares its shape exactly: no new format
    // of its keys can appear without the app saying so.
    let defined = !providers::PROVIDERS.iter().any(|b| std::ptr::eq(b, p));
    if prefix.is_empty() || defined {
        // Keys without a prefix: nothing but the shape tells them from other
        // text, so a length between or beyond the known ones is an error: one
        // between two known lengths is taken for a longer key cut off.
        if len > max {
            return say(TooLong, &too_long);
        }
        if !family().any(|f| f.fits_len(len)) {
            return say(TooShort, &too_short);
        }
        return say(BadChars, &["This does not have the shape of ", &label, "."]);
    }
    if len > max && len >= 2 * min {
        return say(TooLong, &too_long);
    }
    let parts = [
        "This starts like ",
        &label,
        " but has a shape not seen before: it may be a new format. Check it with ",
        p.name,
        ".",
    ];
    say(UnrecognizedFormat, &parts)
}

/// What people paste instead of a key, by how it starts (ASCII
/// case-insensitively), and what to say. No message repeats any of it.
const NOT_KEYS: &[(&str, &str)] = &[
    (
        "authorization:",
        "This is a whole HTTP header; paste only the key after \"Bearer\".",
    ),
    (
        "bearer ",
        "Paste the key without the word \"Bearer\" in front of it.",
    ),
    ("export ", SETTINGS_LINE),
    ("http://", WEB_ADDRESS),
    ("https://", WEB_ADDRESS),
    (
        "sk-ant-sid",
        "This is a claude.ai sign-in cookie, not an API key.",
    ),
    ("sk-ant-oat", CLAUDE_TOKEN),
    ("sk-ant-ort", CLAUDE_TOKEN),
    ("sess-", "This is an OpenAI session token, not an API key."),
    ("org-", "This is an OpenAI organization ID, not a key."),
    ("proj_", "This is an OpenAI project ID, not a key."),
    ("<", PLACEHOLDER),
    ("${", PLACEHOLDER),
    ("{{", PLACEHOLDER),
];
const SETTINGS_LINE: &str =
    "This is a whole settings line; paste only the value after the '=' or ':', without quotes.";
const WEB_ADDRESS: &str = "This is a web address, not a key.";
const CLAUDE_TOKEN: &str = "This is a Claude Code sign-in token, not an API key.";
const PLACEHOLDER: &str = "This is a placeholder from an example, not a real key.";

/// What a pasted text is when it is not a key but something people often
/// paste instead: a message that never repeats any of it.
fn not_a_key(text: &str) -> Option<&'static str> {
    let b = text.as_bytes();
    let starts = |s: &str| b.len() >= s.len() && b[..s.len()].eq_ignore_ascii_case(s.as_bytes());
    if let Some((_, why)) = NOT_KEYS.iter().find(|(s, _)| starts(s)) {
        return Some(why);
    }
    // NAME=value, NAME: value, "NAME": "value" (a settings line).
    let quoted = usize::from(matches!(b.first(), Some(b'"' | b'\'')));
    let name = b[quoted..]
        .iter()
        .take_while(|&&c| c.is_ascii_alphanumeric() || c == b'_')
        .count();
    let sep = b[quoted + name..]
        .iter()
        .position(|&c| !matches!(c, b'"' | b'\'' | b' '))
        .map(|i| quoted + name + i);
    if let Some(at) = sep {
        if (2..=64).contains(&name) && matches!(b[at], b'=' | b':') && b.len() > at + 8 {
            return Some(SETTINGS_LINE);
        }
    }
    if b.starts_with(b"eyJ") && b.iter().filter(|&&c| c == b'.').count() == 2 {
        return Some("This is a sign-in token (a JWT), not an API key.");
    }
    // YOUR_API_KEY, sk-xxxx, gsk_XXXXXXXX.
    let tail = b
        .iter()
        .rposition(|&c| c == b'-' || c == b'_')
        .map_or(b, |i| &b[i + 1..]);
    let all_x = |x| tail.len() >= 3 && tail.iter().all(|&c| c == x);
    if has(b, b"your", true) || all_x(b'x') || all_x(b'X') {
        return Some(PLACEHOLDER);
    }
    // Asterisks, "...", or the bullets and ellipsis of a masked display.
    if b.contains(&b'*')
        || ["...", "•", "●", "…"]
            .iter()
            .any(|m| has(b, m.as_bytes(), false))
    {
        return Some("This is a masked key, with part of it hidden; copy the whole key.");
    }
    None
}

/// Whether `needle` occurs in `hay` (ASCII case-insensitively if asked): a
/// plain scan, as keys are short (no string-search tables in the .wasm).
fn has(hay: &[u8], needle: &[u8], ignore_case: bool) -> bool {
    hay.windows(needle.len()).any(|w| {
        if ignore_case {
            w.eq_ignore_ascii_case(needle)
        } else {
            w == needle
        }
    })
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
