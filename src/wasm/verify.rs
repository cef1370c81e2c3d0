//! The browser side of [`crate::verify`]: the exported `verify()`, the
//! `set(..., { verify })` path, and the `authHeaders` / `withKey` methods of
//! `Keyring`. Only conversions live here: JS arguments → the core's
//! [`check`](crate::verify::check) / [`set_verified`](crate::verify::set_verified)
//! → a JS result or error. The HTTP exchange is `send` in `js/transport.js`
//! (one `fetch`, one Promise per check), behind the core's [`Transport`].
//! Provider outcomes resolve; bad arguments reject with a `KeyringError`;
//! the caller's abort rejects with `signal.reason`, as `fetch` does.

use super::api::JsKeyring;
use super::args;
use super::convert::{js_static, to_js_value};
use super::types::VerifyOptionsArg;
use crate::error::{Error, ErrorCode, Result};
use crate::providers::{self, Provider};
use crate::secret::ApiKey;
use crate::verify::{
    self as rules, Answer, AuthHeaders, Request, SendFuture, Transport, Verification, VerifyError,
    VerifyOptions,
};
use js_sys::{Array, Function, Object, Promise, Reflect};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::AbortSignal;
use zeroize::Zeroizing;

#[wasm_bindgen(module = "/js/transport.js")]
extern "C" {
    /// `js/transport.js`: one `fetch(url, { method, headers })` with
    /// `credentials: "omit"`, `referrerPolicy: "no-referrer"` and
    /// `redirect: "error"` (a redirect is no answer: the key is never sent
    /// on), aborted after `timeout_ms` or by `signal`, whichever first; the
    /// body is read (its first 16384 characters, [`rules::MAX_BODY_INSPECTED`])
    /// only when `body_from <= status <= body_to`, and otherwise its download
    /// stopped. Resolves to `{ s, b }`: `s` the status (0: no answer, -1:
    /// timed out), `b` the body text when it was asked for. Rejects only with
    /// `signal.reason` when the caller aborts (also when already aborted:
    /// nothing is sent).
    #[wasm_bindgen(js_name = send)]
    fn js_send(
        url: &str,
        method: &str,
        headers: &JsValue,
        body_from: u16,
        body_to: u16,
        timeout_ms: u32,
        signal: Option<&AbortSignal>,
    ) -> Promise;
}

/// The browser [`Transport`]: `js/transport.js` with the caller's signal.
/// When the signal aborts a check, its reason is kept for the rejection.
struct Fetch {
    signal: Option<AbortSignal>,
    reason: RefCell<JsValue>,
}

impl Fetch {
    fn new(signal: Option<AbortSignal>) -> Fetch {
        Fetch {
            signal,
            reason: RefCell::new(JsValue::UNDEFINED),
        }
    }

    /// What the Promise rejects with: a `KeyringError`, or the abort reason.
    fn rejection(&self, e: VerifyError) -> JsValue {
        match e {
            VerifyError::Refused(e) => e.into(),
            VerifyError::Rejected(v) => rejected(&v),
            VerifyError::Aborted => self.reason.take(),
        }
    }
}

impl Transport for Fetch {
    fn send<'a>(&'a self, req: &'a Request) -> SendFuture<'a> {
        Box::pin(async move {
            let Ok(headers) = headers_object(&req.headers) else {
                return Answer::NoAnswer;
            };
            let (from, to) = req.body_statuses.unwrap_or((1, 0));
            let reply = js_send(
                &req.url,
                req.method.as_str(),
                &headers,
                from,
                to,
                req.timeout_ms,
                self.signal.as_ref(),
            );
            match JsFuture::from(reply).await {
                Ok(reply) => {
                    let field = |name| Reflect::get(&reply, &js_static(name)).unwrap_or_default();
                    match field("s").as_f64() {
                        Some(-1.0) => Answer::TimedOut,
                        Some(s) if (1.0..=599.0).contains(&s) => Answer::Response {
                            status: s as u16,
                            body: field("b").as_string(),
                        },
                        _ => Answer::NoAnswer,
                    }
                }
                Err(reason) => {
                    self.reason.replace(reason);
                    Answer::Aborted
                }
            }
        })
    }
}

/// The checked options of one check: the core's, plus the caller's signal.
#[derive(Default)]
pub(super) struct CheckArgs {
    opts: VerifyOptions,
    signal: Option<AbortSignal>,
}

/// Reads `{ baseUrl, timeoutMs, signal, region }` (unknown names refused).
fn check_args(v: &JsValue, what: &str) -> Result<CheckArgs> {
    const KNOWN: &[&str] = &["baseUrl", "timeoutMs", "signal", "region"];
    let Some(obj) = args::options_object(v, what, KNOWN)? else {
        return Ok(CheckArgs::default());
    };
    let timeout_ms = args::opt_integer(
        &args::get(&obj, "timeoutMs")?,
        "timeoutMs",
        1,
        u64::from(rules::MAX_TIMEOUT_MS),
    )?;
    let signal = args::get(&obj, "signal")?;
    let signal = if signal.is_undefined() || signal.is_null() {
        None
    } else {
        Some(signal.dyn_into::<AbortSignal>().map_err(|_| {
            Error::invalid_argument("signal must be an AbortSignal (an AbortController's signal).")
        })?)
    };
    Ok(CheckArgs {
        opts: VerifyOptions {
            base_url: args::opt_string(&args::get(&obj, "baseUrl")?, "baseUrl")?,
            region: args::opt_string(&args::get(&obj, "region")?, "region")?,
            timeout_ms: timeout_ms.and_then(|n| u32::try_from(n).ok()),
        },
        signal,
    })
}

/// Whether `set()` options ask for a check first, and its options: `None`
/// when they do not (`verify` absent, `null` or `false`, or options that are
/// not an object, which `set` itself refuses); `Some(Err)` for a bad value.
pub(super) fn requested(options: &JsValue) -> Option<Result<CheckArgs>> {
    if !options.is_object() || Array::is_array(options) || options.is_function() {
        return None;
    }
    let Ok(v) = Reflect::get(options, &js_static("verify")) else {
        return Some(Err(Error::invalid_argument(
            "Option verify could not be read.",
        )));
    };
    match v.as_bool() {
        _ if v.is_undefined() || v.is_null() => None,
        Some(false) => None,
        Some(true) => Some(Ok(CheckArgs::default())),
        None if v.is_object() && !Array::is_array(&v) && !v.is_function() => {
            Some(check_args(&v, "the verify option"))
        }
        None => Some(Err(Error::invalid_argument(
            "verify must be true, false or an options object { baseUrl, timeoutMs, signal, region }.",
        ))),
    }
}

/// Checks a key with its provider before it is saved, with the lightest
/// authenticated request (see docs/VERIFY.md). Resolves to a `Verification`
/// for every provider outcome, network failure and timeout; rejects with a
/// `KeyringError` for bad arguments (`unknown_provider`, `invalid_key` when
/// the key fails the offline format check, `invalid_argument`), and with
/// `signal.reason` when the caller aborts.
#[wasm_bindgen(unchecked_return_type = "Promise<Verification>")]
pub fn verify(
    #[wasm_bindgen(unchecked_param_type = "ProviderId")] provider: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] key: JsValue,
    options: Option<VerifyOptionsArg>,
) -> Promise {
    let options = options.map_or(JsValue::UNDEFINED, JsValue::from);
    let prepared = (|| -> Result<_> {
        let provider = args::string(&provider, "provider")?;
        let key = Zeroizing::new(args::string(&key, "key")?);
        Ok((provider, key, check_args(&options, "verify() options")?))
    })();
    future_to_promise(async move {
        let (provider, key, a) = prepared?;
        let fetch = Fetch::new(a.signal);
        let v = rules::check(&fetch, &provider, &key, &a.opts).await;
        drop(key);
        to_js_value(&v.map_err(|e| fetch.rejection(e))?)
    })
}

/// The `KeyringError` of a key the provider rejected: code `invalid_key`,
/// `details` the Verification (which never holds the key).
fn rejected(v: &Verification) -> JsValue {
    let err = JsValue::from(Error::new(ErrorCode::InvalidKey, v.message.clone()));
    if let Ok(details) = to_js_value(v) {
        let _ = Reflect::set(&err, &js_static("details"), &details);
    }
    err
}

/// `{ name: value }` of auth headers, for JS.
fn headers_object(headers: &AuthHeaders) -> std::result::Result<JsValue, JsValue> {
    let obj = Object::new();
    for (name, value) in headers.iter() {
        Reflect::set(&obj, &js_static(name), &JsValue::from_str(value))?;
    }
    Ok(obj.into())
}

#[wasm_bindgen(js_class = Keyring)]
impl JsKeyring {
    /// The headers a browser call to `provider` needs, with the stored key
    /// (needs unlocked): e.g. `{ authorization: "Bearer sk-…" }`, or for
    /// Anthropic `x-api-key`, `anthropic-version` and
    /// `anthropic-dangerous-direct-browser-access`. Names are lowercase.
    /// Undefined when no key is stored or it expired.
    #[wasm_bindgen(
        js_name = authHeaders,
        unchecked_return_type = "Record<string, string> | undefined"
    )]
    pub fn auth_headers(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ProviderId")] provider: JsValue,
    ) -> std::result::Result<JsValue, JsValue> {
        let provider = args::string(&provider, "provider")?;
        match self.stored_key(&provider)? {
            None => Ok(JsValue::UNDEFINED),
            Some((p, key)) => headers_object(&rules::auth_headers(p, key.expose())),
        }
    }

    /// The endpoint stored with the key (`set`'s `baseUrl`), where calls
    /// with this key go instead of the provider's own API (needs unlocked).
    /// Undefined when the key has none, no key is stored, or it expired.
    #[wasm_bindgen(unchecked_return_type = "string | undefined")]
    pub fn endpoint(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ProviderId")] provider: JsValue,
    ) -> std::result::Result<JsValue, JsValue> {
        let provider = args::string(&provider, "provider")?;
        let p = providers::find(&provider).ok_or_else(|| Error::unknown_provider(&provider))?;
        let stored = {
            let mut core = self.core.borrow_mut();
            core.check_auto_lock();
            core.get_with_endpoint(p.id)
        };
        self.notifier().flush();
        Ok(stored?
            .and_then(|(_, url)| url)
            .map_or(JsValue::UNDEFINED, |u| JsValue::from_str(&u)))
    }

    /// Checks the stored key with its provider (see the `verify` function),
    /// at the endpoint stored with it unless `options.baseUrl` names one.
    /// Resolves to undefined when no key is stored or it expired.
    #[wasm_bindgen(js_name = verify, unchecked_return_type = "Promise<Verification | undefined>")]
    pub fn verify_stored(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ProviderId")] provider: JsValue,
        options: Option<VerifyOptionsArg>,
    ) -> Promise {
        let options = options.map_or(JsValue::UNDEFINED, JsValue::from);
        let prepared = (|| -> Result<_> {
            let provider = args::string(&provider, "provider")?;
            Ok((provider, check_args(&options, "verify() options")?))
        })();
        let keyring = self.core.clone();
        let notifier = self.notifier();
        future_to_promise(async move {
            let (provider, a) = prepared?;
            let fetch = Fetch::new(a.signal);
            let v = rules::verify_stored(&keyring, &fetch, &provider, &a.opts).await;
            notifier.flush();
            match v.map_err(|e| fetch.rejection(e))? {
                Some(v) => to_js_value(&v),
                None => Ok(JsValue::UNDEFINED),
            }
        })
    }

    /// Calls `fn(apiKey, headers)` with the stored key and its auth headers
    /// (needs unlocked) and returns what `fn` returns (a Promise too);
    /// returns undefined without calling `fn` when no key is stored or it
    /// expired. What `fn` throws is thrown as is. Declared in TypeScript by
    /// the `interface Keyring` in the types (it is generic).
    #[wasm_bindgen(js_name = withKey, skip_typescript)]
    pub fn with_key(
        &self,
        provider: JsValue,
        callback: JsValue,
    ) -> std::result::Result<JsValue, JsValue> {
        let provider = args::string(&provider, "provider")?;
        let Some(f) = callback.dyn_ref::<Function>() else {
            return Err(JsValue::from(Error::invalid_argument(
                "withKey needs a function: withKey(provider, (apiKey, headers) => ...).",
            )));
        };
        let Some((p, key)) = self.stored_key(&provider)? else {
            return Ok(JsValue::UNDEFINED);
        };
        let headers = headers_object(&rules::auth_headers(p, key.expose()))?;
        let key_js = JsValue::from_str(key.expose());
        drop(key);
        // No borrow of the keyring is held here: `fn` may call back into it.
        f.call2(&JsValue::UNDEFINED, &key_js, &headers)
    }
}

impl JsKeyring {
    /// The stored, unexpired key of `provider` (needs unlocked).
    fn stored_key(
        &self,
        provider: &str,
    ) -> std::result::Result<Option<(&'static Provider, ApiKey)>, JsValue> {
        let p = providers::find(provider).ok_or_else(|| Error::unknown_provider(provider))?;
        let key = {
            let mut core = self.core.borrow_mut();
            core.check_auto_lock();
            core.get(p.id)
        };
        self.notifier().flush();
        Ok(key?.map(|k| (p, k)))
    }

    /// `set(provider, apiKey, { verify, ... })`: the core's verify-then-store
    /// ([`crate::verify::set_verified`]): arguments, the key's format and the
    /// lock state are checked before anything is sent; a key the provider
    /// rejects is not stored. Every error is a rejection (the caller asked
    /// for a Promise).
    pub(super) fn set_verified(
        &self,
        provider: &JsValue,
        api_key: &JsValue,
        options: &JsValue,
        check_args: Result<CheckArgs>,
    ) -> Promise {
        let prepared = (|| -> Result<_> {
            let a = check_args?;
            let provider = args::string(provider, "provider")?;
            let key = Zeroizing::new(args::string(api_key, "apiKey")?);
            Ok((provider, key, args::set_options(options)?, a))
        })();
        let keyring = self.core.clone();
        let notifier = self.notifier();
        future_to_promise(async move {
            let (provider, key, set, a) = prepared?;
            let fetch = Fetch::new(a.signal);
            let stored = rules::set_verified(&keyring, &fetch, &provider, &key, set, &a.opts).await;
            drop(key);
            notifier.flush();
            let (info, verification) = stored.map_err(|e| fetch.rejection(e))?;
            notifier.arm_auto_lock();
            let info = to_js_value(&info)?;
            Reflect::set(
                &info,
                &js_static("verification"),
                &to_js_value(&verification)?,
            )?;
            Ok(info)
        })
    }
}
