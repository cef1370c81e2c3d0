//! `resume: "tab"`: staying unlocked across reloads of a tab
//! (docs/FORMAT.md, "Resume ticket"; SECURITY.md). Conversions only: the
//! core seals and opens ([`crate::Keyring`]'s `seal_resume` and
//! `open_resume`), `js/resume.js` keeps the ticket in sessionStorage and its
//! non-extractable WebCrypto key in IndexedDB, and derives `W` with it.
//!
//! The wasm layer learns of every transition to unlocked from the core's
//! change events ([`Resume::after`], run by each flush): `created` and
//! `unlocked` make a new ticket, whatever the unlock method; `locked` and
//! `reset` delete it. `lock()` deletes it even when nothing was unlocked,
//! and `lock({ everywhere: true })` also deletes every key of the namespace
//! from IndexedDB (shared by the origin's tabs).

use super::api::{JsKeyring, Notifier, Tell};
use super::args::{self, StorageKind};
use super::flows::step_fn;
use crate::crypto::{DerivedKey, Sealed, KEY_LEN, NONCE_LEN, TAG_LEN};
use crate::error::{Error, Result};
use crate::format::VAULT_ID_LEN;
use crate::keyring::{ChangeEvent, ChangeKind, ResumeTicket, State};
use crate::limits::{DEFAULT_RESUME_TTL_MS, MAX_RESUME_TTL_MS, MIN_RESUME_TTL_MS, RESUME_RENEW_MS};
use js_sys::{Object, Promise, Uint8Array};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/resume.js")]
extern "C" {
    /// Deletes expired keys from IndexedDB (once per page) and watches the
    /// namespace's ticket for its expiry.
    #[wasm_bindgen(js_name = start)]
    fn js_start(namespace: &str);
    /// Makes a ticket: a new key K, `W = HMAC(K, salt)`, `seal(W)`; keeps K
    /// in IndexedDB and the ticket in sessionStorage.
    #[wasm_bindgen(js_name = save)]
    fn js_save(namespace: &str, ttl_ms: f64, seal: &JsValue);
    /// Resolves to `open([W, nonce, key, vault])` for the tab's ticket, or
    /// false (and the ticket deleted) when there is none that works.
    #[wasm_bindgen(js_name = resume)]
    fn js_resume(namespace: &str, open: &JsValue) -> Promise;
    /// Deletes the tab's ticket and its key.
    #[wasm_bindgen(js_name = drop)]
    fn js_drop(namespace: &str);
    /// Extends the tab's ticket to now + `ttl_ms`.
    #[wasm_bindgen(js_name = renew)]
    fn js_renew(namespace: &str, ttl_ms: f64);
    /// Deletes every key of the namespace (every tab's) from IndexedDB.
    #[wasm_bindgen(js_name = purge)]
    fn js_purge(namespace: &str);
}

/// The checked `resume` and `resumeTtlMs` options: the ticket's lifetime
/// when `resume` is `"tab"`.
pub(super) fn options(obj: &Object, storage: StorageKind) -> Result<Option<u64>> {
    let on = match args::opt_string(&args::get(obj, "resume")?, "resume")?.as_deref() {
        None | Some("off") => false,
        Some("tab") => true,
        Some(_) => {
            return Err(Error::invalid_argument(
                "resume must be \"off\" or \"tab\".",
            ))
        }
    };
    let ttl = args::opt_integer(
        &args::get(obj, "resumeTtlMs")?,
        "resumeTtlMs",
        MIN_RESUME_TTL_MS,
        MAX_RESUME_TTL_MS,
    )?;
    if on && storage == StorageKind::Memory {
        return Err(Error::invalid_argument(
            "resume \"tab\" needs storage \"session\" or \"local\": a vault kept in memory does not survive a reload.",
        ));
    }
    Ok(on.then(|| ttl.unwrap_or(DEFAULT_RESUME_TTL_MS)))
}

/// A keyring's resume settings (shared by its notifiers).
#[derive(Clone)]
pub(super) struct Resume(Rc<Settings>);

struct Settings {
    namespace: String,
    ttl_ms: f64,
    /// When the ticket was last made or extended (`Date.now()`).
    renewed: Cell<f64>,
}

impl Resume {
    /// For a keyring with `resume: "tab"` on `namespace`.
    pub(super) fn start(namespace: &str, ttl_ms: u64) -> Resume {
        js_start(namespace);
        Resume(Rc::new(Settings {
            namespace: namespace.to_string(),
            ttl_ms: ttl_ms as f64,
            renewed: Cell::new(0.0),
        }))
    }

    /// After a flush of `events` (`unlocked`: the keyring's state now):
    /// `locked` or `reset` deletes the ticket; `created` or `unlocked`, the
    /// keyring still unlocked, makes a new one.
    pub(super) fn after(&self, notifier: &Notifier, events: &[ChangeEvent], unlocked: bool) {
        let mut save = false;
        for e in events {
            match e.kind {
                ChangeKind::Locked | ChangeKind::Reset => {
                    js_drop(&self.0.namespace);
                    save = false;
                }
                ChangeKind::Created | ChangeKind::Unlocked => save = true,
                _ => {}
            }
        }
        if save && unlocked {
            let notifier = notifier.clone();
            let seal = step_fn(move |w| Ok(seal(&notifier, &w)));
            self.0.renewed.set(js_sys::Date::now());
            js_save(&self.0.namespace, self.0.ttl_ms, &seal);
        }
    }

    /// A use of the unlocked keyring: extends the ticket, at most once per
    /// [`RESUME_RENEW_MS`].
    fn used(&self) {
        let now = js_sys::Date::now();
        if now - self.0.renewed.get() >= RESUME_RENEW_MS as f64 {
            self.0.renewed.set(now);
            js_renew(&self.0.namespace, self.0.ttl_ms);
        }
    }

    /// `lock()`: deletes the ticket; `everywhere`, every tab's key too.
    pub(super) fn forget(&self, everywhere: bool) {
        js_drop(&self.0.namespace);
        if everywhere {
            js_purge(&self.0.namespace);
        }
    }
}

/// The ticket's bytes as the core seals them and `js/resume.js` splits
/// them: nonce, sealed vault key (ciphertext and tag), vault id.
const TICKET_LEN: usize = NONCE_LEN + KEY_LEN + TAG_LEN + VAULT_ID_LEN;

/// `seal(W)`: the vault key sealed under `W`, as `nonce ‖ key ‖ vault` (76
/// bytes), or undefined when the keyring is no longer unlocked (or `W` is
/// not 32 bytes).
fn seal(notifier: &Notifier, w: &JsValue) -> JsValue {
    let Some(w) = args::secret_bytes(w, Some(KEY_LEN)).and_then(|w| DerivedKey::from_slice(&w))
    else {
        return JsValue::UNDEFINED;
    };
    let mut ticket = None;
    notifier.with_core(|c| ticket = c.seal_resume(w).ok());
    match ticket {
        Some(t) => {
            Uint8Array::from(&[&t.sealed.nonce[..], &t.sealed.ciphertext, &t.vault_id].concat()[..])
                .into()
        }
        None => JsValue::UNDEFINED,
    }
}

/// `open(W ‖ nonce ‖ key ‖ vault)`: whether the ticket unlocked the
/// keyring. Then the listeners hear `unlocked`, and the auto-lock timer runs.
fn open(notifier: &Notifier, parts: &JsValue) -> bool {
    let Some(x) = args::secret_bytes(parts, Some(KEY_LEN + TICKET_LEN)) else {
        return false;
    };
    let (w, t) = x.split_at(KEY_LEN);
    let (nonce, t) = t.split_at(NONCE_LEN);
    let (key, vault) = t.split_at(KEY_LEN + TAG_LEN);
    let (Some(w), Ok(nonce), Ok(vault_id)) = (
        DerivedKey::from_slice(w),
        nonce.try_into(),
        vault.try_into(),
    ) else {
        return false;
    };
    let ticket = ResumeTicket {
        vault_id,
        sealed: Sealed {
            nonce,
            ciphertext: key.to_vec(),
        },
    };
    let mut opened = false;
    notifier.with_core(|c| opened = c.open_resume(w, &ticket).unwrap_or(false));
    notifier.flush_with(Tell::Always);
    notifier.arm_auto_lock();
    opened
}

#[wasm_bindgen(js_class = Keyring)]
impl JsKeyring {
    /// With `resume: "tab"`: unlocks with this tab's ticket from an earlier
    /// unlock (after a reload), with no passphrase. Resolves to true when
    /// the keyring is unlocked (as after `unlock`: the same `unlocked`
    /// event), false when there is no usable ticket: none (a new tab or
    /// browser session, `resume: "off"`), expired, deleted by `lock` or
    /// `reset`, or the vault was replaced or changed. Never rejects.
    #[wasm_bindgen(unchecked_return_type = "Promise<boolean>")]
    pub fn resume(&self) -> Promise {
        let Some(r) = &self.resume else {
            return Promise::resolve(&JsValue::FALSE);
        };
        if self.core.borrow().state() == State::Unlocked {
            return Promise::resolve(&JsValue::TRUE);
        }
        let notifier = self.notifier();
        let open = step_fn(move |parts| Ok(JsValue::from_bool(open(&notifier, &parts))));
        js_resume(&r.0.namespace, &open)
    }
}

impl JsKeyring {
    /// After a use of the unlocked keyring (`get`, `set`, `authHeaders`…):
    /// extends the ticket ([`Resume::used`]).
    pub(super) fn used(&self) {
        if let Some(r) = &self.resume {
            r.used();
        }
    }
}
