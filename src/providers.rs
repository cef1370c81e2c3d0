//! The built-in providers and the shapes of their API keys.
//!
//! The shapes come from public secret-scanner rules (gitleaks, trufflehog,
//! osv-scalibr). They are lenient where providers keep adding formats (OpenAI's
//! key length changed several times) and strict where a check helps a person
//! (a prefix that tells an Anthropic key from an OpenAI key).

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
        }
    }
}

/// One key format of a provider: a prefix, the total length range (prefix
/// included, in bytes; keys are ASCII) and the alphabet after the prefix.
#[derive(Clone, Copy, Debug)]
pub struct KeyFormat {
    /// What the key starts with; empty for providers without a prefix.
    pub prefix: &'static str,
    /// Shortest plausible total length.
    pub min_len: usize,
    /// Longest plausible total length.
    pub max_len: usize,
    /// The characters after the prefix.
    pub alphabet: Alphabet,
}

impl KeyFormat {
    const fn new(prefix: &'static str, min_len: usize, max_len: usize, alphabet: Alphabet) -> Self {
        KeyFormat {
            prefix,
            min_len,
            max_len,
            alphabet,
        }
    }

    /// Whether `key` has this format's prefix, length and alphabet.
    pub fn matches(&self, key: &str) -> bool {
        key.starts_with(self.prefix)
            && (self.min_len..=self.max_len).contains(&key.len())
            && self.alphabet.accepts(&key[self.prefix.len()..])
    }
}

/// The `anthropic-version` header sent to Anthropic.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";
/// The AWS region of Bedrock checks when `region` is not given.
pub const DEFAULT_BEDROCK_REGION: &str = "us-east-1";

/// Where a provider's key goes in a browser request (`verify`, `authHeaders`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthScheme {
    /// The header that carries the key (lowercase).
    pub key_header: &'static str,
    /// Whether the value is `Bearer <key>` rather than the bare key.
    pub bearer: bool,
    /// Fixed headers sent along (lowercase names).
    pub fixed: &'static [(&'static str, &'static str)],
}

impl AuthScheme {
    /// `authorization: Bearer <key>`, the scheme of most providers.
    pub const BEARER: AuthScheme = AuthScheme {
        key_header: "authorization",
        bearer: true,
        fixed: &[],
    };

    /// The bare key in the header `name`, nothing else.
    pub const fn header(name: &'static str) -> AuthScheme {
        AuthScheme {
            key_header: name,
            bearer: false,
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
            Some(default) => self.base_url.replace("{region}", region.unwrap_or(default)),
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
            Check::Unsupported(_) => None,
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

/// Every built-in provider, in display order. A provider's index in this
/// table is stable for the life of the process and used for fast lookups.
pub static PROVIDERS: &[Provider] = &[
    Provider {
        id: "openai",
        name: "OpenAI",
        // Legacy keys are 51 characters, sk-proj- 164, sk-svcacct- 167,
        // sk-admin- 133; OpenAI has changed the length before, so accept any
        // plausible length up to 200.
        formats: &[
            KeyFormat::new("sk-proj-", 40, 200, UrlSafe),
            KeyFormat::new("sk-svcacct-", 40, 200, UrlSafe),
            KeyFormat::new("sk-admin-", 40, 200, UrlSafe),
            KeyFormat::new("sk-None-", 40, 200, UrlSafe),
            KeyFormat::new("sk-", 40, 200, UrlSafe),
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
        // sk-ant-api03- + 95 characters (108), admin keys sk-ant-admin01- (110).
        formats: &[
            KeyFormat::new("sk-ant-api03-", 90, 160, UrlSafe),
            KeyFormat::new("sk-ant-admin01-", 90, 160, UrlSafe),
            KeyFormat::new("sk-ant-", 90, 160, UrlSafe),
        ],
        key_url: "https://console.anthropic.com/settings/keys",
        default_model: "claude-sonnet-4-5",
        auth: AuthScheme {
            key_header: "x-api-key",
            bearer: false,
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
        // Classic Google API keys are exactly 39; the newer auth keys "AQ." ~53.
        formats: &[
            KeyFormat::new("AIza", 39, 39, UrlSafe),
            KeyFormat::new("AQ.", 40, 120, UrlSafe),
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
        formats: &[KeyFormat::new("gsk_", 50, 100, Alnum)],
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
            KeyFormat::new("sk-or-v1-", 73, 73, LowerHex),
            KeyFormat::new("sk-or-", 40, 200, UrlSafe),
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
        formats: &[KeyFormat::new("pplx-", 40, 100, Alnum)],
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
        formats: &[KeyFormat::new("", 32, 32, Alnum)],
        key_url: "https://console.mistral.ai/api-keys",
        default_model: "mistral-small-latest",
        auth: AuthScheme::BEARER,
        check: Check::Request(Endpoint::get("https://api.mistral.ai", "/v1/models")),
        rejection: None,
    },
    Provider {
        id: "xai",
        name: "xAI",
        formats: &[KeyFormat::new("xai-", 60, 120, Alnum)],
        key_url: "https://console.x.ai",
        default_model: "grok-3-mini",
        auth: AuthScheme::BEARER,
        check: Check::Request(Endpoint::get("https://api.x.ai", "/v1/models")),
        rejection: None,
    },
    Provider {
        id: "deepseek",
        name: "DeepSeek",
        formats: &[KeyFormat::new("sk-", 35, 35, LowerHex)],
        key_url: "https://platform.deepseek.com/api_keys",
        default_model: "deepseek-chat",
        auth: AuthScheme::BEARER,
        check: Check::Request(Endpoint::get("https://api.deepseek.com", "/models")),
        rejection: None,
    },
    Provider {
        id: "together",
        name: "Together AI",
        formats: &[KeyFormat::new("tgp_v1_", 40, 100, UrlSafe)],
        key_url: "https://api.together.ai/settings/api-keys",
        default_model: "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        auth: AuthScheme::BEARER,
        check: Check::Request(Endpoint::get("https://api.together.xyz", "/v1/models")),
        rejection: None,
    },
    Provider {
        id: "fireworks",
        name: "Fireworks AI",
        formats: &[KeyFormat::new("fw_", 27, 100, Alnum)],
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
        formats: &[KeyFormat::new("", 40, 40, Alnum)],
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
        formats: &[KeyFormat::new("hf_", 30, 60, Letters)],
        key_url: "https://huggingface.co/settings/tokens",
        default_model: "meta-llama/Llama-3.1-8B-Instruct",
        auth: AuthScheme::BEARER,
        check: Check::Request(Endpoint::get("https://huggingface.co", "/api/whoami-v2")),
        rejection: None,
    },
    Provider {
        id: "bedrock",
        name: "Amazon Bedrock",
        // Long-term keys: ABSK + base64, 113–275 characters seen. Short-term
        // keys: bedrock-api-key- + base64 of a presigned URL (much longer).
        formats: &[
            KeyFormat::new("bedrock-api-key-", 40, 4096, Base64),
            KeyFormat::new("ABSK", 100, 300, Base64),
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
        formats: &[KeyFormat::new("", 36, 36, LowerUuid)],
        key_url: "https://dashboard.exa.ai/api-keys",
        default_model: "exa",
        auth: AuthScheme::header("x-api-key"),
        check: Check::Unsupported("every Exa request (search, contents, answer) is billed"),
        rejection: None,
    },
    Provider {
        id: "copilotkit",
        name: "CopilotKit",
        formats: &[KeyFormat::new("ck_pub_", 39, 39, Hex)],
        key_url: "https://cloud.copilotkit.ai",
        default_model: "default",
        auth: AuthScheme::header("x-copilotcloud-public-api-key"),
        check: Check::Unsupported(
            "CopilotKit Cloud checks public keys only when a chat runs through it",
        ),
        rejection: None,
    },
];

/// The provider with this id, if it is built in. Ids are matched exactly
/// (lowercase), without allocating.
pub fn find(id: &str) -> Option<&'static Provider> {
    index_of(id).map(|i| &PROVIDERS[i])
}

/// The index in [`PROVIDERS`] of the provider with this id.
pub fn index_of(id: &str) -> Option<usize> {
    PROVIDERS.iter().position(|p| p.id == id)
}

/// The public description of every provider, in display order.
pub fn all_info() -> Vec<ProviderInfo> {
    PROVIDERS.iter().map(Provider::info).collect()
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
            for f in p.formats {
                assert!(f.min_len <= f.max_len, "{}", p.id);
                assert!(f.min_len > f.prefix.len(), "{}", p.id);
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
