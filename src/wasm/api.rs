//! The exported JavaScript API: `validate`, `mask`, `detectProvider`,
//! `providers` and the `Keyring` class. Each function converts its arguments
//! ([`super::args`]), calls the core, and converts the result or error.

use super::args::{self, KdfChoice, StorageKind};
use super::browser_storage::BrowserStorage;
use super::convert::{js_static, to_js_value};
use super::decisions::Decisions;
use super::flows::{self, Backend, Op};
use super::registry::{self, Membership, Peers};
use super::resume::Resume;
use super::tabs::TabSync;
use super::types::{
    KeyringOptionsArg, LockOptionsArg, OptionalString, SetOptionsArg, StorageAreaArg,
};
use crate::error::Error;
use crate::keyring::{self, Keyring as Core, State};
use crate::providers as table;
use crate::secret::Passphrase;
use crate::storage::{MemoryStorage, Storage};
use js_sys::{Function, JsString, Object, Promise, Reflect};
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Checks that a key looks like a key of `provider`, offline. Surrounding
/// whitespace is trimmed (`normalized`); see the README for every code.
#[wasm_bindgen(unchecked_return_type = "Validation")]
pub fn validate(
    #[wasm_bindgen(unchecked_param_type = "string")] provider: &JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] key: &JsValue,
) -> Result<JsValue, JsValue> {
    let provider_id = args::string(provider, "provider")?;
    let key_text = zeroize::Zeroizing::new(args::string(key, "key")?);
    let v = crate::validate(&provider_id, &key_text);
    // `normalized` is the caller's own string when nothing was trimmed, so
    // the key is not copied back out of wasm memory.
    let normalized = v.normalized.as_ref().map(|n| {
        if n.len() == key_text.len() {
            key.clone()
        } else {
            JsValue::from_str(n)
        }
    });
    Ok(validation_object(&v, normalized))
}

/// Bytes of the part of [`SCRATCH`] that holds the provider id (64 UTF-16
/// units at most 3 bytes each); the key follows it.
const SCRATCH_ID: usize = 192;
/// Bytes of [`SCRATCH`]: the id's part and about 1,300 characters of key.
/// A longer key takes the `validate` path.
const SCRATCH_LEN: usize = 4096;

thread_local! {
    /// The buffer the package entry's `validate` (`js/index.js`) writes a
    /// provider id and a key into, UTF-8, with `TextEncoder.encodeInto`: the
    /// per-keystroke call then passes two lengths instead of two strings (no
    /// allocation, no character-by-character copy in JavaScript). Its
    /// address never changes: it is made once and never grows.
    static SCRATCH: RefCell<Vec<u8>> = RefCell::new(vec![0; SCRATCH_LEN]);
}

/// Where the `SCRATCH` buffer is, one number per call (a plain number
/// crosses without the glue's array helpers): `part` 0 its address, 1 the
/// bytes of the id's part, 2 the bytes of the key's part; 0 for another
/// `part`. Not part of the API.
#[wasm_bindgen(js_name = validateScratch, skip_typescript)]
pub fn validate_scratch(part: u32) -> u32 {
    let n = match part {
        0 => SCRATCH.with(|s| s.borrow().as_ptr() as usize),
        1 => SCRATCH_ID,
        2 => SCRATCH_LEN - SCRATCH_ID,
        _ => 0,
    };
    u32::try_from(n).unwrap_or_default()
}

/// [`crate::validate::outcome_id`] of the provider id and key the package
/// entry's `validate` wrote into `SCRATCH` (`id_len` and `key_len` bytes),
/// or 0 (ask `validate`) when they do not fit or are not UTF-8. Not part of
/// the API.
#[wasm_bindgen(js_name = validateOutcome, skip_typescript)]
pub fn validate_outcome(id_len: usize, key_len: usize) -> u32 {
    SCRATCH.with(|s| {
        let s = s.borrow();
        let id = s.get(..id_len).filter(|_| id_len <= SCRATCH_ID);
        let key = s.get(SCRATCH_ID..).and_then(|k| k.get(..key_len));
        match (id.map(std::str::from_utf8), key.map(std::str::from_utf8)) {
            (Some(Ok(id)), Some(Ok(key))) => crate::validate::outcome_id(id, key),
            _ => 0,
        }
    })
}

/// A `Validation` as a plain JS object. Fixed strings (property names,
/// codes, provider ids) come from [`js_static`]: this is the per-keystroke
/// path of a settings form.
fn validation_object(v: &crate::Validation, normalized: Option<JsValue>) -> JsValue {
    let o = Object::new();
    let set = |k: &'static str, value: &JsValue| {
        let _ = Reflect::set(&o, &js_static(k), value);
    };
    set("valid", &JsValue::from_bool(v.valid));
    set("code", &js_static(v.code.as_str()));
    set("message", &JsValue::from_str(&v.message));
    match table::find(&v.provider) {
        Some(p) => set("provider", &js_static(p.id)),
        None => set("provider", &JsValue::from_str(&v.provider)),
    }
    if let Some(d) = v.detected {
        set("detected", &js_static(d));
    }
    if let Some(n) = normalized {
        set("normalized", &n);
    }
    o.into()
}

/// Masks a key for display: at most its first and last 4 characters, nothing
/// of a key shorter than 20; always 16 characters long ([`fn@crate::mask`]).
///
/// The rule is the core's ([`fn@crate::mask`], its constants and its
/// whitespace, which is JavaScript's `trim()`); here it is applied to the
/// JavaScript string itself (trim, slice, concat), so the key is not copied
/// into WebAssembly memory and no text is decoded on the way back: 4× faster
/// than the copy. A string with surrogate pairs (characters outside the BMP)
/// takes the core's own function, where characters, not UTF-16 units, count.
/// `tests/browser.rs` checks both against the core for every whitespace
/// character and for surrogates.
#[wasm_bindgen(unchecked_return_type = "string")]
pub fn mask(
    #[wasm_bindgen(unchecked_param_type = "string")] key: &JsValue,
) -> Result<JsValue, JsValue> {
    let Some(text) = key.dyn_ref::<JsString>() else {
        return Err(JsValue::from(Error::invalid_argument(
            "key must be a string.",
        )));
    };
    let trimmed = text.trim();
    let len = trimmed.length();
    if len < crate::mask::MIN_REVEALING_LEN as u32 {
        // Fewer UTF-16 units than 20 means fewer characters than 20.
        return Ok(js_static(crate::mask::FULLY_HIDDEN));
    }
    if len as usize > crate::limits::MAX_STRING_ARG || has_surrogates(&trimmed) {
        let key = zeroize::Zeroizing::new(args::string(key, "key")?);
        return Ok(JsValue::from_str(&crate::mask(&key)));
    }
    let each = crate::mask::REVEALED_EACH_END as u32;
    Ok(trimmed
        .slice(0, each)
        .concat(&js_static(crate::mask::FILL))
        .concat(&trimmed.slice(len - each, len))
        .into())
}

thread_local! {
    /// `/[\uD800-\uDFFF]/` (any UTF-16 surrogate) and its `test` method.
    static SURROGATE: Option<(js_sys::RegExp, Function)> = {
        let re = js_sys::RegExp::new("[\\uD800-\\uDFFF]", "");
        Reflect::get(&re, &JsValue::from_str("test"))
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
            .map(|test| (re, test))
    };
}

/// Whether the string has a UTF-16 surrogate (tested in JS, without copying
/// it into wasm). When the check cannot run, says yes: the caller then takes
/// the exact path.
fn has_surrogates(s: &JsString) -> bool {
    SURROGATE.with(|found| match found {
        Some((re, test)) => test.call1(re, s).map_or(true, |r| r.is_truthy()),
        None => true,
    })
}

/// The provider a key belongs to, by its most specific prefix.
#[wasm_bindgen(js_name = detectProvider, unchecked_return_type = "ProviderId | undefined")]
pub fn detect_provider(
    #[wasm_bindgen(unchecked_param_type = "string")] key: &JsValue,
) -> Result<JsValue, JsValue> {
    let key = zeroize::Zeroizing::new(args::string(key, "key")?);
    Ok(crate::detect_provider(&key).map_or(JsValue::UNDEFINED, |p| js_static(p.id)))
}

/// The date the key formats behind `validate` were last checked against the
/// public rules listed in docs/KEY-FORMATS.md, e.g. "2026-12-01".
#[wasm_bindgen(js_name = rulesVersion, unchecked_return_type = "string")]
pub fn rules_version() -> JsValue {
    js_static(table::RULES_VERSION)
}

/// Every built-in provider: id, name, key prefixes, key page, default model.
#[wasm_bindgen(unchecked_return_type = "ProviderInfo[]")]
pub fn providers() -> Result<JsValue, JsValue> {
    to_js_value(&table::all_info())
}

type Listeners = RefCell<Vec<(u32, Function)>>;

/// One namespace's encrypted key vault. See `KeyringOptions`.
#[wasm_bindgen(js_name = Keyring)]
pub struct JsKeyring {
    pub(super) core: Rc<RefCell<Core>>,
    backend: Rc<Backend>,
    listeners: Rc<Listeners>,
    decisions: Rc<Decisions>,
    next_listener: Cell<u32>,
    timer_armed: Rc<Cell<bool>>,
    tabs: Option<TabSync>,
    /// The other keyrings of this page on the same storage item.
    peers: Option<Peers>,
    _membership: Option<Membership>,
    /// `resume: "tab"` (see [`super::resume`]).
    pub(super) resume: Option<Resume>,
}

#[wasm_bindgen(js_class = Keyring)]
impl JsKeyring {
    /// Opens the keyring of `options.namespace` (default "default") in
    /// sessionStorage (default), localStorage or memory. Throws
    /// `storage_unavailable` when that storage is blocked or absent.
    #[wasm_bindgen(constructor)]
    pub fn new(options: Option<KeyringOptionsArg>) -> Result<JsKeyring, JsValue> {
        let options = options.map_or(JsValue::UNDEFINED, JsValue::from);
        Self::open(args::keyring_options(&options)?)
    }

    /// Stores a vault exported by `exportVault()` (in another browser) and
    /// returns its keyring, locked: unlock it with the vault's passphrase.
    /// The namespace comes from the export (`options.namespace`, if given,
    /// must match it); `already_exists` if that namespace has a vault here.
    #[wasm_bindgen(js_name = importVault)]
    pub fn import_vault(
        #[wasm_bindgen(unchecked_param_type = "string")] export: JsValue,
        options: Option<KeyringOptionsArg>,
    ) -> Result<JsKeyring, JsValue> {
        let export = args::string(&export, "export")?;
        let Some(namespace) = Core::export_namespace(&export) else {
            return Err(JsValue::from(Error::invalid_argument(
                "This is not a vault exported by byok-keyring.",
            )));
        };
        let options = options.map_or(JsValue::UNDEFINED, JsValue::from);
        let given_namespace = !options.is_undefined()
            && !options.is_null()
            && !Reflect::get(&options, &"namespace".into())
                .unwrap_or_default()
                .is_undefined();
        let mut args = args::keyring_options(&options)?;
        if !given_namespace {
            args.options.namespace = namespace;
        }
        let kr = Self::open(args)?;
        let r = kr.core.borrow_mut().import_vault(&export);
        kr.flush_changed();
        r?;
        Ok(kr)
    }

    /// The vault, still encrypted, as a JSON text for `Keyring.importVault`
    /// in another browser. The passphrase moves with the user, not with it.
    #[wasm_bindgen(js_name = exportVault)]
    pub fn export_vault(&self) -> Result<String, JsValue> {
        let r = self.core.borrow_mut().export_vault();
        self.flush();
        Ok(r?)
    }

    /// Moves a key that the app kept in plaintext in `localStorage` (or
    /// `sessionStorage` with `area = "session"`) under `storageKey` into the
    /// vault (needs unlocked). The plaintext item is removed only after the
    /// encrypted write succeeded; an invalid key leaves it in place.
    #[wasm_bindgen(js_name = importPlaintext, unchecked_return_type = "KeyInfo")]
    pub fn import_plaintext(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ProviderId")] provider: JsValue,
        #[wasm_bindgen(js_name = storageKey, unchecked_param_type = "string")] storage_key: JsValue,
        area: Option<StorageAreaArg>,
    ) -> Result<JsValue, JsValue> {
        let provider = args::string(&provider, "provider")?;
        let item = args::string(&storage_key, "storageKey")?;
        let area = area.map_or(JsValue::UNDEFINED, JsValue::from);
        let kind = match args::opt_string(&area, "area")?.as_deref() {
            None | Some("local") => StorageKind::Local,
            Some("session") => StorageKind::Session,
            Some(_) => {
                return Err(JsValue::from(Error::invalid_argument(
                    "area must be \"local\" or \"session\".",
                )))
            }
        };
        let plain = BrowserStorage::open(kind)?;
        let info = self
            .core
            .borrow_mut()
            .import_plaintext(&provider, &plain, &item);
        self.flush_changed();
        to_js_value(&info?)
    }
}

impl Drop for JsKeyring {
    /// `free()`: the decision object answers "locked" from then on.
    fn drop(&mut self) {
        self.decisions.close();
    }
}

impl JsKeyring {
    fn open(args: args::KeyringArgs) -> Result<JsKeyring, JsValue> {
        let storage: Box<dyn Storage> = match args.storage {
            StorageKind::Memory => Box::new(MemoryStorage::new()),
            kind => Box::new(BrowserStorage::open(kind)?),
        };
        let backend = Rc::new(Backend::new(match args.kdf {
            KdfChoice::Wasm => false,
            KdfChoice::Auto | KdfChoice::WebCrypto => super::webcrypto_kdf::available(),
        }));
        let core = Core::new(args.options, storage, keyring::system_clock())?;
        let resume = args
            .resume_ttl_ms
            .map(|ttl| Resume::start(&core.options().namespace, ttl));
        let decisions = Rc::new(Decisions::new(&core));
        let mut kr = JsKeyring {
            core: Rc::new(RefCell::new(core)),
            backend,
            listeners: Rc::default(),
            decisions,
            next_listener: Cell::new(0),
            timer_armed: Rc::default(),
            tabs: None,
            peers: None,
            _membership: None,
            resume,
        };
        // Tabs share localStorage (and a namespace can be locked everywhere);
        // a memory keyring has nothing to share.
        if args.storage != StorageKind::Memory {
            let key = kr.core.borrow().storage_key().to_string();
            let (on_storage, on_lock) = (kr.notifier(), kr.notifier());
            kr.tabs = Some(TabSync::start(
                &key,
                args.storage == StorageKind::Local,
                move || on_storage.external_change(),
                move || on_lock.lock_here(),
            ));
            let (peers, membership) = registry::join(args.storage, &key, kr.notifier());
            kr.peers = Some(peers);
            kr._membership = Some(membership);
        }
        Ok(kr)
    }
}

#[wasm_bindgen(js_class = Keyring)]
impl JsKeyring {
    /// "empty", "locked" or "unlocked".
    #[wasm_bindgen(getter, unchecked_return_type = "KeyringState")]
    pub fn state(&self) -> JsValue {
        js_static(self.core.borrow().state().as_str())
    }

    /// The credit decision as a plain object kept up to date by the keyring
    /// (see `src/wasm/decisions.rs`); the package's entry answers `isByok`
    /// and `shouldDeductCredits` from it. Internal: not part of the API.
    #[wasm_bindgen(js_name = decisionSnapshot, skip_typescript)]
    pub fn decision_snapshot(&self) -> JsValue {
        self.decisions.object()
    }

    /// The namespace this keyring serves.
    #[wasm_bindgen(getter)]
    pub fn namespace(&self) -> String {
        self.core.borrow().options().namespace.clone()
    }

    /// The PBKDF2 iteration count of the stored vault's passphrase
    /// (`undefined` when there is no readable vault). After an unlock it is
    /// the configured count, unless raising it could not be written (an
    /// `upgrade_failed` change event says so).
    #[wasm_bindgen(getter)]
    pub fn iterations(&self) -> Option<u32> {
        self.core.borrow().iterations()
    }

    /// Which key-derivation implementation runs: "wasm" (pure Rust) or
    /// "webcrypto".
    #[wasm_bindgen(getter, js_name = kdfBackend, unchecked_return_type = "\"webcrypto\" | \"wasm\"")]
    pub fn kdf_backend(&self) -> String {
        self.backend.name().to_string()
    }

    /// Creates the vault and unlocks it: with a passphrase, or with
    /// `{ passkey: { name?, rpId? } }` a vault whose only unlock method is
    /// a passkey made now. Rejects with `already_exists`,
    /// `weak_passphrase`, `passkey_failed` or `passkey_unsupported`.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn create(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | CreateWithPasskey")] passphrase: JsValue,
    ) -> Promise {
        if passphrase.is_object() {
            let passkey = args::options_object(&passphrase, "create options", &["passkey"])
                .and_then(|o| o.map_or(Ok(JsValue::UNDEFINED), |o| args::get(&o, "passkey")));
            return match passkey {
                Ok(p) if p.is_object() => self.create_with_passkey(&p),
                Ok(_) => Promise::reject(&JsValue::from(Error::invalid_argument(
                    "create takes a passphrase (a string) or { passkey: { name?, rpId? } }.",
                ))),
                Err(e) => Promise::reject(&JsValue::from(e)),
            };
        }
        match passphrase_arg(&passphrase, "passphrase") {
            Ok(pass) => self.run(Op::Create, pass, None, (&passphrase, &JsValue::UNDEFINED)),
            Err(rejected) => rejected,
        }
    }

    /// Unlocks with the passphrase. Rejects with `no_vault` or
    /// `wrong_passphrase`.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn unlock(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] passphrase: JsValue,
    ) -> Promise {
        match passphrase_arg(&passphrase, "passphrase") {
            Ok(pass) => self.run(Op::Unlock, pass, None, (&passphrase, &JsValue::UNDEFINED)),
            Err(rejected) => rejected,
        }
    }

    /// Re-encrypts the vault under a new passphrase.
    #[wasm_bindgen(js_name = changePassphrase, unchecked_return_type = "Promise<void>")]
    pub fn change_passphrase(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] current: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] next: JsValue,
    ) -> Promise {
        match passphrase_arg(&current, "current passphrase")
            .and_then(|c| Ok((c, passphrase_arg(&next, "new passphrase")?)))
        {
            Ok((c, n)) => self.run(Op::Change, c, Some(n), (&current, &next)),
            Err(rejected) => rejected,
        }
    }

    /// Forgets the derived key (zeroized). Stored keys stay. With
    /// `{ everywhere: true }`, every other tab of this origin with a keyring
    /// for this namespace locks too.
    pub fn lock(&self, options: Option<LockOptionsArg>) -> Result<(), JsValue> {
        let options = options.map_or(JsValue::UNDEFINED, JsValue::from);
        let everywhere = args::lock_options(&options)?;
        self.core.borrow_mut().lock();
        self.flush();
        if let Some(r) = &self.resume {
            r.forget(everywhere);
        }
        if everywhere {
            if let Some(peers) = &self.peers {
                peers.lock_others();
            }
            if let Some(tabs) = &self.tabs {
                tabs.broadcast_lock();
            }
        }
        Ok(())
    }

    /// Validates and stores a key (needs unlocked). Returns its metadata; with
    /// `{ verify: true }` checks the key with the provider first and returns
    /// a Promise (docs/VERIFY.md).
    #[wasm_bindgen(unchecked_return_type = "KeyInfo")]
    pub fn set(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ProviderId")] provider: JsValue,
        #[wasm_bindgen(js_name = apiKey, unchecked_param_type = "string")] api_key: JsValue,
        options: Option<SetOptionsArg>,
    ) -> Result<JsValue, JsValue> {
        let options = options.map_or(JsValue::UNDEFINED, JsValue::from);
        // `{ verify: true | {...} }`: check with the provider first, return a
        // Promise (see super::verify).
        if let Some(check) = super::verify::requested(&options) {
            return Ok(self
                .set_verified(&provider, &api_key, &options, check)
                .into());
        }
        let provider = args::string(&provider, "provider")?;
        let key = zeroize::Zeroizing::new(args::string(&api_key, "apiKey")?);
        let opts = args::set_options(&options)?;
        let info = self.core.borrow_mut().set(&provider, &key, opts);
        self.flush_changed();
        self.arm_auto_lock();
        let info = info?;
        self.used();
        to_js_value(&info)
    }

    /// The stored key (needs unlocked), or undefined when none is stored or
    /// it has expired.
    #[wasm_bindgen(unchecked_return_type = "string | undefined")]
    pub fn get(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ProviderId")] provider: JsValue,
    ) -> Result<JsValue, JsValue> {
        let provider = args::string(&provider, "provider")?;
        let key = self.core.borrow_mut().get(&provider);
        self.flush();
        let key = key?;
        self.used();
        Ok(key.map_or(JsValue::UNDEFINED, |k| JsValue::from_str(k.expose())))
    }

    /// Removes a stored key (works while locked; the removal time is kept so
    /// another tab does not bring it back). Returns whether one was stored.
    pub fn remove(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ProviderId")] provider: JsValue,
    ) -> Result<bool, JsValue> {
        let provider = args::string(&provider, "provider")?;
        let r = self.core.borrow_mut().remove(&provider);
        self.flush_changed();
        Ok(r?)
    }

    /// Enables or disables a stored key. Disabling works while locked;
    /// enabling needs the keyring unlocked (`locked`). Returns whether
    /// a key is stored for the provider.
    #[wasm_bindgen(js_name = setEnabled)]
    pub fn set_enabled(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ProviderId")] provider: JsValue,
        #[wasm_bindgen(unchecked_param_type = "boolean")] enabled: JsValue,
    ) -> Result<bool, JsValue> {
        let provider = args::string(&provider, "provider")?;
        let enabled = args::boolean(&enabled, "enabled")?;
        let r = self.core.borrow_mut().set_enabled(&provider, enabled);
        self.flush_changed();
        Ok(r?)
    }

    /// Every stored key's metadata (works while locked; never the key).
    #[wasm_bindgen(unchecked_return_type = "KeyInfo[]")]
    pub fn list(&self) -> Result<JsValue, JsValue> {
        let list = self.core.borrow().list()?;
        to_js_value(&list)
    }

    /// Whether the next call to `provider` runs on the user's own key: a
    /// stored, enabled, unexpired key and the keyring unlocked.
    #[wasm_bindgen(js_name = isByok)]
    pub fn is_byok(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] provider: &JsValue,
    ) -> Result<bool, JsValue> {
        let provider = args::short_string(provider, "provider")?;
        Ok(self.core.borrow().is_byok(&provider))
    }

    /// `!isByok(provider) || platformOnly includes feature`: whether to call
    /// the deduct-credits endpoint before this call.
    /// (Declared in the TypeScript section: `feature` is optional.)
    #[wasm_bindgen(js_name = shouldDeductCredits, skip_typescript)]
    pub fn should_deduct_credits(
        &self,
        provider: &JsValue,
        feature: &JsValue,
    ) -> Result<bool, JsValue> {
        let provider = args::short_string(provider, "provider")?;
        let core = self.core.borrow();
        let is_byok = core.is_byok(&provider);
        if !is_byok {
            return Ok(true); // the feature cannot change the answer
        }
        let feature = args::opt_string(feature, "feature")?;
        Ok(core
            .options()
            .policy
            .should_deduct(is_byok, feature.as_deref()))
    }

    /// "user" when a usable user key is stored (even while locked), else
    /// "platform" when the platform serves the provider, else "none".
    #[wasm_bindgen(unchecked_return_type = "Source")]
    pub fn source(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] provider: &JsValue,
    ) -> Result<JsValue, JsValue> {
        let provider = args::short_string(provider, "provider")?;
        Ok(js_static(self.core.borrow().source(&provider).as_str()))
    }

    /// Counts one call as "byok" or "platform", by the same rule as
    /// `shouldDeductCredits`.
    #[wasm_bindgen(js_name = recordUsage)]
    pub fn record_usage(
        &self,
        #[wasm_bindgen(unchecked_param_type = "ProviderId")] provider: JsValue,
        feature: Option<OptionalString>,
    ) -> Result<(), JsValue> {
        let feature = feature.map_or(JsValue::UNDEFINED, JsValue::from);
        let provider = args::string(&provider, "provider")?;
        let feature = args::opt_string(&feature, "feature")?;
        Ok(self
            .core
            .borrow_mut()
            .record_usage(&provider, feature.as_deref())?)
    }

    /// Calls counted by `recordUsage`, per provider.
    #[wasm_bindgen(unchecked_return_type = "Record<string, Usage>")]
    pub fn usage(&self) -> Result<JsValue, JsValue> {
        to_js_value(self.core.borrow().usage())
    }

    /// Forgets this namespace entirely: its storage item is removed and the
    /// state becomes "empty".
    pub fn reset(&self) -> Result<(), JsValue> {
        let r = self.core.borrow_mut().reset();
        self.flush_changed();
        Ok(r?)
    }

    /// Calls `callback` after every change with `{ type, provider?, state }`.
    /// Returns a function that unsubscribes. Exceptions thrown by a callback
    /// are ignored (they cannot undo the change).
    #[wasm_bindgen(js_name = onChange, unchecked_return_type = "() => void")]
    pub fn on_change(
        &self,
        #[wasm_bindgen(unchecked_param_type = "(event: ChangeEvent) => void")] callback: JsValue,
    ) -> Result<JsValue, JsValue> {
        let Some(f) = callback.dyn_ref::<Function>() else {
            return Err(JsValue::from(Error::invalid_argument(
                "onChange needs a function.",
            )));
        };
        let id = self.next_listener.get();
        self.next_listener.set(id.wrapping_add(1));
        self.listeners.borrow_mut().push((id, f.clone()));
        let listeners = Rc::downgrade(&self.listeners);
        let unsubscribe = Closure::<dyn FnMut()>::new(move || {
            if let Some(l) = listeners.upgrade() {
                l.borrow_mut().retain(|(i, _)| *i != id);
            }
        });
        Ok(unsubscribe.into_js_value())
    }
}

/// A passphrase argument of an async method; a wrong type becomes the
/// rejected Promise the method returns (not a synchronous throw).
fn passphrase_arg(v: &JsValue, name: &str) -> Result<Passphrase, Promise> {
    args::string(v, name)
        .map(Passphrase::new)
        .map_err(|e| Promise::reject(&JsValue::from(e)))
}

impl JsKeyring {
    /// Runs a passphrase operation ([`super::flows`]): a Promise that
    /// settles when it ends, after the listeners were notified and the
    /// auto-lock timer armed. `js` are the same passphrases as JS strings,
    /// for WebCrypto.
    fn run(
        &self,
        op: Op,
        first: Passphrase,
        second: Option<Passphrase>,
        js: (&JsValue, &JsValue),
    ) -> Promise {
        flows::run(
            self.core.clone(),
            self.notifier(),
            self.backend.clone(),
            op,
            first,
            second,
            js,
        )
    }

    pub(super) fn notifier(&self) -> Notifier {
        Notifier {
            core: Rc::downgrade(&self.core),
            listeners: Rc::downgrade(&self.listeners),
            decisions: self.decisions.clone(),
            timer_armed: self.timer_armed.clone(),
            peers: self.peers.clone(),
            resume: self.resume.clone(),
        }
    }

    fn flush(&self) {
        self.notifier().flush();
    }

    /// After an operation that may have written storage: notifies this
    /// keyring's listeners and brings the page's other keyrings of the same
    /// item up to date (see [`super::registry`]).
    fn flush_changed(&self) {
        self.notifier().flush_with(Tell::Always);
    }

    fn arm_auto_lock(&self) {
        self.notifier().arm_auto_lock();
    }
}

/// Whether a flush also brings the page's other keyrings of the same
/// storage item up to date ([`super::registry`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Tell {
    /// Storage may have changed (a write, or an operation that may write).
    Always,
    /// Only when the keyring had something to report: an operation whose
    /// events show that it changed something.
    IfEvents,
    /// Never: the peers heard of the change themselves (a `storage` event
    /// or the lock broadcast reaches every keyring of the page), or this
    /// flush is itself a peer's update.
    Never,
}

/// What the Promise callbacks and timers hold: weak references, so a
/// dropped keyring is not kept alive by them.
#[derive(Clone)]
pub(super) struct Notifier {
    core: Weak<RefCell<Core>>,
    listeners: Weak<Listeners>,
    decisions: Rc<Decisions>,
    timer_armed: Rc<Cell<bool>>,
    peers: Option<Peers>,
    resume: Option<Resume>,
}

impl Notifier {
    /// Another tab changed the stored vault: re-read it and notify.
    fn external_change(&self) {
        self.reread();
        self.flush_with(Tell::Never);
    }

    /// Another tab asked every tab of this namespace to lock.
    fn lock_here(&self) {
        if let Some(r) = &self.resume {
            r.forget(false);
        }
        self.lock_core();
        self.flush_with(Tell::Never);
    }

    /// Whether the keyring has not been freed.
    pub(super) fn is_live(&self) -> bool {
        self.listeners.strong_count() > 0 && self.core.strong_count() > 0
    }

    /// Re-reads storage ([`Core::on_external_change`]) and updates the
    /// decision object; the events wait for [`Notifier::flush_quiet`].
    /// False when the keyring is busy (borrowed further up the stack) or
    /// gone.
    pub(super) fn reread(&self) -> bool {
        self.with_core(|c| {
            let _ = c.on_external_change();
        })
    }

    /// Locks (a `lock({ everywhere: true })` elsewhere) and updates the
    /// decision object. False when the keyring is busy or gone.
    pub(super) fn lock_core(&self) -> bool {
        self.with_core(Core::lock)
    }

    /// Runs `f` on the core and updates the decision object. False when
    /// the keyring is busy or gone.
    pub(super) fn with_core(&self, f: impl FnOnce(&mut Core)) -> bool {
        let Some(core) = self.core.upgrade() else {
            return false;
        };
        let Ok(mut c) = core.try_borrow_mut() else {
            return false;
        };
        f(&mut c);
        self.decisions.sync(&c);
        true
    }

    /// Delivers pending change events, without telling the peers.
    pub(super) fn flush_quiet(&self) {
        self.flush_with(Tell::Never);
    }

    /// Delivers pending change events to the listeners, outside any borrow
    /// of the keyring (a listener may call back into it). Tells the peers
    /// when the keyring reported a change.
    pub(super) fn flush(&self) {
        self.flush_with(Tell::IfEvents);
    }

    /// Delivers pending change events; first, per `tell`, brings the
    /// page's other keyrings of the same item up to date, so that no
    /// listener (this keyring's or theirs) sees a stale keyring.
    pub(super) fn flush_with(&self, tell: Tell) {
        let Some(core) = self.core.upgrade() else {
            return;
        };
        let Ok(mut guard) = core.try_borrow_mut() else {
            return;
        };
        self.decisions.sync(&guard);
        // After every get/set: nothing else to do unless something changed.
        let events = guard.take_events();
        let state = (!events.is_empty()).then(|| js_static(guard.state().as_str()));
        let unlocked = state.is_some() && guard.state() == State::Unlocked;
        drop(guard);
        if let Some(r) = &self.resume {
            r.after(self, &events, unlocked);
        }
        let peers = match (&self.peers, tell) {
            (Some(p), Tell::Always) => p.changed(),
            (Some(p), Tell::IfEvents) if !events.is_empty() => p.changed(),
            _ => Vec::new(),
        };
        // A freed keyring has no listeners left, but an operation it
        // started may still settle and change storage: the peers hear of it.
        if let (Some(state), Some(listeners)) = (state, self.listeners.upgrade()) {
            let targets: Vec<Function> =
                listeners.borrow().iter().map(|(_, f)| f.clone()).collect();
            for event in events {
                let Ok(payload) = to_js_value(&event) else {
                    continue;
                };
                let _ = Reflect::set(&payload, &js_static("state"), &state);
                for f in &targets {
                    let _ = f.call1(&JsValue::NULL, &payload);
                }
            }
        }
        registry::notify(&peers);
    }

    /// With `autoLockMs`, keeps one timer running while unlocked that locks
    /// the keyring (and notifies) once the idle time has passed.
    pub(super) fn arm_auto_lock(&self) {
        let Some(core) = self.core.upgrade() else {
            return;
        };
        let Some(ms) = core.borrow().options().auto_lock_ms else {
            return;
        };
        if self.timer_armed.get() || core.borrow().state() != State::Unlocked {
            return;
        }
        let Ok(set_timeout) = Reflect::get(&js_sys::global(), &"setTimeout".into()) else {
            return;
        };
        let Some(set_timeout) = set_timeout.dyn_ref::<Function>() else {
            return;
        };
        let me = self.clone();
        let tick = Closure::once_into_js(move || {
            me.timer_armed.set(false);
            if let Some(core) = me.core.upgrade() {
                if let Ok(mut c) = core.try_borrow_mut() {
                    c.check_auto_lock();
                }
            }
            me.flush();
            me.arm_auto_lock();
        });
        // Check again a little after the earliest moment the lock is due.
        let delay = (ms as f64 / 4.0).clamp(50.0, 60_000.0);
        if set_timeout
            .call2(&JsValue::NULL, &tick, &JsValue::from_f64(delay))
            .is_ok()
        {
            self.timer_armed.set(true);
        }
    }
}
