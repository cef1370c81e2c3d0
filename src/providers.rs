//! The built-in providers and the shapes of their API keys.
//!
//! The shapes come from public secret-scanner rules (gitleaks, trufflehog,
//! osv-scalibr, noseyparker, kingfisher) and providers' own documentation;
//! `docs/KEY-FORMATS.md` lists each one with its source, and [`RULES_VERSION`]
//! is the date they were last checked. A format is exact where a rule gives
//! an exact shape (length, alphabet, a fixed marker or ending), so a key cut
//! off while copying is caught; a key with a known prefix but a shape no rule
//! describes is accepted as possibly new (`unrecognized_format`, see
//! [`mod@crate::validate`]).

use serde::Serialize;

/// Which characters may follow a key's prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Alphabet {
    /// `A-Z a-z 0-9 _ -` (URL-safe base64 without padding).
    UrlSafe,
    /// `A-Z a-z 0-9`.
    Alnum,
    /// `0-9 a-f`.
    LowerHex,
    /// `0-9 a-f A-F`.
    Hex,
    /// `A-Z a-z`.
    Letters,
    /// Standard base64: `A-Z a-z 0-9 + / =`.
    Base64,
    /// A lowercase UUID: 8-4-4-4-12 lowercase hex digits.
    LowerUuid,
    /// `a-z 0-9`.
    LowerAlnum,
    /// `A-Z a-z 0-9 _`.
    Word,
    /// Any printable ASCII character but the space (`!` to `~`): the keys
    /// of a provider an app defines without an alphabet.
    Visible,
}

/// A 256-entry membership table for bytes (built at compile time), so an
/// alphabet check is one table load per byte.
type ByteSet = [bool; 256];

const fn byte_set(ranges: &[(u8, u8)]) -> ByteSet {
    let mut set = [false; 256];
    let mut r = 0;
    while r < ranges.len() {
        let (lo, hi) = ranges[r];
        let mut c = lo as usize;
        while c <= hi as usize {
            set[c] = true;
            c += 1;
        }
        r += 1;
    }
    set
}

const URLSAFE: ByteSet = byte_set(&[
    (b'A', b'Z'),
    (b'a', b'z'),
    (b'0', b'9'),
    (b'_', b'_'),
    (b'-', b'-'),
]);
const ALNUM: ByteSet = byte_set(&[(b'A', b'Z'), (b'a', b'z'), (b'0', b'9')]);
const LOWERHEX: ByteSet = byte_set(&[(b'0', b'9'), (b'a', b'f')]);
const HEX: ByteSet = byte_set(&[(b'0', b'9'), (b'a', b'f'), (b'A', b'F')]);
const LETTERS: ByteSet = byte_set(&[(b'A', b'Z'), (b'a', b'z')]);
const BASE64: ByteSet = byte_set(&[
    (b'A', b'Z'),
    (b'a', b'z'),
    (b'0', b'9'),
    (b'+', b'+'),
    (b'/', b'/'),
    (b'=', b'='),
]);
const UUID_CHARS: ByteSet = byte_set(&[(b'0', b'9'), (b'a', b'f'), (b'-', b'-')]);
const LOWER_ALNUM: ByteSet = byte_set(&[(b'a', b'z'), (b'0', b'9')]);
const WORD: ByteSet = byte_set(&[(b'A', b'Z'), (b'a', b'z'), (b'0', b'9'), (b'_', b'_')]);
const VISIBLE: ByteSet = byte_set(&[(b'!', b'~')]);

impl Alphabet {
    fn set(self) -> &'static ByteSet {
        match self {
            Alphabet::UrlSafe => &URLSAFE,
            Alphabet::Alnum => &ALNUM,
            Alphabet::LowerHex => &LOWERHEX,
            Alphabet::Hex => &HEX,
            Alphabet::Letters => &LETTERS,
            Alphabet::Base64 => &BASE64,
            Alphabet::LowerUuid => &UUID_CHARS,
            Alphabet::LowerAlnum => &LOWER_ALNUM,
            Alphabet::Word => &WORD,
            Alphabet::Visible => &VISIBLE,
        }
    }

    /// Whether every byte of `body` belongs to this alphabet's character set
    /// (ignoring layout: for [`Alphabet::LowerUuid`], lowercase hex and `-`).
    pub fn accepts_chars(self, body: &str) -> bool {
        let set = self.set();
        let mut ok = true;
        for b in body.bytes() {
            ok &= set[b as usize];
        }
        ok
    }

    /// Whether every byte of `body` belongs to this alphabet (and, for
    /// [`Alphabet::LowerUuid`], has the UUID layout).
    pub fn accepts(self, body: &str) -> bool {
        if !self.accepts_chars(body) {
            return false;
        }
        match self {
            Alphabet::LowerUuid => {
                let b = body.as_bytes();
                b.len() == 36
                    && b.iter()
                        .enumerate()
                        .all(|(i, c)| matches!(i, 8 | 13 | 18 | 23) == (*c == b'-'))
            }
            _ => true,
        }
    }

    /// How a person would describe the alphabet, for error messages.
    pub fn describe(self) -> &'static str {
        match self {
            Alphabet::UrlSafe => "letters, digits, '-' and '_'",
            Alphabet::Alnum => "letters and digits",
            Alphabet::LowerHex => "the digits 0-9 and lowercase letters a-f",
            Alphabet::Hex => "hexadecimal digits",
            Alphabet::Letters => "letters",
            Alphabet::Base64 => "letters, digits, '+', '/' and '='",
            Alphabet::LowerUuid => "a lowercase UUID (8-4-4-4-12 hex digits)",
            Alphabet::LowerAlnum => "lowercase letters and digits",
            Alphabet::Word => "letters, digits and '_'",
            Alphabet::Visible => "printable characters without spaces",
        }
    }
}

/// One key format of a provider: a prefix, the total length (prefix
/// included, in bytes; keys are ASCII), the alphabet after the prefix, and
/// optionally a fixed marker inside the key and a fixed ending.
///
/// A format is either *known* (a public rule describes this shape: a key that
/// fits it is `ok`) or a *family* (the provider's prefix and alphabet, with
/// no shape any rule gives: a key that fits only the family is accepted as
/// `unrecognized_format`). See [`mod@crate::validate`] for how a key that fits
/// none is judged.
#[derive(Clone, Copy, Debug)]
pub struct KeyFormat {
    /// What the key starts with; empty for keys without a prefix.
    pub prefix: &'static str,
    /// Shortest total length (equal to `max_len` for an exact length).
    pub min_len: u16,
    /// Longest total length.
    pub max_len: u16,
    /// The characters after the prefix.
    pub alphabet: Alphabet,
    /// A fixed text at a fixed byte offset (OpenAI's `T3BlbkFJ`), if any.
    /// Where a key has it tells how long the key must be.
    pub marker: Option<(&'static str, u16)>,
    /// A fixed ending (Anthropic's `AA`); empty for none.
    pub suffix: &'static str,
    /// Whether a public rule describes this shape (else: a family).
    pub known: bool,
}

impl KeyFormat {
    /// A known format of exactly `len` characters.
    pub const fn exact(prefix: &'static str, len: u16, alphabet: Alphabet) -> Self {
        KeyFormat {
            prefix,
            min_len: len,
            max_len: len,
            alphabet,
            marker: None,
            suffix: "",
            known: true,
        }
    }

    /// A known format whose length varies within `min_len..=max_len`.
    pub const fn range(
        prefix: &'static str,
        min_len: u16,
        max_len: u16,
        alphabet: Alphabet,
    ) -> Self {
        KeyFormat {
            min_len,
            max_len,
            ..KeyFormat::exact(prefix, min_len, alphabet)
        }
    }

    /// A family: keys with this prefix and alphabet, `min_len..=max_len`
    /// long, of a shape no public rule describes.
    pub const fn family(
        prefix: &'static str,
        min_len: u16,
        max_len: u16,
        alphabet: Alphabet,
    ) -> Self {
        KeyFormat {
            known: false,
            ..KeyFormat::range(prefix, min_len, max_len, alphabet)
        }
    }

    /// This format with `text` at byte offset `at`.
    pub const fn marker(self, text: &'static str, at: u16) -> Self {
        KeyFormat {
            marker: Some((text, at)),
            ..self
        }
    }

    /// This format with a fixed ending.
    pub const fn ending(self, suffix: &'static str) -> Self {
        KeyFormat { suffix, ..self }
    }

    /// Whether `key` has this format's prefix, length, alphabet, marker and
    /// ending (for a family: prefix, length range and alphabet).
    pub fn matches(&self, key: &str) -> bool {
        key.strip_prefix(self.prefix).is_some_and(|body| {
            self.fits_len(key.len())
                && self.has_marker(key)
                && key.ends_with(self.suffix)
                && self.alphabet.accepts(body)
        })
    }

    /// The shortest total length, as a `usize`.
    pub fn min(&self) -> usize {
        usize::from(self.min_len)
    }

    /// The longest total length, as a `usize`.
    pub fn max(&self) -> usize {
        usize::from(self.max_len)
    }

    /// Whether a key of `len` bytes has a length of this format.
    pub fn fits_len(&self, len: usize) -> bool {
        (self.min()..=self.max()).contains(&len)
    }

    /// Whether `key` has this format's marker at its place (true for a
    /// format without one).
    pub fn has_marker(&self, key: &str) -> bool {
        match self.marker {
            Some((text, at)) => key
                .get(usize::from(at)..)
                .is_some_and(|rest| rest.starts_with(text)),
            None => true,
        }
    }
}

/// The date the key formats of the provider table were last checked against
/// the public rules and documentation listed in `docs/KEY-FORMATS.md`
/// (`rulesVersion` in JavaScript).
pub const RULES_VERSION: &str = "2026-12-01";

/// The `anthropic-version` header sent to Anthropic.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";
/// The AWS region of Bedrock checks when `region` is not given.
pub const DEFAULT_BEDROCK_REGION: &str = "us-east-1";

/// Where a provider's key goes in a browser request (`verify`, `authHeaders`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthScheme {
    /// The header that carries the key (lowercase).
    pub key_header: &'static str,
    /// What comes before the key in the header's value (`"Bearer "`), or
    /// `""` for the bare key.
    pub scheme: &'static str,
    /// Fixed headers sent along (lowercase names).
    pub fixed: &'static [(&'static str, &'static str)],
}

impl AuthScheme {
    /// `authorization: Bearer <key>`, the scheme of most providers.
    pub const BEARER: AuthScheme = AuthScheme {
        key_header: "authorization",
        scheme: "Bearer ",
        fixed: &[],
    };

    /// The bare key in the header `name`, nothing else.
    pub const fn header(name: &'static str) -> AuthScheme {
        AuthScheme {
            key_header: name,
            scheme: "",
            fixed: &[],
        }
    }
}

/// An HTTP method used by a key check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// `GET`.
    Get,
    /// `POST` (Cohere's `check-api-key`), sent without a body.
    Post,
}

impl Method {
    /// `"GET"` or `"POST"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// The request that checks a provider's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Endpoint {
    /// The method.
    pub method: Method,
    /// The production base URL (an origin, without a trailing slash). When
    /// [`Endpoint::region`] is set it holds `{region}`, replaced by the region.
    pub base_url: &'static str,
    /// The path appended to the base URL (or to the caller's `baseUrl`).
    pub path: &'static str,
    /// For providers whose hosts are per region: the default region. Only
    /// these accept the `region` option of `verify`.
    pub region: Option<&'static str>,
}

impl Endpoint {
    const fn get(base_url: &'static str, path: &'static str) -> Endpoint {
        Endpoint {
            method: Method::Get,
            base_url,
            path,
            region: None,
        }
    }

    /// The production base URL, with `region` (or the default region) in
    /// place of `{region}`.
    pub fn base_url_in(&self, region: Option<&str>) -> String {
        match self.region {
            Some(default) => {
                // The table's one `{region}`, found without a substring
                // searcher (a byte scan is a fraction of its code).
                const PLACE: &[u8] = b"{region}";
                let url = self.base_url;
                match url.as_bytes().windows(PLACE.len()).position(|w| w == PLACE) {
                    Some(at) => crate::text::concat(&[
                        url.get(..at).unwrap_or_default(),
                        region.unwrap_or(default),
                        url.get(at + PLACE.len()..).unwrap_or_default(),
                    ]),
                    None => url.to_string(),
                }
            }
            None => self.base_url.to_string(),
        }
    }
}

/// How a provider's keys are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Check {
    /// By sending this request with the key's auth headers.
    Request(Endpoint),
    /// Not at all: every authenticated request of this provider costs money
    /// or there is no browser-callable API. The text says why.
    Unsupported(&'static str),
    /// Only at the key's own endpoint (a `baseUrl`: the caller's, or the one
    /// stored with the key): this method and path on it. Without one, not
    /// at all, for the reason given (Azure OpenAI: every resource has its
    /// own host).
    AtBaseUrl(Method, &'static str, &'static str),
}

/// What in a response body shows a [`Rejection`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BodySign {
    /// The body contains one of these texts (ASCII case-insensitively).
    Contains(&'static [&'static str]),
    /// The body is a JSON object whose top-level member of this name is
    /// `false` (Cohere's `{"valid": false}`).
    FalseMember(&'static str),
}

/// A provider's own way of saying "this key is not valid", besides HTTP
/// 401: an answer with one of these statuses whose body shows the sign.
/// Only these answers need the response body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The lowest status it comes with.
    pub first_status: u16,
    /// The highest status it comes with.
    pub last_status: u16,
    /// What in the body (its first 16 KB) says the key is not valid.
    pub sign: BodySign,
}

impl Rejection {
    /// Whether an answer with this status may be this rejection (so its
    /// body is needed).
    pub fn covers(&self, status: u16) -> bool {
        (self.first_status..=self.last_status).contains(&status)
    }
}

/// A built-in provider: its key shapes, and everything `verify` and
/// `authHeaders` need to know about its API.
#[derive(Debug)]
pub struct Provider {
    /// Stable id used in the API (`"openai"`).
    pub id: &'static str,
    /// Display name (`"OpenAI"`).
    pub name: &'static str,
    /// Accepted formats, most specific prefix first.
    pub formats: &'static [KeyFormat],
    /// Where a person creates a key.
    pub key_url: &'static str,
    /// A sensible default model id for this provider.
    pub default_model: &'static str,
    /// How a browser request carries the key.
    pub auth: AuthScheme,
    /// How a key is checked with the provider (`verify`).
    pub check: Check,
    /// The provider's own "bad key" answer besides HTTP 401, if it has one.
    pub rejection: Option<Rejection>,
}

impl Provider {
    /// Whether keys of this provider carry a recognisable prefix, so that
    /// [`crate::detect_provider`] can claim them.
    pub fn has_prefix(&self) -> bool {
        self.formats.iter().any(|f| !f.prefix.is_empty())
    }

    /// The longest of this provider's prefixes that `key` starts with. The
    /// empty prefix of keys without one matches every key.
    pub fn prefix_of(&self, key: &str) -> Option<&'static str> {
        let mut best: Option<&'static str> = None;
        for f in self.formats {
            if key.starts_with(f.prefix) && best.is_none_or(|b| f.prefix.len() > b.len()) {
                best = Some(f.prefix);
            }
        }
        best
    }

    /// Whether `key` has one of this provider's known shapes exactly.
    pub fn fits(&self, key: &str) -> bool {
        self.formats.iter().any(|f| f.known && f.matches(key))
    }

    /// The distinct prefixes, for display (`["sk-proj-", "sk-"]`).
    pub fn prefixes(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for f in self.formats {
            if !f.prefix.is_empty() && !out.contains(&f.prefix) {
                out.push(f.prefix);
            }
        }
        out
    }

    /// How messages name one of this provider's keys: "an OpenAI key",
    /// "a Groq key", "an xAI key".
    pub fn key_label(&self) -> String {
        let article = match self.name.as_bytes().first() {
            Some(b'A' | b'E' | b'I' | b'O' | b'U' | b'x') => "an",
            _ => "a",
        };
        let mut out = String::with_capacity(article.len() + self.name.len() + 5);
        out.push_str(article);
        out.push(' ');
        out.push_str(self.name);
        out.push_str(" key");
        out
    }

    /// The origin `verify` sends this provider's check to in production
    /// (for a Content-Security-Policy `connect-src`), if it has a check.
    pub fn check_origin(&self) -> Option<String> {
        match &self.check {
            Check::Request(e) => Some(e.base_url_in(None)),
            Check::Unsupported(_) | Check::AtBaseUrl(..) => None,
        }
    }

    /// The public description of this provider (`providers()` in JavaScript).
    pub fn info(&self) -> ProviderInfo {
        ProviderInfo {
            id: self.id,
            name: self.name,
            key_label: self.key_label(),
            prefixes: self.prefixes(),
            key_url: self.key_url,
            default_model: self.default_model,
            check_origin: self.check_origin(),
        }
    }
}

/// What `providers()` returns for each provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderInfo {
    /// Stable id (`"openai"`).
    pub id: &'static str,
    /// Display name (`"OpenAI"`).
    pub name: &'static str,
    /// How messages name one of its keys (`"an OpenAI key"`).
    pub key_label: String,
    /// Key prefixes; empty for providers whose keys have none.
    pub prefixes: Vec<&'static str>,
    /// Where a person creates a key.
    pub key_url: &'static str,
    /// A sensible default model id.
    pub default_model: &'static str,
    /// The origin of the production key check (`verify`), if there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub check_origin: Option<String>,
}

use Alphabet::*;

/// The marker in the middle of every OpenAI key (base64 of "OpenAI").
const OPENAI_MARK: &str = "T3BlbkFJ";

/// Every built-in provider, in display order. A provider's index in this
/// table is stable for the life of the process and used for fast lookups.
pub static PROVIDERS: &[Provider] = &[
    Provider {
        id: "openai",
        name: "OpenAI",
        // Two halves of 74 (or 58) characters around the marker T3BlbkFJ;
        // legacy keys 20 + T3BlbkFJ + 20. Other sk-… keys (sk-None-…) are a
        // family: OpenAI has changed its formats before.
        formats: &[
            KeyFormat::exact("sk-proj-", 164, UrlSafe).marker(OPENAI_MARK, 82),
            KeyFormat::exact("sk-proj-", 132, UrlSafe).marker(OPENAI_MARK, 66),
            KeyFormat::exact("sk-svcacct-", 167, UrlSafe).marker(OPENAI_MARK, 85),
            KeyFormat::exact("sk-svcacct-", 135, UrlSafe).marker(OPENAI_MARK, 69),
            KeyFormat::exact("sk-admin-", 165, UrlSafe).marker(OPENAI_MARK, 83),
            KeyFormat::exact("sk-admin-", 133, UrlSafe).marker(OPENAI_MARK, 67),
            KeyFormat::exact("sk-", 51, Alnum).marker(OPENAI_MARK, 23),
            KeyFormat::family("sk-", 40, 200, UrlSafe),
        ],
        key_url: "https://platform.openai.com/api-keys",
        default_model: "gpt-4o-mini",
        auth: AuthScheme::BEARER,
        check: Check::Request(Endpoint::get("https://api.openai.com", "/v1/models")),
        rejection: None,
    },
    Provider {
        id: "anthropic",
        name: "Anthropic",
        // sk-ant-api03- + 93 characters + AA (108), admin keys
        // sk-ant-admin01- (110).
        formats: &[
            KeyFormat::exact("sk-ant-api03-", 108, UrlSafe).ending("AA"),
            KeyFormat::exact("sk-ant-admin01-", 110, UrlSafe).ending("AA"),
            KeyFormat::family("sk-ant-", 90, 200, UrlSafe),
        ],
        key_url: "https://console.anthropic.com/settings/keys",
        default_model: "claude-sonnet-4-5",
        auth: AuthScheme {
            key_header: "x-api-key",
            scheme: "",
            fixed: &[
                ("anthropic-version", ANTHROPIC_VERSION),
                ("anthropic-dangerous-direct-browser-access", "true"),
            ],
        },
        check: Check::Request(Endpoint::get("https://api.anthropic.com", "/v1/models")),
        rejection: None,
    },
    Provider {
        id: "gemini",
        name: "Google Gemini",
        // Classic Google API keys are exactly 39; the newer keys AQ.Ab8R… 53.
        formats: &[
            KeyFormat::exact("AIza", 39, UrlSafe),
            KeyFormat::exact("AQ.", 53, UrlSafe).marker("Ab8R", 3),
        ],
        key_url: "https://aistudio.google.com/app/apikey",
        default_model: "gemini-2.5-flash",
        auth: AuthScheme::header("x-goog-api-key"),
        check: Check::Request(Endpoint::get(
            "https://generativelanguage.googleapis.com",
            "/v1beta/models",
        )),
        // Google says "bad key" with a 400 (INVALID_ARGUMENT), not a 401.
        rejection: Some(Rejection {
            first_status: 400,
            last_status: 400,
            sign: BodySign::Contains(&["API_KEY_INVALID", "API key not valid"]),
        }),
    },
    Provider {
        id: "groq",
        name: "Groq",
        formats: &[KeyFormat::exact("gsk_", 56, Alnum)],
        key_url: "https://console.groq.com/keys",
        default_model: "llama-3.3-70b-versatile",
        auth: AuthScheme::BEARER,
        check: Check::Request(Endpoint::get("https://api.groq.com", "/openai/v1/models")),
        rejection: None,
    },
    Provider {
        id: "openrouter",
        name: "OpenRouter",
        formats: &[
            KeyFormat::exact("sk-or-v1-", 73, LowerHex),
            KeyFormat::family("sk-or-", 40, 200, UrlSafe),
        ],
        key_url: "https://openrouter.ai/settings/keys",
        default_model: "openai/gpt-4o-mini",
        auth: AuthScheme::BEARER,
        check: Check::Request(Endpoint::get("https://openrouter.ai", "/api/v1/key")),
        rejection: None,
    },
    Provider {
        id: "perplexity",
        name: "Perplexity",
        formats: &[KeyFormat::exact("pplx-", 53, Alnum)],
        key_url: "https://www.perplexity.ai/settings/api",
        default_model: "sonar",
        auth: AuthScheme::BEARER,
        // No models or key endpoint: listing one's asynchronous chat jobs is
        // authenticated and free.
        check: Check::Request(Endpoint::get(
            "https://api.perplexity.ai",
            "/async/chat/completions",
        )),
        rejection: None,
    },
    Provider {
        id: "mistral",
        name: "Mistral",
        formats: &[KeyFormat::exact("", 32, Alnum)],
        key_url: "https://console.mistral.ai/api-keys",
        default_model: "mistral-small-latest",
        auth: AuthScheme::BEARER,
        check: Check::Request(Endpoint::get("https://api.mistral.ai", "/v1/models")),
        rejection: None,
    },
    Provider {
        id: "xai",
        name: "xAI",
        formats: &[KeyFormat::exact("xai-", 84, Word)],
        key_url: "https://console.x.ai",
        default_model: "grok-3-mini",
        auth: AuthScheme::BEARER,
        check: Check::Request(Endpoint::get("https://api.x.ai", "/v1/models")),
        rejection: None,
    },
    Provider {
        id: "deepseek",
        name: "DeepSeek",
        formats: &[KeyFormat::exact("sk-", 35, LowerAlnum)],
        key_url: "https://platform.deepseek.com/api_keys",
        default_model: "deepseek-chat",
        auth: AuthScheme::BEARER,
        check: Check::Request(Endpoint::get("https://api.deepseek.com", "/models")),
        rejection: None,
    },
    Provider {
        id: "together",
        name: "Together AI",
        formats: &[KeyFormat::exact("tgp_v1_", 50, UrlSafe)],
        key_url: "https://api.together.ai/settings/api-keys",
        default_model: "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        auth: AuthScheme::BEARER,
        check: Check::Request(Endpoint::get("https://api.together.xyz", "/v1/models")),
        rejection: None,
    },
    Provider {
        id: "fireworks",
        name: "Fireworks AI",
        formats: &[KeyFormat::exact("fw_", 27, Alnum)],
        key_url: "https://fireworks.ai/account/api-keys",
        default_model: "accounts/fireworks/models/llama-v3p1-8b-instruct",
        auth: AuthScheme::BEARER,
        check: Check::Request(Endpoint::get(
            "https://api.fireworks.ai",
            "/inference/v1/models",
        )),
        rejection: None,
    },
    Provider {
        id: "cohere",
        name: "Cohere",
        formats: &[KeyFormat::exact("", 40, Alnum)],
        key_url: "https://dashboard.cohere.com/api-keys",
        default_model: "command-r-plus",
        auth: AuthScheme::BEARER,
        check: Check::Request(Endpoint {
            method: Method::Post,
            base_url: "https://api.cohere.com",
            path: "/v1/check-api-key",
            region: None,
        }),
        // The check endpoint answers 200 with {"valid": false} for a bad key.
        rejection: Some(Rejection {
            first_status: 200,
            last_status: 299,
            sign: BodySign::FalseMember("valid"),
        }),
    },
    Provider {
        id: "huggingface",
        name: "Hugging Face",
        formats: &[
            KeyFormat::exact("hf_", 37, Letters),
            KeyFormat::exact("api_org_", 42, Letters),
        ],
        key_url: "https://huggingface.co/settings/tokens",
        default_model: "meta-llama/Llama-3.1-8B-Instruct",
        auth: AuthScheme::BEARER,
        check: Check::Request(Endpoint::get("https://huggingface.co", "/api/whoami-v2")),
        rejection: None,
    },
    Provider {
        id: "bedrock",
        name: "Amazon Bedrock",
        // Long-term keys: ABSK + base64, 113–275 characters. Short-term
        // keys: bedrock-api-key- + the base64 of a presigned URL on
        // bedrock.amazonaws.com (much longer).
        formats: &[
            KeyFormat::range("bedrock-api-key-", 100, 4096, Base64)
                .marker("YmVkcm9jay5hbWF6b25hd3MuY29t", 16),
            KeyFormat::range("ABSK", 113, 275, Base64),
        ],
        key_url: "https://console.aws.amazon.com/bedrock/home#/api-keys",
        default_model: "anthropic.claude-3-5-sonnet-20240620-v1:0",
        // Bedrock API keys are bearer tokens.
        auth: AuthScheme::BEARER,
        check: Check::Request(Endpoint {
            method: Method::Get,
            base_url: "https://bedrock.{region}.amazonaws.com",
            path: "/foundation-models",
            region: Some(DEFAULT_BEDROCK_REGION),
        }),
        // AWS answers 403 both for an unknown key ("Authentication failed",
        // "security token ... is invalid") and for a live key without the
        // bedrock:ListFoundationModels permission ("not authorized").
        rejection: Some(Rejection {
            first_status: 403,
            last_status: 403,
            sign: BodySign::Contains(&[
                "authentication failed",
                "invalid api key",
                "security token included in the request is invalid",
                "unrecognizedclient",
                "invalid bearer token",
            ]),
        }),
    },
    Provider {
        id: "exa",
        name: "Exa",
        formats: &[KeyFormat::exact("", 36, LowerUuid)],
        key_url: "https://dashboard.exa.ai/api-keys",
        default_model: "exa",
        auth: AuthScheme::header("x-api-key"),
        check: Check::Unsupported("every Exa request (search, contents, answer) is billed"),
        rejection: None,
    },
    Provider {
        id: "copilotkit",
        name: "CopilotKit",
        formats: &[KeyFormat::exact("ck_pub_", 39, Hex)],
        key_url: "https://cloud.copilotkit.ai",
        default_model: "default",
        auth: AuthScheme::header("x-copilotcloud-public-api-key"),
        check: Check::Unsupported(
            "CopilotKit Cloud checks public keys only when a chat runs through it",
        ),
        rejection: None,
    },
    Provider {
        id: "azureopenai",
        name: "Azure OpenAI",
        // The current 84-character keys, and the older 32 hexadecimal digits.
        formats: &[
            KeyFormat::exact("", 84, Alnum),
            KeyFormat::exact("", 32, Hex),
        ],
        key_url: "https://portal.azure.com",
        default_model: "gpt-4o-mini",
        auth: AuthScheme::header("api-key"),
        // The v1 API's model list, on the resource's own endpoint
        // (https://<resource>.openai.azure.com), stored with the key.
        check: Check::AtBaseUrl(
            Method::Get,
            "/openai/v1/models",
            "it needs the resource's endpoint as baseUrl",
        ),
        rejection: None,
    },
    Provider {
        id: "cerebras",
        name: "Cerebras",
        formats: &[KeyFormat::exact("csk-", 52, LowerAlnum)],
        key_url: "https://cloud.cerebras.ai/platform",
        default_model: "llama3.1-8b",
        auth: AuthScheme::BEARER,
        check: Check::Request(Endpoint::get("https://api.cerebras.ai", "/v1/models")),
        rejection: None,
    },
    Provider {
        id: "replicate",
        name: "Replicate",
        formats: &[KeyFormat::exact("r8_", 40, UrlSafe)],
        key_url: "https://replicate.com/account/api-tokens",
        default_model: "meta/meta-llama-3-8b-instruct",
        auth: AuthScheme::BEARER,
        check: Check::Request(Endpoint::get("https://api.replicate.com", "/v1/account")),
        rejection: None,
    },
    Provider {
        id: "elevenlabs",
        name: "ElevenLabs",
        formats: &[
            KeyFormat::exact("sk_", 51, LowerHex),
            KeyFormat::exact("", 32, LowerHex),
        ],
        key_url: "https://elevenlabs.io/app/settings/api-keys",
        default_model: "eleven_multilingual_v2",
        auth: AuthScheme::header("xi-api-key"),
        check: Check::Request(Endpoint::get("https://api.elevenlabs.io", "/v1/user")),
        rejection: None,
    },
    Provider {
        id: "xaimanagement",
        name: "xAI Management",
        // Management keys manage teams and API keys; they do not run models.
        formats: &[KeyFormat::exact("xai-token-", 90, Alnum)],
        key_url: "https://console.x.ai",
        default_model: "",
        auth: AuthScheme::BEARER,
        check: Check::Unsupported("management keys have no check of their own"),
        rejection: None,
    },
];

/// The provider with this id: built in, or defined by the app
/// ([`crate::custom::define`]). Ids are matched exactly (lowercase).
pub fn find(id: &str) -> Option<&'static Provider> {
    match PROVIDERS.iter().find(|p| p.id == id) {
        Some(p) => Some(p),
        None => crate::custom::find(id).map(|(_, p)| p),
    }
}

/// The stable index of the provider with this id: its position in
/// [`PROVIDERS`], or for a provider the app defined, `PROVIDERS.len()` plus
/// its position among the definitions. Always below 64.
pub fn index_of(id: &str) -> Option<usize> {
    match PROVIDERS.iter().position(|p| p.id == id) {
        Some(i) => Some(i),
        None => crate::custom::find(id).map(|(i, _)| PROVIDERS.len() + i),
    }
}

/// Every provider: the built-in ones in display order, then the ones the
/// app defined, in the order they were defined (so by [`index_of`]).
pub fn all() -> Vec<&'static Provider> {
    let mut out: Vec<&'static Provider> = PROVIDERS.iter().collect();
    out.extend(crate::custom::defined());
    out
}

/// Whether `s` (trimmed) has the shape of a built-in provider's key with a
/// recognisable prefix (`sk-proj-…`, `gsk_…`): such a value passed where a
/// label is expected is refused rather than shown or stored in plain text.
pub fn looks_like_a_key(s: &str) -> bool {
    let s = crate::mask::trim(s);
    PROVIDERS
        .iter()
        .flat_map(|p| p.formats)
        .any(|f| !f.prefix.is_empty() && f.matches(s))
}

/// The public description of every provider ([`all`]), in display order.
pub fn all_info() -> Vec<ProviderInfo> {
    all().into_iter().map(Provider::info).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_lowercase_and_fit_a_bitmask() {
        assert!(PROVIDERS.len() <= 64);
        for (i, p) in PROVIDERS.iter().enumerate() {
            assert_eq!(index_of(p.id), Some(i));
            assert!(p
                .id
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
            assert!(!p.formats.is_empty());
            assert!(p.key_url.starts_with("https://"));
        }
    }

    #[test]
    fn formats_are_consistent() {
        for p in PROVIDERS {
            assert!(p.formats.iter().any(|f| f.known), "{}", p.id);
            for f in p.formats {
                assert!(f.min_len <= f.max_len, "{}", p.id);
                assert!(f.min() > f.prefix.len(), "{}", p.id);
                // The marker and the ending are inside every key of the
                // format and are made of its characters.
                if let Some((text, at)) = f.marker {
                    assert!(usize::from(at) >= f.prefix.len(), "{}", p.id);
                    assert!(usize::from(at) + text.len() <= f.min(), "{}", p.id);
                    assert!(f.alphabet.accepts_chars(text), "{}", p.id);
                }
                assert!(f.alphabet.accepts_chars(f.suffix), "{}", p.id);
                assert!(f.known || (f.marker.is_none() && f.suffix.is_empty()));
            }
        }
    }

    #[test]
    fn verify_facts_are_consistent() {
        for p in PROVIDERS {
            let lower = |s: &str| s.bytes().all(|b| b.is_ascii_lowercase() || b == b'-');
            assert!(lower(p.auth.key_header), "{}", p.id);
            assert!(p.auth.fixed.iter().all(|(n, _)| lower(n)), "{}", p.id);
            match p.check {
                Check::Request(e) => {
                    let host = e.base_url.strip_prefix("https://").unwrap();
                    assert!(!host.is_empty() && !host.contains('/'), "{}", p.id);
                    assert!(e.path.starts_with('/'), "{}", p.id);
                    assert_eq!(e.base_url.contains("{region}"), e.region.is_some());
                    let origin = p.check_origin().unwrap();
                    assert!(!origin.contains('{'), "{}", p.id);
                    assert!(origin.starts_with("https://"), "{}", p.id);
                }
                Check::Unsupported(why) => {
                    assert!(!why.is_empty());
                    assert_eq!(p.check_origin(), None);
                    assert_eq!(p.rejection, None, "{}: nothing is sent", p.id);
                }
                Check::AtBaseUrl(_, path, why) => {
                    assert!(path.starts_with('/') && !why.is_empty(), "{}", p.id);
                    assert_eq!(p.check_origin(), None);
                }
            }
            if let Some(r) = p.rejection {
                assert!(r.first_status <= r.last_status, "{}", p.id);
            }
        }
        let bedrock = find("bedrock").unwrap();
        assert_eq!(
            bedrock.check_origin().as_deref(),
            Some("https://bedrock.us-east-1.amazonaws.com")
        );
        assert_eq!(
            find("openai").unwrap().check_origin().as_deref(),
            Some("https://api.openai.com")
        );
        assert_eq!(find("xai").unwrap().key_label(), "an xAI key");
    }

    #[test]
    fn uuid_alphabet() {
        assert!(LowerUuid.accepts("0f8fad5b-d9cb-469f-a165-70867728950e"));
        assert!(!LowerUuid.accepts("0F8FAD5B-D9CB-469F-A165-70867728950E"));
        assert!(!LowerUuid.accepts("0f8fad5bd9cb469fa16570867728950e0000"));
    }
}
