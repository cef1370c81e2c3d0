//! Checking a key with its provider before it is saved: which request to
//! send (the lightest authenticated request per provider, with only the auth
//! headers a browser may send), how to read the answer (HTTP status → a
//! stable [`VerifyCode`]) and the messages. Pure Rust: the browser `fetch`
//! lives in `wasm::verify`; `docs/VERIFY.md` describes the behaviour.
//!
//! ```
//! use byok_keyring::verify::{classify, plan, Plan, VerifyCode, VerifyOptions};
//! let key = format!("gsk_{}", "a".repeat(52));
//! let Plan::Send(req) = plan("groq", &key, &VerifyOptions::default())? else { unreachable!() };
//! assert_eq!(req.url, "https://api.groq.com/openai/v1/models");
//! assert_eq!(req.headers.names(), ["authorization"]);
//! assert!(!format!("{req:?}").contains(&key));
//! let answer = classify(req.provider, 401, None);
//! assert_eq!(answer.code, VerifyCode::InvalidKey);
//! # Ok::<(), byok_keyring::Error>(())
//! ```

use crate::error::{Error, Result};
use crate::providers::{self, Provider};
use serde::Serialize;
use zeroize::Zeroizing;

/// Time limit of a check when `timeoutMs` is not given.
pub const DEFAULT_TIMEOUT_MS: u32 = 10_000;
/// Longest `timeoutMs` accepted (two minutes).
pub const MAX_TIMEOUT_MS: u32 = 120_000;
/// Longest `baseUrl` accepted, in bytes.
pub const MAX_BASE_URL_LEN: usize = 2048;
/// The AWS region of Bedrock checks when `region` is not given.
pub const DEFAULT_BEDROCK_REGION: &str = "us-east-1";
/// The `anthropic-version` header sent to Anthropic.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";
/// How much of a response body [`classify`] looks at, in bytes.
pub const MAX_BODY_INSPECTED: usize = 16 * 1024;

/// The outcome of a check. Its string form is part of the JS API
/// (`verification.code`) and never changes meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VerifyCode {
    /// The provider accepted the key (HTTP 2xx).
    Valid,
    /// The provider rejected the key (HTTP 401, or the provider's own way of
    /// saying so: Gemini's 400 `API_KEY_INVALID`, Bedrock's 403
    /// "Authentication failed", Cohere's `{"valid": false}`).
    InvalidKey,
    /// The key is live but may not do this (HTTP 403), or its account has no
    /// credit (HTTP 402).
    Forbidden,
    /// The key is live but rate-limited right now (HTTP 429).
    RateLimited,
    /// The provider failed (HTTP 5xx) or gave an answer that says nothing
    /// about the key (any other status): the key was not checked.
    ProviderError,
    /// No answer: offline, DNS, a refused connection, a CORS refusal or the
    /// page's Content-Security-Policy. Browsers do not tell these apart.
    NetworkError,
    /// No answer within `timeoutMs`.
    Timeout,
    /// The provider has no free way to check a key; nothing was sent.
    Unsupported,
}

impl VerifyCode {
    /// Every code, in a stable order (for documentation and tests).
    pub const ALL: [VerifyCode; 8] = [
        VerifyCode::Valid,
        VerifyCode::InvalidKey,
        VerifyCode::Forbidden,
        VerifyCode::RateLimited,
        VerifyCode::ProviderError,
        VerifyCode::NetworkError,
        VerifyCode::Timeout,
        VerifyCode::Unsupported,
    ];

    /// The string form used in JavaScript.
    pub fn as_str(self) -> &'static str {
        match self {
            VerifyCode::Valid => "valid",
            VerifyCode::InvalidKey => "invalid_key",
            VerifyCode::Forbidden => "forbidden",
            VerifyCode::RateLimited => "rate_limited",
            VerifyCode::ProviderError => "provider_error",
            VerifyCode::NetworkError => "network_error",
            VerifyCode::Timeout => "timeout",
            VerifyCode::Unsupported => "unsupported",
        }
    }

    /// Whether the provider's answer shows the key is live (it
    /// authenticated): `valid`, `forbidden` and `rate_limited`.
    pub fn key_is_live(self) -> bool {
        matches!(
            self,
            VerifyCode::Valid | VerifyCode::Forbidden | VerifyCode::RateLimited
        )
    }

    /// Whether `set(..., { verify: true })` stores the key after this
    /// outcome: every outcome except `invalid_key`. A key that could not be
    /// checked (network, timeout, provider failure, unsupported) is saved
    /// unverified, and the returned `verification` says so.
    pub fn saves_key(self) -> bool {
        self != VerifyCode::InvalidKey
    }
}

/// What `verify()` resolves to. Never contains the key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verification {
    /// `true` only for [`VerifyCode::Valid`].
    pub ok: bool,
    /// What happened.
    pub code: VerifyCode,
    /// The HTTP status, when the provider answered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// One or two sentences a person can act on.
    pub message: String,
    /// The provider id.
    pub provider: &'static str,
}

impl Verification {
    fn new(p: &Provider, code: VerifyCode, status: Option<u16>, message: String) -> Self {
        Verification {
            ok: code == VerifyCode::Valid,
            code,
            status,
            message,
            provider: p.id,
        }
    }
}

/// An HTTP method used by a check.
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
    /// The production base URL, without a trailing slash. For Bedrock it
    /// holds `{region}`, replaced by the region.
    pub base_url: &'static str,
    /// The path appended to the base URL (or to `baseUrl`).
    pub path: &'static str,
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

const fn get(base_url: &'static str, path: &'static str) -> Check {
    Check::Request(Endpoint {
        method: Method::Get,
        base_url,
        path,
    })
}

/// How `provider`'s keys are checked (the table in `docs/VERIFY.md`).
pub fn check_for(provider: &Provider) -> Check {
    match provider.id {
        "openai" => get("https://api.openai.com", "/v1/models"),
        "anthropic" => get("https://api.anthropic.com", "/v1/models"),
        "gemini" => get(
            "https://generativelanguage.googleapis.com",
            "/v1beta/models",
        ),
        "groq" => get("https://api.groq.com", "/openai/v1/models"),
        "openrouter" => get("https://openrouter.ai", "/api/v1/key"),
        // Listing one's asynchronous chat jobs is authenticated and free;
        // Perplexity has no models or key endpoint.
        "perplexity" => get("https://api.perplexity.ai", "/async/chat/completions"),
        "mistral" => get("https://api.mistral.ai", "/v1/models"),
        "xai" => get("https://api.x.ai", "/v1/models"),
        "deepseek" => get("https://api.deepseek.com", "/models"),
        "together" => get("https://api.together.xyz", "/v1/models"),
        "fireworks" => get("https://api.fireworks.ai", "/inference/v1/models"),
        "cohere" => Check::Request(Endpoint {
            method: Method::Post,
            base_url: "https://api.cohere.com",
            path: "/v1/check-api-key",
        }),
        "huggingface" => get("https://huggingface.co", "/api/whoami-v2"),
        "bedrock" => get(
            "https://bedrock.{region}.amazonaws.com",
            "/foundation-models",
        ),
        "exa" => Check::Unsupported("every Exa request (search, contents, answer) is billed"),
        "copilotkit" => Check::Unsupported(
            "CopilotKit Cloud checks public keys only when a chat runs through it",
        ),
        _ => Check::Unsupported("this provider has no known check"),
    }
}

/// Where the key goes in a request to a provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AuthScheme {
    /// The header that carries the key (lowercase).
    pub key_header: &'static str,
    /// Whether the value is `Bearer <key>` rather than the bare key.
    pub bearer: bool,
    /// Fixed headers sent along (lowercase names).
    pub fixed: &'static [(&'static str, &'static str)],
}

const BEARER: AuthScheme = AuthScheme {
    key_header: "authorization",
    bearer: true,
    fixed: &[],
};

const fn header(name: &'static str) -> AuthScheme {
    AuthScheme {
        key_header: name,
        bearer: false,
        fixed: &[],
    }
}

/// How a browser sends `provider`'s key (the same table for `verify` and
/// `authHeaders`).
pub fn auth_scheme(provider: &Provider) -> AuthScheme {
    match provider.id {
        "anthropic" => AuthScheme {
            key_header: "x-api-key",
            bearer: false,
            fixed: &[
                ("anthropic-version", ANTHROPIC_VERSION),
                ("anthropic-dangerous-direct-browser-access", "true"),
            ],
        },
        "gemini" => header("x-goog-api-key"),
        "exa" => header("x-api-key"),
        "copilotkit" => header("x-copilotcloud-public-api-key"),
        _ => BEARER,
    }
}

/// The headers that authenticate a browser request: lowercase names, the
/// key inside. Zeroized when dropped; `Debug` shows only the names.
pub struct AuthHeaders(Vec<(&'static str, Zeroizing<String>)>);

impl AuthHeaders {
    /// The headers as `(name, value)` pairs, in a stable order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.0.iter().map(|(n, v)| (*n, v.as_str()))
    }

    /// The header names, in the same order.
    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|(n, _)| *n).collect()
    }
}

impl std::fmt::Debug for AuthHeaders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map()
            .entries(self.0.iter().map(|(n, _)| (n, "<redacted>")))
            .finish()
    }
}

/// The headers a browser call to `provider` needs with `key` (already
/// trimmed and validated: it must be a legal header value).
pub fn auth_headers(provider: &Provider, key: &str) -> AuthHeaders {
    let scheme = auth_scheme(provider);
    let value = if scheme.bearer {
        Zeroizing::new(format!("Bearer {key}"))
    } else {
        Zeroizing::new(key.to_string())
    };
    let mut out = vec![(scheme.key_header, value)];
    out.extend(
        scheme
            .fixed
            .iter()
            .map(|(n, v)| (*n, Zeroizing::new((*v).to_string()))),
    );
    AuthHeaders(out)
}

/// The checked options of `verify()` (besides `signal`, which only the
/// browser layer knows).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Replaces the provider's production base URL; see [`check_base_url`].
    pub base_url: Option<String>,
    /// Bedrock only: the AWS region (default [`DEFAULT_BEDROCK_REGION`]).
    pub region: Option<String>,
    /// Time limit in milliseconds (default [`DEFAULT_TIMEOUT_MS`]).
    pub timeout_ms: Option<u32>,
}

impl VerifyOptions {
    /// The time limit in effect.
    pub fn timeout_ms(&self) -> u32 {
        self.timeout_ms.unwrap_or(DEFAULT_TIMEOUT_MS)
    }

    /// Checks every option for `provider`, with a message naming the wrong one.
    pub fn check(&self, provider: &Provider) -> Result<()> {
        if let Some(url) = &self.base_url {
            check_base_url(url)?;
        }
        if let Some(region) = &self.region {
            if provider.id != "bedrock" {
                return Err(Error::invalid_argument(
                    "region applies only to the \"bedrock\" provider.",
                ));
            }
            check_region(region)?;
        }
        if self
            .timeout_ms
            .is_some_and(|ms| ms == 0 || ms > MAX_TIMEOUT_MS)
        {
            return Err(Error::invalid_argument(format!(
                "timeoutMs must be a whole number between 1 and {MAX_TIMEOUT_MS}."
            )));
        }
        Ok(())
    }
}

/// A check ready to send. `Debug` shows no key.
#[derive(Debug)]
pub struct Request {
    /// The provider being checked.
    pub provider: &'static Provider,
    /// The method.
    pub method: Method,
    /// The full URL (never contains the key).
    pub url: String,
    /// The auth headers, and nothing else.
    pub headers: AuthHeaders,
    /// Give up after this many milliseconds.
    pub timeout_ms: u32,
}

/// What [`plan`] decided.
#[derive(Debug)]
pub enum Plan {
    /// Send this request, then [`classify`] the answer.
    Send(Request),
    /// Nothing to send: the outcome is already known (`unsupported`).
    Done(Verification),
}

/// Prepares the check of `key` for `provider`. Errors (thrown in JS) are
/// for bad arguments only: `unknown_provider`, `invalid_key` (the key fails
/// the offline format check; `details` is the validation, without the key)
/// and `invalid_argument` (an option).
pub fn plan(provider: &str, key: &str, opts: &VerifyOptions) -> Result<Plan> {
    let p = providers::find(provider).ok_or_else(|| Error::unknown_provider(provider))?;
    let mut validation = crate::validate::validate(p.id, key);
    if !validation.valid {
        return Err(Error::invalid_key(validation));
    }
    let key = Zeroizing::new(validation.normalized.take().unwrap_or_default());
    opts.check(p)?;
    let endpoint = match check_for(p) {
        Check::Request(e) => e,
        Check::Unsupported(_) => return Ok(Plan::Done(unsupported(p))),
    };
    let base = match &opts.base_url {
        Some(url) => check_base_url(url)?,
        None => endpoint.base_url.replace(
            "{region}",
            opts.region.as_deref().unwrap_or(DEFAULT_BEDROCK_REGION),
        ),
    };
    Ok(Plan::Send(Request {
        provider: p,
        method: endpoint.method,
        url: format!("{base}{}", endpoint.path),
        headers: auth_headers(p, &key),
        timeout_ms: opts.timeout_ms(),
    }))
}

/// Checks a `baseUrl` and returns it without trailing slashes. Accepted:
/// `https://host[:port][/path]`; `http://` only for loopback hosts
/// (`localhost`, `127.x.x.x`, `[::1]`), so a key never crosses a network
/// unencrypted; or a path on the page's own origin (`/api/openai`, for a
/// proxy). No user info, query, fragment, whitespace or non-ASCII.
pub fn check_base_url(input: &str) -> Result<String> {
    let bad = |why: &str| Error::invalid_argument(format!("baseUrl {why}."));
    if input.is_empty() || input.len() > MAX_BASE_URL_LEN {
        return Err(bad(&format!("must be 1 to {MAX_BASE_URL_LEN} characters")));
    }
    if !input.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad("must be ASCII without spaces or control characters"));
    }
    if input.contains(['?', '#', '\\']) {
        return Err(bad(
            "must not contain a query (?), a fragment (#) or a backslash",
        ));
    }
    let trimmed = input.trim_end_matches('/');
    let scheme_end = trimmed.find("://");
    let (scheme, rest) = match scheme_end {
        Some(i) => (trimmed[..i].to_ascii_lowercase(), &trimmed[i + 3..]),
        None if input.starts_with('/') && !input.starts_with("//") => {
            check_path(trimmed).map_err(bad)?;
            return Ok(trimmed.to_string());
        }
        None => {
            return Err(bad(
                "must start with https://, with http://localhost (or 127.0.0.1, [::1]) \
                 or with / (a path on this site)",
            ))
        }
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if authority.contains('@') {
        return Err(bad("must not contain user info (@)"));
    }
    let host = check_authority(authority).map_err(bad)?;
    match scheme.as_str() {
        "https" => {}
        "http" if is_loopback(&host) => {}
        "http" => {
            return Err(bad(
                "may use http:// only for localhost, 127.0.0.1 or [::1]; use https:// elsewhere",
            ))
        }
        _ => return Err(bad("must use https:// (or http:// for localhost)")),
    }
    check_path(path).map_err(bad)?;
    Ok(format!(
        "{scheme}://{}{path}",
        authority.to_ascii_lowercase()
    ))
}

/// Checks `host[:port]`; returns the lowercase host.
fn check_authority(authority: &str) -> std::result::Result<String, &'static str> {
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let end = v6.find(']').ok_or("has an unclosed [ in its host")?;
        let addr = &v6[..end];
        if addr.is_empty()
            || !addr
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return Err("has an invalid IPv6 host");
        }
        (&authority[..end + 2], &v6[end + 1..])
    } else {
        match authority.find(':') {
            Some(i) => (&authority[..i], &authority[i..]),
            None => (authority, ""),
        }
    };
    if !host.starts_with('[')
        && (host.is_empty()
            || host.starts_with(['.', '-'])
            || host.ends_with(['.', '-'])
            || host.contains("..")
            || !host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'))
    {
        return Err("has an invalid host name");
    }
    if !port.is_empty() {
        let digits = port.strip_prefix(':').ok_or("has an invalid port")?;
        match digits.parse::<u32>() {
            Ok(n) if (1..=65535).contains(&n) && digits.bytes().all(|b| b.is_ascii_digit()) => {}
            _ => return Err("has an invalid port"),
        }
    }
    Ok(host.to_ascii_lowercase())
}

/// Rejects empty, `.` and `..` path segments (`/a//b`, `/a/../b`).
fn check_path(path: &str) -> std::result::Result<(), &'static str> {
    if path.is_empty() {
        return Ok(());
    }
    let segments = path.strip_prefix('/').unwrap_or(path).split('/');
    for s in segments {
        if s.is_empty() || s == "." || s == ".." {
            return Err("must not contain empty, '.' or '..' path segments");
        }
    }
    Ok(())
}

fn is_loopback(host: &str) -> bool {
    if host == "localhost" || host.ends_with(".localhost") || host == "[::1]" {
        return true;
    }
    let parts: Vec<&str> = host.split('.').collect();
    parts.len() == 4
        && parts[0] == "127"
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.parse::<u8>().is_ok())
}

/// Checks an AWS region name (`us-east-1`, `eu-central-2`, `us-gov-west-1`):
/// lowercase letters, digits and single dashes, starting with a letter and
/// ending with a digit, at most 32 characters. It becomes part of a host name.
pub fn check_region(region: &str) -> Result<()> {
    let b = region.as_bytes();
    let ok = (4..=32).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b[b.len() - 1].is_ascii_digit()
        && b.contains(&b'-')
        && !region.contains("--")
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_argument(
            "region must be an AWS region name such as \"us-east-1\".",
        ))
    }
}

/// Whether [`classify`] needs the response body for this status (so the
/// browser reads it only then: a models list can be large).
pub fn needs_body(provider: &Provider, status: u16) -> bool {
    matches!(
        (provider.id, status),
        ("cohere", 200..=299) | ("gemini", 400) | ("bedrock", 403)
    )
}

/// Reads the provider's answer. `body` is the response text when
/// [`needs_body`] asked for it (only its first [`MAX_BODY_INSPECTED`] bytes
/// are looked at).
pub fn classify(provider: &Provider, status: u16, body: Option<&str>) -> Verification {
    let body = body.map(|b| head(b, MAX_BODY_INSPECTED)).unwrap_or("");
    let name = provider.name;
    let rejected = |status: u16| {
        Verification::new(
            provider,
            VerifyCode::InvalidKey,
            Some(status),
            format!(
                "{name} rejected this key (HTTP {status}). Check that it was copied whole \
                 and has not been revoked."
            ),
        )
    };
    match status {
        200..=299 if provider.id == "cohere" && cohere_says_invalid(body) => rejected(status),
        200..=299 => Verification::new(
            provider,
            VerifyCode::Valid,
            Some(status),
            format!("{name} accepted this key."),
        ),
        401 => rejected(status),
        400 if provider.id == "gemini"
            && (body.contains("API_KEY_INVALID") || body.contains("API key not valid")) =>
        {
            rejected(status)
        }
        403 if provider.id == "bedrock" && bedrock_says_invalid(body) => rejected(status),
        402 => Verification::new(
            provider,
            VerifyCode::Forbidden,
            Some(status),
            format!(
                "{name} recognised this key but refused the request (HTTP 402): the account \
                 has no credit left."
            ),
        ),
        403 => Verification::new(
            provider,
            VerifyCode::Forbidden,
            Some(status),
            format!(
                "{name} recognised this key but refused the request (HTTP 403): the key is \
                 live but lacks access (permissions, region, project or billing)."
            ),
        ),
        429 => Verification::new(
            provider,
            VerifyCode::RateLimited,
            Some(status),
            format!(
                "{name} is rate-limiting this key (HTTP 429). The key is live; try again later."
            ),
        ),
        500..=599 => Verification::new(
            provider,
            VerifyCode::ProviderError,
            Some(status),
            format!(
                "{name} had a server problem (HTTP {status}), so the key could not be checked. \
                 Try again later."
            ),
        ),
        _ => Verification::new(
            provider,
            VerifyCode::ProviderError,
            Some(status),
            format!(
                "{name} gave an unexpected answer (HTTP {status}), so the key could not be \
                 checked. If a baseUrl was set, check it."
            ),
        ),
    }
}

/// At most the first `max` bytes of `s`, cut at a character boundary.
fn head(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

/// Cohere's `check-api-key` answers 200 with `{"valid": false}` for a key
/// it does not know.
fn cohere_says_invalid(body: &str) -> bool {
    crate::json::parse(body)
        .and_then(|v| crate::json::Value::member(&v, "valid"))
        .and_then(|v| crate::json::Value::flag(&v))
        == Some(false)
}

/// Bedrock answers 403 both for a key it does not know ("Authentication
/// failed", "security token … is invalid") and for a live key without the
/// `bedrock:ListFoundationModels` permission ("not authorized").
fn bedrock_says_invalid(body: &str) -> bool {
    let b = body.to_ascii_lowercase();
    [
        "authentication failed",
        "invalid api key",
        "security token included in the request is invalid",
        "unrecognizedclient",
        "invalid bearer token",
    ]
    .iter()
    .any(|needle| b.contains(needle))
}

/// The outcome when no answer arrived (a network failure or a CORS refusal,
/// which browsers report identically).
pub fn network_error(provider: &Provider) -> Verification {
    Verification::new(
        provider,
        VerifyCode::NetworkError,
        None,
        format!(
            "Could not reach {}. The network may be down, or the browser refused the request \
             under CORS (the provider does not accept calls from web pages, or this page's \
             Content-Security-Policy blocks it). The key was not checked.",
            provider.name
        ),
    )
}

/// The outcome when no answer arrived within `timeout_ms`.
pub fn timed_out(provider: &Provider, timeout_ms: u32) -> Verification {
    Verification::new(
        provider,
        VerifyCode::Timeout,
        None,
        format!(
            "{} did not answer within {timeout_ms} ms. The key was not checked.",
            provider.name
        ),
    )
}

/// The outcome for a provider without a free check.
pub fn unsupported(provider: &Provider) -> Verification {
    let why = match check_for(provider) {
        Check::Unsupported(why) => why,
        Check::Request(_) => "",
    };
    Verification::new(
        provider,
        VerifyCode::Unsupported,
        None,
        format!(
            "{} has no free way to check a key ({why}), so this key was not checked.",
            provider.name
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::providers::PROVIDERS;

    /// A key of the provider's first format that passes `validate`.
    fn sample_key(p: &Provider) -> String {
        let f = &p.formats[0];
        let fill = match f.alphabet {
            providers::Alphabet::LowerUuid => return "0f8fad5b-d9cb-469f-a165-70867728950e".into(),
            providers::Alphabet::Letters => "abcXYZ",
            providers::Alphabet::LowerHex => "0a1b2c",
            providers::Alphabet::Hex => "0A1b2C",
            _ => "aB3dE9",
        };
        let mut key = f.prefix.to_string();
        while key.len() < f.min_len {
            key.push_str(fill);
        }
        key.truncate(f.min_len);
        assert!(crate::validate(p.id, &key).valid, "{}", p.id);
        key
    }

    fn find(id: &str) -> &'static Provider {
        providers::find(id).unwrap()
    }

    #[test]
    fn every_provider_has_a_check_and_an_auth_scheme() {
        for p in PROVIDERS {
            let key = sample_key(p);
            let plan = plan(p.id, &key, &VerifyOptions::default()).unwrap();
            match (check_for(p), plan) {
                (Check::Request(e), Plan::Send(req)) => {
                    assert!(e.base_url.starts_with("https://"), "{}", p.id);
                    assert!(e.path.starts_with('/'), "{}", p.id);
                    assert!(req.url.starts_with("https://"), "{}", p.id);
                    assert!(!req.url.contains(&key), "{}: key in the URL", p.id);
                    assert!(!req.url.contains('{'), "{}", p.id);
                    assert_eq!(req.timeout_ms, DEFAULT_TIMEOUT_MS);
                }
                (Check::Unsupported(why), Plan::Done(v)) => {
                    assert!(!why.is_empty());
                    assert_eq!(v.code, VerifyCode::Unsupported);
                    assert!(!v.ok);
                    assert_eq!(v.status, None);
                }
                (c, _) => panic!("{}: check {c:?} and plan disagree", p.id),
            }
            let headers = auth_headers(p, &key);
            assert!(headers.iter().any(|(_, v)| v.contains(&key)), "{}", p.id);
            for (name, _) in headers.iter() {
                assert_eq!(name, name.to_ascii_lowercase());
            }
            assert!(!format!("{headers:?}").contains(&key));
        }
    }

    #[test]
    fn the_endpoint_table_matches_the_issue() {
        let url =
            |id: &str| match plan(id, &sample_key(find(id)), &VerifyOptions::default()).unwrap() {
                Plan::Send(r) => format!("{} {}", r.method.as_str(), r.url),
                Plan::Done(v) => v.code.as_str().to_string(),
            };
        assert_eq!(url("openai"), "GET https://api.openai.com/v1/models");
        assert_eq!(url("anthropic"), "GET https://api.anthropic.com/v1/models");
        assert_eq!(
            url("gemini"),
            "GET https://generativelanguage.googleapis.com/v1beta/models"
        );
        assert_eq!(url("groq"), "GET https://api.groq.com/openai/v1/models");
        assert_eq!(url("openrouter"), "GET https://openrouter.ai/api/v1/key");
        assert_eq!(
            url("perplexity"),
            "GET https://api.perplexity.ai/async/chat/completions"
        );
        assert_eq!(url("mistral"), "GET https://api.mistral.ai/v1/models");
        assert_eq!(url("xai"), "GET https://api.x.ai/v1/models");
        assert_eq!(url("deepseek"), "GET https://api.deepseek.com/models");
        assert_eq!(url("together"), "GET https://api.together.xyz/v1/models");
        assert_eq!(
            url("fireworks"),
            "GET https://api.fireworks.ai/inference/v1/models"
        );
        assert_eq!(
            url("cohere"),
            "POST https://api.cohere.com/v1/check-api-key"
        );
        assert_eq!(
            url("huggingface"),
            "GET https://huggingface.co/api/whoami-v2"
        );
        assert_eq!(
            url("bedrock"),
            "GET https://bedrock.us-east-1.amazonaws.com/foundation-models"
        );
        assert_eq!(url("exa"), "unsupported");
        assert_eq!(url("copilotkit"), "unsupported");
    }

    #[test]
    fn auth_headers_per_provider() {
        let pairs = |id: &str, key: &str| -> Vec<(String, String)> {
            auth_headers(find(id), key)
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect()
        };
        let s = |a: &str, b: &str| (a.to_string(), b.to_string());
        assert_eq!(pairs("openai", "K"), [s("authorization", "Bearer K")]);
        assert_eq!(
            pairs("anthropic", "K"),
            [
                s("x-api-key", "K"),
                s("anthropic-version", "2023-06-01"),
                s("anthropic-dangerous-direct-browser-access", "true"),
            ]
        );
        assert_eq!(pairs("gemini", "K"), [s("x-goog-api-key", "K")]);
        assert_eq!(pairs("exa", "K"), [s("x-api-key", "K")]);
        assert_eq!(
            pairs("copilotkit", "K"),
            [s("x-copilotcloud-public-api-key", "K")]
        );
        for id in [
            "groq",
            "openrouter",
            "perplexity",
            "mistral",
            "xai",
            "deepseek",
            "together",
            "fireworks",
            "cohere",
            "huggingface",
            "bedrock",
        ] {
            assert_eq!(pairs(id, "K"), [s("authorization", "Bearer K")], "{id}");
        }
    }

    #[test]
    fn plan_trims_the_key_and_refuses_bad_arguments() {
        let p = find("openai");
        let key = sample_key(p);
        let Plan::Send(req) =
            plan("openai", &format!("  {key}\n"), &VerifyOptions::default()).unwrap()
        else {
            panic!()
        };
        assert_eq!(
            req.headers.iter().next().unwrap().1,
            format!("Bearer {key}")
        );

        let code = |provider: &str, key: &str, opts: VerifyOptions| {
            plan(provider, key, &opts).unwrap_err().code()
        };
        assert_eq!(
            code("nope", &key, VerifyOptions::default()),
            ErrorCode::UnknownProvider
        );
        let err = plan("openai", "sk-short", &VerifyOptions::default()).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidKey);
        assert_eq!(err.details().unwrap().normalized, None);
        assert_eq!(
            code(
                "openai",
                &key,
                VerifyOptions {
                    timeout_ms: Some(0),
                    ..Default::default()
                }
            ),
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            code(
                "openai",
                &key,
                VerifyOptions {
                    timeout_ms: Some(MAX_TIMEOUT_MS + 1),
                    ..Default::default()
                }
            ),
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            code(
                "openai",
                &key,
                VerifyOptions {
                    region: Some("us-east-1".into()),
                    ..Default::default()
                }
            ),
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            code(
                "openai",
                &key,
                VerifyOptions {
                    base_url: Some("ftp://x".into()),
                    ..Default::default()
                }
            ),
            ErrorCode::InvalidArgument
        );
    }

    #[test]
    fn bedrock_region_and_base_url() {
        let key = sample_key(find("bedrock"));
        let url = |opts: VerifyOptions| match plan("bedrock", &key, &opts).unwrap() {
            Plan::Send(r) => r.url,
            Plan::Done(_) => panic!(),
        };
        assert_eq!(
            url(VerifyOptions {
                region: Some("eu-west-3".into()),
                ..Default::default()
            }),
            "https://bedrock.eu-west-3.amazonaws.com/foundation-models"
        );
        assert_eq!(
            url(VerifyOptions {
                region: Some("eu-west-3".into()),
                base_url: Some("http://127.0.0.1:9/bedrock/".into()),
                timeout_ms: Some(5)
            }),
            "http://127.0.0.1:9/bedrock/foundation-models"
        );
        for bad in [
            "us east 1",
            "US-EAST-1",
            "us-east-1.evil.com",
            "us-east-1/",
            "x",
            "us--east-1",
            "-us-east-1",
            "useast1",
        ] {
            assert!(check_region(bad).is_err(), "{bad}");
        }
        for good in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "ap-southeast-4",
        ] {
            assert!(check_region(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn base_urls() {
        let ok = |s: &str| check_base_url(s).unwrap();
        assert_eq!(ok("https://api.example.com"), "https://api.example.com");
        assert_eq!(
            ok("https://API.Example.com:8443/v/"),
            "https://api.example.com:8443/v"
        );
        assert_eq!(
            ok("HTTPS://proxy.example.com/openai"),
            "https://proxy.example.com/openai"
        );
        assert_eq!(
            ok("http://127.0.0.1:8787/valid/openai"),
            "http://127.0.0.1:8787/valid/openai"
        );
        assert_eq!(ok("http://localhost:3000"), "http://localhost:3000");
        assert_eq!(ok("http://[::1]:3000/x"), "http://[::1]:3000/x");
        assert_eq!(ok("/api/proxy/openai/"), "/api/proxy/openai");
        assert_eq!(ok("/"), "");
        for bad in [
            "",
            "api.openai.com",
            "//api.openai.com",
            "ftp://api.openai.com",
            "javascript:alert(1)",
            "http://api.openai.com",
            "http://127.0.0.1.evil.com",
            "http://10.0.0.1",
            "https://user:pw@api.openai.com",
            "https://api.openai.com/v1?key=x",
            "https://api.openai.com/#x",
            "https://api.openai.com/a b",
            "https://api.openai.com\\x",
            "https://api.openai.com:0",
            "https://api.openai.com:65536",
            "https://api.openai.com:+80",
            "https://api.openai.com:",
            "https://",
            "https://-x.com",
            "https://a..b",
            "https://[zz::1]",
            "https://[::1",
            "https://api.openai.com/a/../b",
            "https://api.openai.com/a//b",
            "/a/./b",
            "https://ápi.com",
        ] {
            assert_eq!(
                check_base_url(bad).map_err(|e| e.code()),
                Err(ErrorCode::InvalidArgument),
                "{bad:?}"
            );
        }
        assert!(
            check_base_url(&format!("https://a.com/{}", "x".repeat(MAX_BASE_URL_LEN))).is_err()
        );
    }

    #[test]
    fn statuses_become_codes() {
        let code =
            |id: &str, status: u16, body: Option<&str>| classify(find(id), status, body).code;
        use VerifyCode::*;
        for id in ["openai", "anthropic", "gemini", "groq", "bedrock", "cohere"] {
            assert_eq!(code(id, 200, Some("{}")), Valid, "{id}");
            assert_eq!(code(id, 204, None), Valid, "{id}");
            assert_eq!(code(id, 401, None), InvalidKey, "{id}");
            assert_eq!(code(id, 402, None), Forbidden, "{id}");
            assert_eq!(
                code(id, 403, Some("{\"Message\":\"not authorized\"}")),
                Forbidden,
                "{id}"
            );
            assert_eq!(code(id, 429, None), RateLimited, "{id}");
            assert_eq!(code(id, 500, None), ProviderError, "{id}");
            assert_eq!(code(id, 503, None), ProviderError, "{id}");
            assert_eq!(code(id, 404, None), ProviderError, "{id}");
            assert_eq!(code(id, 400, None), ProviderError, "{id}");
        }
        // Each provider's own way of saying "bad key".
        let gemini = r#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"reason":"API_KEY_INVALID"}]}}"#;
        assert_eq!(code("gemini", 400, Some(gemini)), InvalidKey);
        assert_eq!(code("openai", 400, Some(gemini)), ProviderError);
        let bedrock =
            r#"{"Message":"Authentication failed: Please make sure your API Key is valid."}"#;
        assert_eq!(code("bedrock", 403, Some(bedrock)), InvalidKey);
        assert_eq!(code("openai", 403, Some(bedrock)), Forbidden);
        assert_eq!(code("cohere", 200, Some(r#"{"valid":false}"#)), InvalidKey);
        assert_eq!(
            code("cohere", 200, Some(r#"{"valid":true,"owner_id":"x"}"#)),
            Valid
        );
        assert_eq!(code("cohere", 200, Some("not json")), Valid);
        assert!(needs_body(find("cohere"), 200));
        assert!(needs_body(find("gemini"), 400));
        assert!(needs_body(find("bedrock"), 403));
        assert!(!needs_body(find("openai"), 200));
        assert!(!needs_body(find("gemini"), 200));
        // Only the head of a huge body is looked at, without panicking on a
        // multi-byte boundary.
        let huge = format!("{}API_KEY_INVALID", "é".repeat(MAX_BODY_INSPECTED));
        assert_eq!(code("gemini", 400, Some(&huge)), ProviderError);
    }

    #[test]
    fn verifications_serialize_as_documented() {
        let v = classify(find("openai"), 401, None);
        let json = serde_json::to_value(&v).unwrap();
        assert_eq!(json["ok"], false);
        assert_eq!(json["code"], "invalid_key");
        assert_eq!(json["status"], 401);
        assert_eq!(json["provider"], "openai");
        assert!(json["message"]
            .as_str()
            .unwrap()
            .starts_with("OpenAI rejected this key"));
        let n = serde_json::to_value(network_error(find("anthropic"))).unwrap();
        assert!(n.get("status").is_none());
        assert!(n["message"].as_str().unwrap().contains("CORS"));
        let ok = classify(find("groq"), 200, None);
        assert!(ok.ok);
        assert_eq!(ok.message, "Groq accepted this key.");
        for c in VerifyCode::ALL {
            assert_eq!(serde_json::to_value(c).unwrap(), c.as_str());
        }
        assert!(timed_out(find("xai"), 250).message.contains("250 ms"));
        assert!(unsupported(find("exa")).message.contains("billed"));
    }

    #[test]
    fn which_outcomes_save_the_key() {
        use VerifyCode::*;
        let saved: Vec<VerifyCode> = VerifyCode::ALL
            .into_iter()
            .filter(|c| c.saves_key())
            .collect();
        assert_eq!(
            saved,
            [
                Valid,
                Forbidden,
                RateLimited,
                ProviderError,
                NetworkError,
                Timeout,
                Unsupported
            ]
        );
        let live: Vec<VerifyCode> = VerifyCode::ALL
            .into_iter()
            .filter(|c| c.key_is_live())
            .collect();
        assert_eq!(live, [Valid, Forbidden, RateLimited]);
    }
}
