//! The browser side of [`crate::verify`]: the exported `verify()`, the
//! `set(..., { verify })` path, and the `authHeaders` / `withKey` methods of
//! `Keyring`. A check is one `fetch` carrying only the auth headers, with an
//! `AbortController` that the time limit and the caller's `signal` abort.
//! Provider outcomes resolve; bad arguments reject with a `KeyringError`;
//! the caller's abort rejects with `signal.reason`, as `fetch` does.

use super::api::JsKeyring;
use super::args;
use super::convert::to_js_value;
use super::types::VerifyOptionsArg;
use crate::error::{Error, ErrorCode, Result};
use crate::keyring::State;
use crate::providers::{self, Provider};
use crate::secret::ApiKey;
use crate::verify::{self as check, Plan, Request, Verification, VerifyOptions};
use js_sys::{Array, Function, Object, Promise, Reflect};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{AbortController, AbortSignal, Headers, RequestInit, Response};
use zeroize::Zeroizing;

#[wasm_bindgen]
extern "C" {
    // The global functions, so the same code runs in windows, workers and Node.
    #[wasm_bindgen(js_name = fetch, catch)]
    fn global_fetch(url: &str, init: &RequestInit) -> std::result::Result<Promise, JsValue>;
    #[wasm_bindgen(js_name = setTimeout, catch)]
    fn set_timeout(handler: &Function, ms: f64) -> std::result::Result<JsValue, JsValue>;
    #[wasm_bindgen(js_name = clearTimeout, catch)]
    fn clear_timeout(id: &JsValue) -> std::result::Result<(), JsValue>;
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
        u64::from(check::MAX_TIMEOUT_MS),
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
    let v = match Reflect::get(options, &JsValue::from_str("verify")) {
        Ok(v) => v,
        Err(_) => {
            return Some(Err(Error::invalid_argument(
                "Option verify could not be read.",
            )))
        }
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
    let prepared = (|| -> Result<(Plan, Option<AbortSignal>)> {
        let provider = args::string(&provider, "provider")?;
        let key = Zeroizing::new(args::string(&key, "key")?);
        let a = check_args(&options, "verify() options")?;
        Ok((check::plan(&provider, &key, &a.opts)?, a.signal))
    })();
    match prepared {
        Err(e) => Promise::reject(&JsValue::from(e)),
        Ok((plan, signal)) => future_to_promise(async move {
            let verification = run(plan, signal).await?;
            to_js_value(&verification)
        }),
    }
}

/// Runs a planned check. `Err` only when the caller's signal aborted it (the
/// signal's reason); every other outcome is a [`Verification`].
async fn run(
    plan: Plan,
    caller: Option<AbortSignal>,
) -> std::result::Result<Verification, JsValue> {
    let req = match plan {
        Plan::Done(v) => return Ok(v),
        Plan::Send(req) => req,
    };
    if let Some(s) = caller.as_ref().filter(|s| s.aborted()) {
        return Err(s.reason());
    }
    let p = req.provider;
    let Ok(controller) = AbortController::new() else {
        return Ok(check::network_error(p));
    };
    let timed_out = Rc::new(Cell::new(false));
    let timer = Timer::start(req.timeout_ms, &controller, timed_out.clone());
    let link = caller.as_ref().map(|s| Link::new(s, &controller));
    let answer = exchange(&req, &controller.signal()).await;
    // Stops the download of a body that was not needed, and the timer.
    controller.abort();
    drop((timer, link));
    match answer {
        Some(v) => Ok(v),
        None => match caller.filter(|s| s.aborted()) {
            Some(s) => Err(s.reason()),
            None if timed_out.get() => Ok(check::timed_out(p, req.timeout_ms)),
            None => Ok(check::network_error(p)),
        },
    }
}

/// Sends the request and reads the answer; `None` when none arrived (a
/// network failure, a CORS refusal, or an abort).
async fn exchange(req: &Request, signal: &AbortSignal) -> Option<Verification> {
    let headers = Headers::new().ok()?;
    for (name, value) in req.headers.iter() {
        headers.append(name, value).ok()?;
    }
    let init = RequestInit::new();
    init.set_method(req.method.as_str());
    init.set_headers(&headers);
    init.set_signal(Some(signal));
    let response = JsFuture::from(global_fetch(&req.url, &init).ok()?)
        .await
        .ok()?
        .dyn_into::<Response>()
        .ok()?;
    let status = response.status();
    if status == 0 {
        return None; // an opaque response says nothing
    }
    let body = if check::needs_body(req.provider, status) {
        let text = JsFuture::from(response.text().ok()?).await.ok()?;
        Some(text.as_string()?)
    } else {
        None
    };
    Some(check::classify(req.provider, status, body.as_deref()))
}

/// The time limit: aborts the controller and notes it. Cleared on drop.
struct Timer {
    id: Option<JsValue>,
    _tick: Closure<dyn FnMut()>,
}

impl Timer {
    fn start(ms: u32, controller: &AbortController, fired: Rc<Cell<bool>>) -> Timer {
        let controller = controller.clone();
        let tick = Closure::<dyn FnMut()>::new(move || {
            fired.set(true);
            controller.abort();
        });
        let id = set_timeout(tick.as_ref().unchecked_ref(), f64::from(ms)).ok();
        Timer { id, _tick: tick }
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if let Some(id) = self.id.take() {
            let _ = clear_timeout(&id);
        }
    }
}

/// Forwards the caller's abort to the controller. Removed on drop.
struct Link {
    signal: AbortSignal,
    on_abort: Closure<dyn FnMut()>,
}

impl Link {
    fn new(signal: &AbortSignal, controller: &AbortController) -> Link {
        let controller = controller.clone();
        let on_abort = Closure::<dyn FnMut()>::new(move || controller.abort());
        let _ = signal.add_event_listener_with_callback("abort", on_abort.as_ref().unchecked_ref());
        Link {
            signal: signal.clone(),
            on_abort,
        }
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        let _ = self
            .signal
            .remove_event_listener_with_callback("abort", self.on_abort.as_ref().unchecked_ref());
    }
}

/// The `KeyringError` of a key the provider rejected: code `invalid_key`,
/// `details` the Verification (which never holds the key).
fn rejected(v: &Verification) -> JsValue {
    let err = JsValue::from(Error::new(ErrorCode::InvalidKey, v.message.clone()));
    if let Ok(details) = to_js_value(v) {
        let _ = Reflect::set(&err, &JsValue::from_str("details"), &details);
    }
    err
}

/// `{ name: value }` of the auth headers, for JS.
fn headers_object(p: &Provider, key: &str) -> std::result::Result<JsValue, JsValue> {
    let obj = Object::new();
    for (name, value) in check::auth_headers(p, key).iter() {
        Reflect::set(&obj, &JsValue::from_str(name), &JsValue::from_str(value))?;
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
            Some((p, key)) => headers_object(p, key.expose()),
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
        let headers = headers_object(p, key.expose())?;
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
        let p = providers::find(provider)
            .ok_or_else(|| JsValue::from(Error::unknown_provider(provider)))?;
        let key = {
            let mut core = self.core.borrow_mut();
            core.check_auto_lock();
            core.get(p.id)
        };
        let notifier = self.notifier();
        notifier.flush();
        Ok(key?.map(|k| (p, k)))
    }

    /// `set(provider, apiKey, { verify, ... })`: checks arguments, that the
    /// keyring is unlocked and the key's format, then the key with the
    /// provider, then stores it unless the provider rejected it. Every error
    /// is a rejection (the caller asked for a Promise).
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
            let opts = args::set_options(options)?;
            let plan = check::plan(&provider, &key, &a.opts)?;
            let mut core = self.core.borrow_mut();
            core.check_auto_lock();
            match core.state() {
                State::Empty => Err(Error::no_vault()),
                State::Locked => Err(Error::locked()),
                State::Unlocked => Ok((provider, key, opts, plan, a.signal)),
            }
        })();
        let notifier = self.notifier();
        notifier.flush();
        let (provider, key, opts, plan, signal) = match prepared {
            Ok(p) => p,
            Err(e) => return Promise::reject(&JsValue::from(e)),
        };
        let core = self.core.clone();
        future_to_promise(async move {
            let verification = run(plan, signal).await?;
            if !verification.code.saves_key() {
                return Err(rejected(&verification));
            }
            let info = core.borrow_mut().set(&provider, &key, opts);
            drop(key);
            notifier.flush();
            notifier.arm_auto_lock();
            let info = to_js_value(&info?)?;
            Reflect::set(
                &info,
                &JsValue::from_str("verification"),
                &to_js_value(&verification)?,
            )?;
            Ok(info)
        })
    }
}
