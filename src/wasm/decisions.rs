//! The credit decision, mirrored in JavaScript. `isByok` and
//! `shouldDeductCredits` are asked before every model call, and a call into
//! wasm costs far more than the answer. So each keyring keeps one plain JS
//! object that the package's entry (`js/index.js`) answers from:
//!
//! ```text
//! { until: number, keys: Map<ProviderId, number>, only: Set<string> }
//! ```
//!
//! `until` is [`crate::Keyring::unlocked_until`] (0 when locked, `Infinity`
//! with no auto-lock), each `keys` entry the expiry of an enabled key
//! (`Infinity` when it never expires), `only` the `platformOnly` features.
//! Expiry and auto-lock are moments, compared with `Date.now()` at the time
//! of the question, so the object needs no update when they pass; every
//! other change reaches it through [`Decisions::sync`], which the binding
//! layer runs after every operation, timer and storage event.

use super::convert::js_static;
use crate::keyring::Keyring;
use js_sys::{Map, Object, Reflect, Set};
use std::cell::{Cell, RefCell};
use wasm_bindgen::JsValue;

/// One keyring's decision object, the core generation it reflects, and
/// what it was last given (so a use under auto-lock, which moves only
/// `until`, sets one property instead of rebuilding the map).
pub(super) struct Decisions {
    object: Object,
    keys: Map,
    synced: Cell<Option<u64>>,
    until: Cell<Option<u64>>,
    pushed_keys: RefCell<Vec<(&'static str, Option<u64>)>>,
    /// Set by `free()`: the object stays "locked" even if an operation
    /// still running (an unlock's derivation) settles afterwards.
    closed: Cell<bool>,
}

/// A moment in milliseconds as a JS number; `None` (never) is `Infinity`.
fn moment(t: Option<u64>) -> JsValue {
    match t {
        None | Some(u64::MAX) => JsValue::from_f64(f64::INFINITY),
        Some(t) => JsValue::from_f64(t as f64),
    }
}

impl Decisions {
    /// The object for a keyring with these options, not yet synced.
    pub(super) fn new(core: &Keyring) -> Decisions {
        let object = Object::new();
        let keys = Map::new();
        let only = Set::new(&JsValue::UNDEFINED);
        for feature in &core.options().policy.platform_only {
            only.add(&JsValue::from_str(feature));
        }
        let _ = Reflect::set(&object, &js_static("until"), &JsValue::from_f64(0.0));
        let _ = Reflect::set(&object, &js_static("keys"), &keys);
        let _ = Reflect::set(&object, &js_static("only"), &only);
        let d = Decisions {
            object,
            keys,
            synced: Cell::new(None),
            until: Cell::new(None),
            pushed_keys: RefCell::default(),
            closed: Cell::new(false),
        };
        d.sync(core);
        d
    }

    /// The object itself (handed to the JS entry once per keyring).
    pub(super) fn object(&self) -> JsValue {
        self.object.clone().into()
    }

    /// Brings the object up to date with `core`, when it changed.
    pub(super) fn sync(&self, core: &Keyring) {
        let generation = core.generation();
        if self.closed.get() || self.synced.get() == Some(generation) {
            return;
        }
        let snapshot = core.snapshot();
        if self.until.get() != snapshot.unlocked_until {
            let until = match snapshot.unlocked_until {
                None => JsValue::from_f64(0.0),
                t => moment(t),
            };
            let _ = Reflect::set(&self.object, &js_static("until"), &until);
            self.until.set(snapshot.unlocked_until);
        }
        if *self.pushed_keys.borrow() != snapshot.keys {
            self.keys.clear();
            for &(id, expires_at) in &snapshot.keys {
                self.keys.set(&js_static(id), &moment(expires_at));
            }
            *self.pushed_keys.borrow_mut() = snapshot.keys;
        }
        self.synced.set(Some(generation));
    }

    /// After `free()`: answers "locked" from now on.
    pub(super) fn close(&self) {
        self.closed.set(true);
        let _ = Reflect::set(&self.object, &js_static("until"), &JsValue::from_f64(0.0));
        self.keys.clear();
        self.until.set(None);
        self.pushed_keys.borrow_mut().clear();
    }
}
