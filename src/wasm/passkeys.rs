//! `addPasskey`, `create({ passkey })`, `unlockWithPasskey`,
//! `unlockMethods` and `removePasskey`: conversions between the core's
//! plans ([`crate::keyring::Registration`], [`crate::keyring::Assertion`])
//! and the WebAuthn calls in `js/passkey.js`, which hands back the
//! credential id and PRF output in one synchronous step.

use super::api::{JsKeyring, Notifier, Tell};
use super::args;
use super::convert::js_static;
use super::flows::step_fn;
use super::types::PasskeyOptionsArg;
use crate::error::Result;
use crate::keyring::{
    ceremony_failed, Keyring as Core, PasskeyInfo, PrfOutput, Registration, UnlockMethod,
};
use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen(module = "/js/passkey.js")]
extern "C" {
    /// `js/passkey.js`: `navigator.credentials.create` (and `get` when the
    /// PRF is only evaluated on assertion), then `step(answer)`.
    #[wasm_bindgen(js_name = register)]
    fn js_register(step: &JsValue, plan: &JsValue) -> Promise;
    /// `js/passkey.js`: `navigator.credentials.get` over the vault's
    /// passkeys, then `step(answer)`.
    #[wasm_bindgen(js_name = unlock)]
    fn js_unlock(step: &JsValue, plan: &JsValue) -> Promise;
}

/// `{ name?, rpId? }` of `addPasskey` and `create({ passkey })`.
pub(super) fn passkey_options(v: &JsValue) -> Result<(Option<String>, Option<String>)> {
    let Some(obj) = args::options_object(v, "passkey options", &["name", "rpId"])? else {
        return Ok((None, None));
    };
    Ok((
        args::opt_string(&args::get(&obj, "name")?, "name")?,
        args::opt_string(&args::get(&obj, "rpId")?, "rpId")?,
    ))
}

fn object(fields: &[(&'static str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in fields {
        if !v.is_undefined() {
            let _ = Reflect::set(&o, &js_static(k), v);
        }
    }
    o.into()
}

/// `{ id, name, createdAt }`, with `kind: "passkey"` for `unlockMethods`.
fn info_object(info: &PasskeyInfo, kind: bool) -> JsValue {
    object(&[
        (
            "kind",
            if kind {
                js_static("passkey")
            } else {
                JsValue::UNDEFINED
            },
        ),
        ("id", JsValue::from_str(&info.id)),
        ("name", JsValue::from_str(&info.name)),
        ("createdAt", JsValue::from_f64(info.created_at as f64)),
    ])
}

fn bytes(b: &[u8]) -> JsValue {
    Uint8Array::from(b).into()
}

fn rp(rp_id: &Option<String>) -> JsValue {
    rp_id
        .as_deref()
        .map_or(JsValue::UNDEFINED, JsValue::from_str)
}

/// The browser's answer: `{ id, prf }`, or `{ e }` (see `js/passkey.js`).
fn answer(v: &JsValue) -> Result<(Vec<u8>, PrfOutput)> {
    let field = |k| Reflect::get(v, &js_static(k)).unwrap_or(JsValue::UNDEFINED);
    let (id, prf) = (field("id"), field("prf"));
    match (id.dyn_ref::<Uint8Array>(), args::secret_bytes(&prf, None)) {
        // The zeroizing buffer's Vec moves into PrfOutput (zeroizing too):
        // no second copy of the secret.
        (Some(id), Some(mut prf)) => Ok((id.to_vec(), PrfOutput::new(std::mem::take(&mut *prf))?)),
        _ => Err(ceremony_failed(&field("e").as_string().unwrap_or_default())),
    }
}

/// Runs one ceremony: `js` with `plan`, then `finish` on the answer; the
/// listeners are told and the auto-lock timer armed when it ends.
fn ceremony(
    notifier: Notifier,
    js: fn(&JsValue, &JsValue) -> Promise,
    plan: JsValue,
    mut finish: impl FnMut(&JsValue) -> Result<JsValue> + 'static,
) -> Promise {
    let step = step_fn(move |v| {
        let r = finish(&v);
        notifier.flush_with(Tell::Always);
        notifier.arm_auto_lock();
        r.map_err(JsValue::from)
    });
    js(&step, &plan)
}

fn register(core: Rc<RefCell<Core>>, notifier: Notifier, plan: Registration) -> Promise {
    let js_plan = object(&[
        ("rp", rp(&plan.rp_id)),
        ("user", bytes(&plan.user_id)),
        ("name", JsValue::from_str(&plan.name)),
        ("challenge", bytes(&plan.challenge)),
        ("salt", bytes(&plan.salt)),
        (
            "exclude",
            plan.exclude
                .iter()
                .map(|c| bytes(c))
                .collect::<Array>()
                .into(),
        ),
    ]);
    let mut plan = Some(plan);
    ceremony(notifier, js_register, js_plan, move |v| {
        let (credential, prf) = answer(v)?;
        let plan = plan.take().ok_or_else(|| ceremony_failed("AbortError"))?;
        let creates = plan.creates;
        let info = core
            .borrow_mut()
            .finish_add_passkey(plan, credential, prf)?;
        Ok(if creates {
            JsValue::UNDEFINED
        } else {
            info_object(&info, false)
        })
    })
}

fn rejected(e: crate::error::Error) -> Promise {
    Promise::reject(&JsValue::from(e))
}

/// What plans a registration: `addPasskey`'s or `create({ passkey })`'s
/// first step, given the name and relying party id.
type Prepare = fn(&mut Core, Option<&str>, Option<&str>) -> Result<Registration>;

impl JsKeyring {
    /// `create({ passkey })`: a vault whose only unlock method is a passkey.
    pub(super) fn create_with_passkey(&self, options: &JsValue) -> Promise {
        self.registration(options, Core::prepare_create_with_passkey)
    }

    /// Checks `options`, plans with `prepare` and runs the registration.
    fn registration(&self, options: &JsValue, prepare: Prepare) -> Promise {
        let plan = passkey_options(options).and_then(|(name, rp_id)| {
            prepare(
                &mut self.core.borrow_mut(),
                name.as_deref(),
                rp_id.as_deref(),
            )
        });
        match plan {
            Ok(plan) => register(self.core.clone(), self.notifier(), plan),
            Err(e) => rejected(e),
        }
    }
}

#[wasm_bindgen(js_class = Keyring)]
impl JsKeyring {
    /// Adds a passkey as another way to unlock (needs unlocked): the
    /// browser asks the user to make one. Rejects with `passkey_failed`
    /// (cancelled, already added) or `passkey_unsupported` (no WebAuthn
    /// PRF); nothing is written then.
    #[wasm_bindgen(js_name = addPasskey, unchecked_return_type = "Promise<PasskeyInfo>")]
    pub fn add_passkey(&self, options: Option<PasskeyOptionsArg>) -> Promise {
        let options = options.map_or(JsValue::UNDEFINED, JsValue::from);
        self.registration(&options, Core::prepare_add_passkey)
    }

    /// Unlocks with one of the vault's passkeys (the browser asks which).
    /// Rejects with `no_vault`, `passkey_failed` or `passkey_unsupported`.
    #[wasm_bindgen(js_name = unlockWithPasskey, unchecked_return_type = "Promise<void>")]
    pub fn unlock_with_passkey(&self) -> Promise {
        let plan = match self.core.borrow_mut().prepare_passkey_unlock() {
            Ok(plan) => plan,
            Err(e) => return rejected(e),
        };
        let creds: Array = plan
            .credentials
            .iter()
            .map(|(id, salt)| Array::of2(&bytes(id), &bytes(salt)))
            .collect();
        let js_plan = object(&[
            ("rp", rp(&plan.rp_id)),
            ("challenge", bytes(&plan.challenge)),
            ("creds", creds.into()),
        ]);
        let core = self.core.clone();
        ceremony(self.notifier(), js_unlock, js_plan, move |v| {
            let (credential, prf) = answer(v)?;
            core.borrow_mut().finish_passkey_unlock(&credential, prf)?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// The vault's unlock methods (works while locked): the passphrase, if
    /// it has one, then its passkeys in the order they were added.
    #[wasm_bindgen(js_name = unlockMethods, unchecked_return_type = "UnlockMethod[]")]
    pub fn unlock_methods(&self) -> Result<Array, JsValue> {
        let methods = self.core.borrow_mut().unlock_methods()?;
        Ok(methods
            .iter()
            .map(|m| match m {
                UnlockMethod::Passphrase => object(&[("kind", js_static("passphrase"))]),
                UnlockMethod::Passkey(info) => info_object(info, true),
            })
            .collect())
    }

    /// Removes a passkey (needs unlocked). Resolves to false when the vault
    /// has no passkey with that id; rejects with `last_unlock_method` when
    /// it is the only way left to unlock.
    #[wasm_bindgen(js_name = removePasskey, unchecked_return_type = "Promise<boolean>")]
    pub fn remove_passkey(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] id: JsValue,
    ) -> Promise {
        let removed =
            args::short_string(&id, "id").and_then(|id| self.core.borrow_mut().remove_passkey(&id));
        self.notifier().flush_with(Tell::Always);
        match removed {
            Ok(r) => Promise::resolve(&JsValue::from_bool(r)),
            Err(e) => rejected(e),
        }
    }
}
