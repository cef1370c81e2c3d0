//! The request that checks a key: [`plan`] reads the provider table (its
//! endpoint, auth scheme and the answers whose body matters) and the
//! options, and gives the exact [`Request`] to send, or the outcome when
//! nothing is to be sent.

use super::{check_base_url, unsupported, Plan, Request, VerifyOptions};
use crate::error::{Error, Result};
use crate::providers::{self, Check, Provider};
use zeroize::Zeroizing;

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
/// trimmed and validated: it must be a legal header value), from the
/// provider's [`crate::providers::AuthScheme`].
pub fn auth_headers(provider: &Provider, key: &str) -> AuthHeaders {
    let scheme = &provider.auth;
    let mut value = Zeroizing::new(String::with_capacity(scheme.scheme.len() + key.len()));
    value.push_str(scheme.scheme);
    value.push_str(key);
    let mut out = Vec::with_capacity(1 + scheme.fixed.len());
    out.push((scheme.key_header, value));
    out.extend(
        scheme
            .fixed
            .iter()
            .map(|(n, v)| (*n, Zeroizing::new((*v).to_string()))),
    );
    AuthHeaders(out)
}

/// Prepares the check of `key` for `provider`. Errors are for bad arguments
/// only: `unknown_provider`, `invalid_key` (the key fails the offline format
/// check; the error's details are the validation, without the key) and
/// `invalid_argument` (an option). Surrounding whitespace is trimmed.
pub fn plan(provider: &str, key: &str, opts: &VerifyOptions) -> Result<Plan> {
    let p = providers::find(provider).ok_or_else(|| Error::unknown_provider(provider))?;
    let mut validation = crate::validate::validate(p.id, key);
    if !validation.valid {
        return Err(Error::invalid_key(validation));
    }
    let key = Zeroizing::new(validation.normalized.take().unwrap_or_default());
    opts.check(p)?;
    let (method, path, base) = match (&p.check, &opts.base_url) {
        (Check::Request(e), Some(url)) => (e.method, e.path, check_base_url(url)?),
        (Check::Request(e), None) => (e.method, e.path, e.base_url_in(opts.region.as_deref())),
        (Check::AtBaseUrl(method, path, _), Some(url)) => (*method, *path, check_base_url(url)?),
        _ => return Ok(Plan::Done(unsupported(p))),
    };
    Ok(Plan::Send(Request {
        provider: p,
        method,
        url: base + path,
        headers: auth_headers(p, &key),
        timeout_ms: opts.timeout_ms(),
        body_statuses: p.rejection.map(|r| (r.first_status, r.last_status)),
    }))
}
