//! The browser side of [`crate::verify`]: the exported `verify()`, the
//! `set(..., { verify })` path, and the `authHeaders` / `withKey` methods of
//! `Keyring`. Only conversions live here: JS arguments → the core's
//! [`plan`](crate::verify::plan) / [`prepare_store`](crate::verify::prepare_store),
//! the JS answer → [`classify_answer`](crate::verify::classify_answer) /
//! [`store_checked`](crate::verify::store_checked) → a JS result or error.
//! The HTTP exchange is `send` in `js/transport.js` (one `fetch`), driven by
//! `check` there, which calls back one synchronous step with the answer: no
//! Rust future crosses into JavaScript. Provider outcomes resolve; bad
//! arguments reject with a `KeyringError`; the caller's abort rejects with
//! `signal.reason`, as `fetch` does.

use super::api::JsKeyring;
use super::args;
use super::convert::{js_static, to_js_value};
use super::flows::step_fn;
use super::types::VerifyOptionsArg;
use crate::error::{Error, ErrorCode, Result};
use crate::providers::{self, Provider};
use crate::secret::ApiKey;
use crate::verify::{
    self as rules, Answer, AuthHeaders, Plan, Verification, VerifyError, VerifyOptions,
};
use js_sys::{Array, Function, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::AbortSignal;
use zeroize::Zeroizing;

#[wasm_bindgen(module = "/js/transport.js")]
extern "C" {
    /// `js/transport.js`: sends the request with `send` (nothing when `url`
    /// is empty), then returns (resolves to) what `step(answer)` returns
    /// and rejects with what it throws. When the caller aborts, calls
    /// `step()` and rejects with `signal.reason`.
    ///
    /// `send` is one `fetch(url, { method, headers })` with
    /// `credentials: "omit"` (`"same-origin"` for the page's own origin),
    /// `referrerPolicy: "no-referrer"` and `redirect: "error"` (a redirect is
    /// no answer: the key is never sent on), aborted after `timeout_ms` or
    /// by `signal`, whichever first; the body is read (its first 16384
    /// characters, [`rules::MAX_BODY_INSPECTED`]) only when
    /// `body_from <= status <= body_to`, and otherwise its download stopped.
    /// Its answer is `{ s, b }`: `s` the status (0: no answer, -1: timed
    /// out), `b` the body text when it was asked for. It rejects only with
    /// `signal.reason` when the caller aborts (also when already aborted:
    /// nothing is sent).
    #[wasm_bindgen(js_name = check)]
    #[allow(clippy::too_many_arguments)]
    fn js_check(
        step: &JsValue,
        url: &str,
        method: &str,
        headers: &JsValue,
        body_from: u16,
        body_to: u16,
        timeout_ms: u32,
        signal: Option<&AbortSignal>,
    ) -> Promise;
}

/// The [`Answer`] in `send`'s `{ s, b }`; `None` for `step()` (aborted).
fn answer(reply: &JsValue) -> Option<Answer> {
    if reply.is_undefined() {
        return None;
    }
    let field = |name| Reflect::get(reply, &js_static(name)).unwrap_or_default();
    Some(match field("s").as_f64() {
        Some(-1.0) => Answer::TimedOut,
        Some(s) if (1.0..=599.0).contains(&s) => Answer::Response {
            status: s as u16,
            body: field("b").as_string(),
        },
        _ => Answer::NoAnswer,
    })
}

/// Sends `plan` through `js/transport.js` and settles with what `then`
/// makes of its outcome (`then` runs once, synchronously, when the answer
/// is in; not at all when the caller aborts).
fn send(
    plan: Plan,
    signal: Option<AbortSignal>,
    then: impl FnOnce(Verification) -> std::result::Result<JsValue, JsValue> + 'static,
) -> Promise {
    let (req, known) = match plan {
        Plan::Send(req) => (Some(req), None),
        Plan::Done(v) => (None, Some(v)),
    };
    let headers = match req.as_ref().map(|r| headers_object(&r.headers)).transpose() {
        Ok(h) => h.unwrap_or(JsValue::UNDEFINED),
        Err(e) => return Promise::reject(&e),
    };
    let (url, method, from, to, ms) = match &req {
        Some(r) => {
            let (from, to) = r.body_statuses.unwrap_or((1, 0));
            (r.url.clone(), r.method.as_str(), from, to, r.timeout_ms)
        }
        None => (String::new(), "", 1, 0, 0),
    };
    let mut pending = Some((req, known, then));
    let step = step_fn(move |reply| {
        // Taken once: an abort (no answer) drops the check, the key with it.
        let (Some((req, known, then)), Some(answer)) = (pending.take(), answer(&reply)) else {
            return Ok(JsValue::UNDEFINED);
        };
        match (req, known) {
            (Some(req), _) => match rules::classify_answer(&req, answer) {
                Ok(v) => then(v),
                Err(e) => Err(rejection(e)),
            },
            (None, Some(v)) => then(v),
            (None, None) => Ok(JsValue::UNDEFINED),
        }
    });
    js_check(&step, &url, method, &headers, from, to, ms, signal.as_ref())
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
    let planned = (|| -> Result<_> {
        let provider = args::string(&provider, "provider")?;
        let key = Zeroizing::new(args::string(&key, "key")?);
        let a = check_args(&options, "verify() options")?;
        Ok((rules::plan(&provider, &key, &a.opts)?, a.signal))
    })();
    match planned {
        Ok((plan, signal)) => send(plan, signal, |v| to_js_value(&v)),
        Err(e) => Promise::reject(&e.into()),
    }
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
        Ok(self
            .stored(&provider)?
            .and_then(|(_, _, url)| url)
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
        let planned = (|| -> Result<_> {
            let provider = args::string(&provider, "provider")?;
            let mut a = check_args(&options, "verify() options")?;
            let Some((p, key, base_url)) = self.stored(&provider)? else {
                return Ok(None);
            };
            if a.opts.base_url.is_none() {
                a.opts.base_url = base_url;
            }
            let plan = rules::plan(p.id, key.expose(), &a.opts)?;
            Ok(Some((plan, a.signal)))
        })();
        match planned {
            Ok(Some((plan, signal))) => send(plan, signal, |v| to_js_value(&v)),
            Ok(None) => Promise::resolve(&JsValue::UNDEFINED),
            Err(e) => Promise::reject(&e.into()),
        }
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
        Ok(self.stored(provider)?.map(|(p, key, _)| (p, key)))
    }

    /// The stored, unexpired key of `provider` and its stored endpoint
    /// (needs unlocked): the one read behind `authHeaders`, `withKey`,
    /// `endpoint` and `kr.verify`.
    fn stored(
        &self,
        provider: &str,
    ) -> Result<Option<(&'static Provider, ApiKey, Option<String>)>> {
        let p = providers::find(provider).ok_or_else(|| Error::unknown_provider(provider))?;
        let stored = {
            let mut core = self.core.borrow_mut();
            core.check_auto_lock();
            core.get_with_endpoint(p.id)
        };
        self.notifier().flush();
        let stored = stored?;
        self.used();
        Ok(stored.map(|(key, url)| (p, key, url)))
    }

    /// `set(provider, apiKey, { verify, ... })`: the core's verify-then-store
    /// in two steps ([`crate::verify::prepare_store`], then
    /// [`crate::verify::store_checked`] when the answer is in): arguments,
    /// the key's format and the lock state are checked before anything is
    /// sent; a key the provider rejects is not stored. Every error is a
    /// rejection (the caller asked for a Promise).
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
        let (provider, key, set, a) = match prepared {
            Ok(p) => p,
            Err(e) => return Promise::reject(&e.into()),
        };
        let planned = rules::prepare_store(&self.core, &provider, &key, &set, &a.opts);
        let notifier = self.notifier();
        notifier.flush();
        let plan = match planned {
            Ok(plan) => plan,
            Err(e) => return Promise::reject(&rejection(e)),
        };
        let keyring = self.core.clone();
        send(plan, a.signal, move |verification| {
            let stored = rules::store_checked(&keyring, &provider, &key, set, verification);
            drop(key);
            notifier.flush();
            let (info, verification) = stored.map_err(rejection)?;
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

/// What a check's Promise rejects with: a `KeyringError` (an abort never
/// reaches here: `js/transport.js` rejects with the caller's reason).
fn rejection(e: VerifyError) -> JsValue {
    match e {
        VerifyError::Refused(e) => e.into(),
        VerifyError::Rejected(v) => rejected(&v),
        VerifyError::Aborted => Error::invalid_argument("The check was aborted.").into(),
    }
}
