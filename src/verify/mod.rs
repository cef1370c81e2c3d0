//! Checking a key with its provider before it is saved (`docs/VERIFY.md`).
//! Pure Rust, in five parts:
//!
//! - [`url`]: the `baseUrl` and `region` options, checked;
//! - [`requests`]: [`plan`] turns a provider, a key and options into the
//!   [`Request`] to send (the lightest authenticated request, with only the
//!   auth headers a browser may send);
//! - [`classify`](mod@classify): an HTTP answer → a stable [`VerifyCode`]
//!   and a message;
//! - [`transport`]: the [`Transport`] trait (what sends a request: `fetch`
//!   in the browser, a fake in tests) and [`check`]: plan → send → classify;
//! - [`store`]: [`set_verified`], verify-then-store on a keyring.
//!
//! Every provider fact (auth scheme, endpoint, its own "bad key" answer)
//! lives in the provider table, [`crate::providers::PROVIDERS`].
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

use crate::error::{Error, ErrorCode, Result};
use crate::providers::Provider;
use serde::Serialize;

pub mod classify;
pub mod requests;
pub mod store;
pub mod transport;
pub mod url;

pub use crate::providers::{
    AuthScheme, BodySign, Check, Endpoint, Method, Rejection, ANTHROPIC_VERSION,
    DEFAULT_BEDROCK_REGION,
};
pub use classify::{classify, network_error, timed_out, unsupported};
pub use requests::{auth_headers, plan, AuthHeaders};
pub use store::{prepare_store, set_verified, store_checked, verify_stored};
pub use transport::{check, classify_answer, send_plan, Answer, SendFuture, Transport};
pub use url::{check_base_url, check_region};

/// Time limit of a check when `timeoutMs` is not given.
pub const DEFAULT_TIMEOUT_MS: u32 = 10_000;
/// Longest `timeoutMs` accepted (two minutes).
pub const MAX_TIMEOUT_MS: u32 = 120_000;
/// Longest `baseUrl` accepted, in bytes.
pub const MAX_BASE_URL_LEN: usize = 2048;
/// How much of a response body [`classify()`] looks at, in bytes (and the
/// most a [`Transport`] needs to hand over).
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
    /// No answer: offline, DNS, a refused connection, a CORS refusal, a
    /// redirect (never followed with the key) or the page's
    /// Content-Security-Policy. Browsers do not tell these apart.
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

/// The checked options of `verify()` (besides `signal`, which only the
/// transport knows).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerifyOptions {
    /// Replaces the provider's production base URL; see [`check_base_url`].
    pub base_url: Option<String>,
    /// For providers with regional hosts (Bedrock): the region (default
    /// [`Endpoint::region`]).
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
            if !matches!(
                provider.check,
                Check::Request(Endpoint {
                    region: Some(_),
                    ..
                })
            ) {
                return Err(Error::invalid_argument(
                    "region applies only to a provider with regional hosts (\"bedrock\").",
                ));
            }
            check_region(region)?;
        }
        if self
            .timeout_ms
            .is_some_and(|ms| ms == 0 || ms > MAX_TIMEOUT_MS)
        {
            // The number is MAX_TIMEOUT_MS (a test keeps them equal).
            return Err(Error::invalid_argument(
                "timeoutMs must be a whole number between 1 and 120000.",
            ));
        }
        Ok(())
    }
}

/// A check ready to send: everything a [`Transport`] needs, and no provider
/// knowledge left to apply. `Debug` shows no key.
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
    /// The statuses (first, last; inclusive) whose answer must come with its
    /// body; `None`: the status alone decides.
    pub body_statuses: Option<(u16, u16)>,
}

impl Request {
    /// Whether an answer with `status` must come with its body (at most
    /// [`MAX_BODY_INSPECTED`] bytes of it).
    pub fn wants_body(&self, status: u16) -> bool {
        self.body_statuses
            .is_some_and(|(first, last)| (first..=last).contains(&status))
    }
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("provider", &self.provider.id)
            .field("method", &self.method)
            .field("url", &self.url)
            .field("headers", &self.headers)
            .field("timeout_ms", &self.timeout_ms)
            .field("body_statuses", &self.body_statuses)
            .finish()
    }
}

/// What [`plan`] decided.
#[derive(Debug)]
pub enum Plan {
    /// Send this request, then [`classify()`] the answer.
    Send(Request),
    /// Nothing to send: the outcome is already known (`unsupported`).
    Done(Verification),
}

/// Why [`check`] or [`set_verified`] ended without a result. Never holds the
/// key.
#[derive(Clone, Debug, PartialEq)]
pub enum VerifyError {
    /// Refused before anything was sent: bad arguments, a key failing the
    /// offline format check (`invalid_key` with the validation), no vault,
    /// a locked keyring; or the store after the check failed.
    Refused(Error),
    /// The provider rejected the key (`invalid_key`): nothing was stored.
    Rejected(Verification),
    /// The caller aborted the check: nothing was stored.
    Aborted,
}

impl VerifyError {
    /// The error code a caller sees: `invalid_key` for a rejected key, the
    /// refusal's code, and `None` for an abort (the caller's own reason is
    /// reported instead).
    pub fn code(&self) -> Option<ErrorCode> {
        match self {
            VerifyError::Refused(e) => Some(e.code()),
            VerifyError::Rejected(_) => Some(ErrorCode::InvalidKey),
            VerifyError::Aborted => None,
        }
    }

    /// A message a person can act on (never the key).
    pub fn message(&self) -> &str {
        match self {
            VerifyError::Refused(e) => e.message(),
            VerifyError::Rejected(v) => &v.message,
            VerifyError::Aborted => "The check was aborted; nothing was stored.",
        }
    }
}

impl std::fmt::Display for VerifyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for VerifyError {}

impl From<Error> for VerifyError {
    fn from(e: Error) -> Self {
        VerifyError::Refused(e)
    }
}
