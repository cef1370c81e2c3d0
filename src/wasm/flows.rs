//! `create`, `unlock` and `changePassphrase` in the browser: the core's
//! [`Flow`] step machine, driven by `flow` in `js/transport.js`, which
//! awaits WebCrypto's `deriveBits` between the steps. No Rust future crosses
//! into JavaScript: each step is one synchronous call.
//!
//! The derived bits come back as a `Uint8Array`, are copied into a
//! zeroizing [`DerivedKey`], and the JavaScript side overwrites its copy.
//! With the pure-Rust backend (`kdf: "wasm"`, or no `crypto.subtle`), and
//! when WebCrypto refuses a derivation, the step derives in WebAssembly and
//! no derived bits reach JavaScript.

use super::api::{Notifier, Tell};
use super::convert::js_static;
use crate::crypto::{self, DerivedKey, KEY_LEN};
use crate::error::Result;
use crate::flows::{Flow, Next, Which};
use crate::format::KdfParams;
use crate::keyring::Keyring as Core;
use crate::secret::Passphrase;
use js_sys::{Object, Promise, Reflect, Uint8Array};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/js/transport.js")]
extern "C" {
    /// `js/transport.js`: calls `step()`, then, while it returns
    /// `{ s, i, p }`, derives with WebCrypto and calls `step(bits)`
    /// (`step(undefined)` when WebCrypto failed). Resolves when `step`
    /// returns undefined, rejects with what it throws.
    #[wasm_bindgen(js_name = flow)]
    fn js_flow(step: &JsValue, first: &JsValue, second: &JsValue) -> Promise;
}

/// A synchronous step handed to `js/transport.js`. Freed with the JS
/// function (when it is garbage-collected).
pub(super) fn step_fn(f: impl FnMut(JsValue) -> Result<JsValue, JsValue> + 'static) -> JsValue {
    Closure::<dyn FnMut(JsValue) -> Result<JsValue, JsValue>>::new(f).into_js_value()
}

/// Which key derivation a keyring uses.
pub(super) struct Backend {
    /// Whether `crypto.subtle` was found (and `kdf` is not "wasm"): each
    /// derivation goes to WebCrypto first.
    webcrypto: bool,
    /// WebCrypto refused a derivation, which then ran in WebAssembly.
    fell_back: Cell<bool>,
}

impl Backend {
    /// WebCrypto when `webcrypto` (it was asked for and `crypto.subtle`
    /// exists), else pure Rust.
    pub(super) fn new(webcrypto: bool) -> Backend {
        Backend {
            webcrypto,
            fell_back: Cell::new(false),
        }
    }

    /// `kdfBackend`: "webcrypto", or "wasm" (pure Rust, or WebCrypto
    /// failed once).
    pub(super) fn name(&self) -> &'static str {
        if self.webcrypto && !self.fell_back.get() {
            "webcrypto"
        } else {
            "wasm"
        }
    }
}

/// Which operation a flow performs.
#[derive(Clone, Copy)]
pub(super) enum Op {
    Create,
    Unlock,
    Change,
}

/// One operation: the keyring (kept alive, as the operation may settle
/// after `free()`), and while it runs, its passphrases and progress.
struct Running {
    core: Rc<RefCell<Core>>,
    notifier: Notifier,
    backend: Rc<Backend>,
    op: Op,
    /// `None` once ended (the passphrases zeroized).
    live: Option<Live>,
}

struct Live {
    first: Passphrase,
    second: Option<Passphrase>,
    progress: Progress,
}

enum Progress {
    Start,
    /// Waiting for the key of `which` with `params`.
    Waiting {
        flow: Flow,
        params: KdfParams,
        which: Which,
    },
}

impl Live {
    fn pass(&self, which: Which) -> &Passphrase {
        match (which, &self.second) {
            (Which::Second, Some(next)) => next,
            _ => &self.first,
        }
    }
}

/// Runs `op` on the keyring; the Promise settles when it ends, after the
/// listeners were notified and the auto-lock timer armed.
pub(super) fn run(
    core: Rc<RefCell<Core>>,
    notifier: Notifier,
    backend: Rc<Backend>,
    op: Op,
    first: Passphrase,
    second: Option<Passphrase>,
    js_passphrases: (&JsValue, &JsValue),
) -> Promise {
    let mut running = Running {
        core,
        notifier,
        backend,
        op,
        live: Some(Live {
            first,
            second,
            progress: Progress::Start,
        }),
    };
    js_flow(
        &step_fn(move |bits| running.step(&bits)),
        js_passphrases.0,
        js_passphrases.1,
    )
}

impl Running {
    fn step(&mut self, bits: &JsValue) -> Result<JsValue, JsValue> {
        let Some(live) = self.live.as_mut() else {
            return Ok(JsValue::UNDEFINED);
        };
        let r = advance(&self.core, &self.backend, self.op, live, bits);
        if let Ok(Some(want)) = r {
            return Ok(want);
        }
        // Ended: forget the passphrases, then tell.
        self.live = None;
        self.notifier.flush_with(Tell::Always);
        self.notifier.arm_auto_lock();
        match r {
            Ok(_) => Ok(JsValue::UNDEFINED),
            Err(e) => Err(e.into()),
        }
    }
}

/// The next step of `live`; `Some(want)` when WebCrypto is to derive.
fn advance(
    core: &RefCell<Core>,
    backend: &Backend,
    op: Op,
    live: &mut Live,
    bits: &JsValue,
) -> Result<Option<JsValue>> {
    let (mut flow, mut next) = match std::mem::replace(&mut live.progress, Progress::Start) {
        Progress::Start => {
            let mut kr = core.borrow_mut();
            match (op, &live.second) {
                (Op::Create, _) => Flow::create(&mut kr, &live.first)?,
                (Op::Change, Some(next)) => Flow::change(&mut kr, &live.first, next)?,
                (Op::Unlock | Op::Change, _) => Flow::unlock(&mut kr, &live.first)?,
            }
        }
        Progress::Waiting {
            mut flow,
            params,
            which,
        } => {
            let key = derived(bits).unwrap_or_else(|| {
                // WebCrypto refused: the same bits from Rust.
                backend.fell_back.set(true);
                derive_here(live.pass(which), &params)
            });
            let next = flow.resume(&mut core.borrow_mut(), key)?;
            (flow, next)
        }
    };
    loop {
        let Next::Derive(params, which) = next else {
            return Ok(None);
        };
        if backend.webcrypto {
            let want = want_object(&params, which);
            live.progress = Progress::Waiting {
                flow,
                params,
                which,
            };
            return Ok(Some(want));
        }
        let key = derive_here(live.pass(which), &params);
        next = flow.resume(&mut core.borrow_mut(), key)?;
    }
}

/// PBKDF2 in WebAssembly.
fn derive_here(pass: &Passphrase, params: &KdfParams) -> DerivedKey {
    crypto::pbkdf2_sha256(pass.as_bytes(), &params.salt, params.iterations)
}

impl Drop for Running {
    /// An operation whose JavaScript side never came back (its function
    /// was collected mid-flow) must not leave the keyring `busy`.
    fn drop(&mut self) {
        if let Some(Live {
            progress: Progress::Waiting { flow, .. },
            ..
        }) = self.live.as_mut()
        {
            if let Ok(mut core) = self.core.try_borrow_mut() {
                flow.abandon(&mut core);
            }
        }
    }
}

/// `{ s: salt, i: iterations, p: 0 | 1 }`: what WebCrypto derives next.
fn want_object(params: &KdfParams, which: Which) -> JsValue {
    let o = Object::new();
    let set = |k: &'static str, v: &JsValue| {
        let _ = Reflect::set(&o, &js_static(k), v);
    };
    set("s", &Uint8Array::from(&params.salt[..]).into());
    set("i", &JsValue::from(params.iterations));
    set("p", &JsValue::from(u32::from(which == Which::Second)));
    o.into()
}

/// The key WebCrypto derived: exactly 32 bytes, copied into zeroizing
/// memory (the caller zeroes its copy).
fn derived(bits: &JsValue) -> Option<DerivedKey> {
    super::args::secret_bytes(bits, Some(KEY_LEN)).and_then(|b| DerivedKey::from_slice(&b))
}
