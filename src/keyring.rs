//! The keyring: one namespace's vault, its lock state, and the operations on
//! it. Pure Rust; storage and the clock are injected.
//!
//! Key derivation is slow (hundreds of milliseconds) and, in the browser,
//! asynchronous. So the passphrase operations are split into a synchronous
//! *prepare* step that returns the KDF parameters and a *finish* step that
//! takes the derived key; [`crate::flows`] runs them with a [`crate::Kdf`]
//! without holding any borrow of the keyring while the key is derived.

use crate::credits::{CreditPolicy, Source, Usage, UsageTable};
use crate::crypto::{self, DerivedKey};
use crate::error::{Error, ErrorCode, Result};
use crate::format::{self, FormatError, KdfParams, Record, Vault};
use crate::providers;
use crate::secret::{ApiKey, Passphrase};
use crate::storage::Storage;
use crate::validate::validate;
use serde::Serialize;
use std::collections::BTreeMap;

/// Longest namespace accepted, in bytes.
pub const MAX_NAMESPACE_LEN: usize = 256;
/// Longest model id accepted, in bytes.
pub const MAX_MODEL_LEN: usize = 256;
/// Longest passphrase accepted, in bytes.
pub const MAX_PASSPHRASE_LEN: usize = 4096;
/// Longest `expiresInMs` accepted: about ten years.
pub const MAX_EXPIRES_IN_MS: u64 = 10 * 366 * 24 * 3600 * 1000;
/// Longest `autoLockMs` accepted: one week.
pub const MAX_AUTO_LOCK_MS: u64 = 7 * 24 * 3600 * 1000;
/// Longest feature or provider-id entry in the options, in bytes.
const MAX_LABEL_LEN: usize = 256;
/// Most entries in `platformOnly` / `platformProviders`.
const MAX_LABELS: usize = 256;

/// A source of the current time in milliseconds since the Unix epoch.
pub type Clock = Box<dyn Fn() -> u64>;

/// The system clock (`Date.now()` in the browser).
pub fn system_clock() -> Clock {
    #[cfg(target_arch = "wasm32")]
    {
        Box::new(|| js_sys::Date::now() as u64)
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        Box::new(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis() as u64)
                .unwrap_or(0)
        })
    }
}

/// Keyring options (the `new Keyring({...})` object), already checked.
#[derive(Clone, Debug)]
pub struct Options {
    /// One vault per signed-in user. Default `"default"`.
    pub namespace: String,
    /// PBKDF2 iterations for new vaults and upgrades. Default 600,000.
    pub iterations: u32,
    /// Shortest passphrase `create` / `changePassphrase` accept. Default 8.
    pub min_passphrase_length: usize,
    /// Features the platform always pays for, and providers it serves.
    pub policy: CreditPolicy,
    /// Lock after this long without use. Default: never.
    pub auto_lock_ms: Option<u64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            namespace: "default".to_string(),
            iterations: format::DEFAULT_ITERATIONS,
            min_passphrase_length: 8,
            policy: CreditPolicy::default(),
            auto_lock_ms: None,
        }
    }
}

impl Options {
    /// Checks every option, with a message naming the one that is wrong.
    pub fn check(&self) -> Result<()> {
        let ns = &self.namespace;
        if ns.is_empty() || ns.len() > MAX_NAMESPACE_LEN || ns.chars().any(char::is_control) {
            return Err(Error::invalid_argument(format!(
                "namespace must be 1 to {MAX_NAMESPACE_LEN} bytes without control characters."
            )));
        }
        if !(format::MIN_ITERATIONS..=format::MAX_ITERATIONS).contains(&self.iterations) {
            return Err(Error::invalid_argument(format!(
                "iterations must be between {} and {}.",
                format::MIN_ITERATIONS,
                format::MAX_ITERATIONS
            )));
        }
        if self.min_passphrase_length > 1024 {
            return Err(Error::invalid_argument(
                "minPassphraseLength must be at most 1024.",
            ));
        }
        if self
            .auto_lock_ms
            .is_some_and(|ms| ms == 0 || ms > MAX_AUTO_LOCK_MS)
        {
            return Err(Error::invalid_argument(format!(
                "autoLockMs must be between 1 and {MAX_AUTO_LOCK_MS} (one week)."
            )));
        }
        for (name, list) in [
            ("platformOnly", &self.policy.platform_only),
            ("platformProviders", &self.policy.platform_providers),
        ] {
            if list.len() > MAX_LABELS
                || list.iter().any(|s| s.is_empty() || s.len() > MAX_LABEL_LEN)
            {
                return Err(Error::invalid_argument(format!(
                    "{name} must hold at most {MAX_LABELS} non-empty names of at most {MAX_LABEL_LEN} bytes."
                )));
            }
        }
        for p in &self.policy.platform_providers {
            if providers::find(p).is_none() {
                return Err(Error::unknown_provider(p));
            }
        }
        Ok(())
    }
}

/// The keyring's state (`kr.state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// No vault in this namespace.
    Empty,
    /// A vault exists; its keys cannot be read until `unlock`.
    Locked,
    /// The derived key is in memory; keys can be read and written.
    Unlocked,
}

impl State {
    /// The string form used in JavaScript.
    pub fn as_str(self) -> &'static str {
        match self {
            State::Empty => "empty",
            State::Locked => "locked",
            State::Unlocked => "unlocked",
        }
    }
}

/// What `set` accepts besides the key.
#[derive(Clone, Debug, Default)]
pub struct SetOptions {
    /// Model id to use with this key.
    pub model: Option<String>,
    /// The key stops being used this many milliseconds from now.
    pub expires_in_ms: Option<u64>,
}

/// What `list()` and `set()` return about a stored key: never the key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyInfo {
    /// Provider id.
    pub provider: &'static str,
    /// Provider display name.
    pub name: &'static str,
    /// The masked key (at most its first and last 4 characters).
    pub masked: String,
    /// The chosen model id, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Whether the key is used.
    pub enabled: bool,
    /// Milliseconds since the Unix epoch.
    pub created_at: u64,
    /// Milliseconds since the Unix epoch.
    pub updated_at: u64,
    /// When the key stops being used, if it expires.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    /// Whether `expires_at` has passed.
    pub expired: bool,
}

/// What changed (`onChange` payloads). Never carries a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// A vault was created.
    Created,
    /// The keyring was unlocked.
    Unlocked,
    /// The keyring was locked (by `lock`, auto-lock or another tab).
    Locked,
    /// A key was added or replaced.
    Set,
    /// A key was removed.
    Removed,
    /// A key was enabled or disabled.
    Enabled,
    /// The passphrase was changed (or the vault re-encrypted on upgrade).
    Rekeyed,
    /// The namespace was forgotten.
    Reset,
    /// Storage was changed by someone else (another tab).
    External,
}

/// One change notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ChangeEvent {
    /// What happened.
    #[serde(rename = "type")]
    pub kind: ChangeKind,
    /// The provider concerned, for key changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<&'static str>,
}

/// What storage holds for this namespace, as last read.
#[derive(Clone, Debug)]
enum Stored {
    Empty,
    Vault { vault: Vault, text: String },
    Corrupt { why: FormatError, text: String },
}

/// The in-memory secrets of an unlocked keyring.
struct Session {
    key: DerivedKey,
    /// The KDF parameters the key was derived with (to notice a vault that
    /// another tab re-encrypted).
    params: KdfParams,
}

/// A prepared derivation: which parameters to derive with, and for which
/// stored vault (so a finish step notices storage that changed meanwhile).
#[derive(Clone, Debug)]
pub struct Pending {
    /// Parameters to derive the key with.
    pub params: KdfParams,
}

/// One namespace's keyring. See the crate documentation for an example.
pub struct Keyring {
    opts: Options,
    storage: Box<dyn Storage>,
    storage_key: String,
    stored: Stored,
    session: Option<Session>,
    /// Per provider index: `Some(expires_at)` when an enabled key is stored.
    active: [Option<Option<u64>>; 64],
    usage: UsageTable,
    events: Vec<ChangeEvent>,
    clock: Clock,
    last_use: u64,
}

impl std::fmt::Debug for Keyring {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keyring")
            .field("namespace", &self.opts.namespace)
            .field("state", &self.state_at(self.now()))
            .finish_non_exhaustive()
    }
}

impl Keyring {
    /// Opens the keyring of `opts.namespace` on `storage`. A corrupt stored
    /// vault does not fail construction: it is reported by the operations
    /// that need it, and kept as is until [`Keyring::reset`].
    pub fn new(opts: Options, storage: Box<dyn Storage>, clock: Clock) -> Result<Keyring> {
        opts.check()?;
        let storage_key = format::storage_key(&opts.namespace);
        let mut kr = Keyring {
            opts,
            storage,
            storage_key,
            stored: Stored::Empty,
            session: None,
            active: [None; 64],
            usage: UsageTable::new(),
            events: Vec::new(),
            last_use: 0,
            clock,
        };
        kr.reload()?;
        Ok(kr)
    }

    fn now(&self) -> u64 {
        (self.clock)()
    }

    /// The checked options.
    pub fn options(&self) -> &Options {
        &self.opts
    }

    /// The storage item name (`byok-keyring:<namespace>`).
    pub fn storage_key(&self) -> &str {
        &self.storage_key
    }

    // ---- reading storage ----

    /// Re-reads storage. Returns whether what is stored changed. If the
    /// vault was re-keyed or removed elsewhere, the keyring locks.
    pub fn reload(&mut self) -> Result<bool> {
        let text = self.storage.read(&self.storage_key)?;
        let same = match (&self.stored, &text) {
            (Stored::Empty, None) => true,
            (Stored::Vault { text: a, .. } | Stored::Corrupt { text: a, .. }, Some(b)) => a == b,
            _ => false,
        };
        if same {
            return Ok(false);
        }
        self.stored = match text {
            None => Stored::Empty,
            Some(text) => match Vault::parse(&text) {
                Ok(vault) => Stored::Vault { vault, text },
                Err(why) => Stored::Corrupt { why, text },
            },
        };
        // A session survives only if the vault it opened is still there
        // with the same key.
        let keep = match (&self.session, &self.stored) {
            (Some(s), Stored::Vault { vault, .. }) => {
                vault.kdf == s.params
                    && crypto::open(
                        &s.key,
                        &vault.check,
                        &format::check_aad(&self.opts.namespace),
                    )
                    .is_some()
            }
            _ => false,
        };
        if !keep && self.session.take().is_some() {
            self.events.push(ChangeEvent {
                kind: ChangeKind::Locked,
                provider: None,
            });
        }
        self.refresh_active();
        Ok(true)
    }

    fn refresh_active(&mut self) {
        self.active = [None; 64];
        if let Stored::Vault { vault, .. } = &self.stored {
            for (id, r) in &vault.records {
                if let Some(i) = providers::index_of(id) {
                    if r.enabled {
                        self.active[i] = Some(r.expires_at);
                    }
                }
            }
        }
    }

    fn vault(&self) -> Result<&Vault> {
        match &self.stored {
            Stored::Empty => Err(Error::no_vault()),
            Stored::Vault { vault, .. } => Ok(vault),
            Stored::Corrupt { why, .. } => Err(Error::corrupt(why)),
        }
    }

    // ---- state ----

    fn timed_out(&self, now: u64) -> bool {
        self.session.is_some()
            && self
                .opts
                .auto_lock_ms
                .is_some_and(|ms| now.saturating_sub(self.last_use) >= ms)
    }

    fn state_at(&self, now: u64) -> State {
        match self.stored {
            Stored::Empty => State::Empty,
            _ if self.session.is_some() && !self.timed_out(now) => State::Unlocked,
            _ => State::Locked,
        }
    }

    /// `"empty"`, `"locked"` or `"unlocked"`.
    pub fn state(&self) -> State {
        self.state_at(self.now())
    }

    /// Locks now if `autoLockMs` has passed without use. Called before every
    /// operation; the wasm layer also calls it from a timer.
    pub fn check_auto_lock(&mut self) {
        if self.timed_out(self.now()) {
            self.lock();
        }
    }

    fn touch(&mut self) {
        self.last_use = self.now();
    }

    /// The unlocked session; callers run [`Keyring::check_auto_lock`] first.
    fn session(&self) -> Result<&Session> {
        self.vault()?;
        self.session.as_ref().ok_or_else(Error::locked)
    }

    /// Forgets the derived key (zeroized). Keys stay stored.
    pub fn lock(&mut self) {
        if self.session.take().is_some() {
            self.events.push(ChangeEvent {
                kind: ChangeKind::Locked,
                provider: None,
            });
        }
    }

    // ---- create / unlock / change passphrase (see crate::flows) ----

    fn check_passphrase_strength(&self, passphrase: &Passphrase) -> Result<()> {
        if passphrase.as_bytes().len() > MAX_PASSPHRASE_LEN {
            return Err(Error::invalid_argument(format!(
                "The passphrase is longer than {MAX_PASSPHRASE_LEN} bytes."
            )));
        }
        if passphrase.char_count() < self.opts.min_passphrase_length {
            return Err(Error::new(
                ErrorCode::WeakPassphrase,
                format!(
                    "Choose a passphrase of at least {} characters.",
                    self.opts.min_passphrase_length
                ),
            ));
        }
        Ok(())
    }

    fn fresh_params(&self) -> Result<KdfParams> {
        Ok(KdfParams {
            salt: crypto::random().map_err(random_failed)?,
            iterations: self.opts.iterations,
        })
    }

    /// Step 1 of `create`: checks that there is no vault and the passphrase
    /// is long enough; returns parameters with a fresh salt.
    pub fn prepare_create(&mut self, passphrase: &Passphrase) -> Result<Pending> {
        self.reload()?;
        match &self.stored {
            Stored::Empty => {}
            Stored::Vault { .. } => {
                return Err(Error::new(
                    ErrorCode::AlreadyExists,
                    "A vault already exists here. Unlock it with its passphrase, or reset() to start over.",
                ))
            }
            Stored::Corrupt { why, .. } => return Err(Error::corrupt(why)),
        }
        self.check_passphrase_strength(passphrase)?;
        Ok(Pending {
            params: self.fresh_params()?,
        })
    }

    /// Step 2 of `create`: writes the new, empty vault and unlocks.
    pub fn finish_create(&mut self, pending: Pending, key: DerivedKey) -> Result<()> {
        self.reload()?;
        if !matches!(self.stored, Stored::Empty) {
            return Err(Error::new(
                ErrorCode::AlreadyExists,
                "A vault was created here meanwhile (another tab?). Unlock it instead.",
            ));
        }
        let vault = Vault {
            check: self.seal_check(&key)?,
            kdf: pending.params.clone(),
            records: BTreeMap::new(),
        };
        self.write(vault)?;
        self.session = Some(Session {
            key,
            params: pending.params,
        });
        self.touch();
        self.events.push(ChangeEvent {
            kind: ChangeKind::Created,
            provider: None,
        });
        Ok(())
    }

    /// Step 1 of `unlock`: the stored vault's KDF parameters.
    pub fn prepare_unlock(&mut self, passphrase: &Passphrase) -> Result<Pending> {
        self.reload()?;
        let vault = self.vault()?;
        if passphrase.as_bytes().len() > MAX_PASSPHRASE_LEN {
            return Err(wrong_passphrase());
        }
        Ok(Pending {
            params: vault.kdf.clone(),
        })
    }

    /// Step 2 of `unlock`: checks the key against the vault. On success the
    /// keyring is unlocked, and if the vault uses fewer iterations than the
    /// options ask for, returns the parameters to re-encrypt it with
    /// ([`Keyring::finish_upgrade`]).
    pub fn finish_unlock(&mut self, pending: Pending, key: DerivedKey) -> Result<Option<Pending>> {
        self.reload()?;
        let vault = self.vault()?;
        if vault.kdf != pending.params {
            return Err(Error::new(
                ErrorCode::WrongPassphrase,
                "The vault was changed while unlocking (another tab?). Try again.",
            ));
        }
        if crypto::open(&key, &vault.check, &format::check_aad(&self.opts.namespace)).is_none() {
            return Err(wrong_passphrase());
        }
        let upgrade = vault.kdf.iterations < self.opts.iterations;
        let was_unlocked = self.session.is_some();
        self.session = Some(Session {
            key,
            params: pending.params,
        });
        self.touch();
        if !was_unlocked {
            self.events.push(ChangeEvent {
                kind: ChangeKind::Unlocked,
                provider: None,
            });
        }
        if upgrade {
            Ok(Some(Pending {
                params: self.fresh_params()?,
            }))
        } else {
            Ok(None)
        }
    }

    /// Re-encrypts every record under `new_key` (derived with
    /// `pending.params`) in one write, and keeps the keyring unlocked with it.
    /// Needs the keyring unlocked with the current key.
    pub fn finish_upgrade(&mut self, pending: Pending, new_key: DerivedKey) -> Result<()> {
        self.rekey(pending.params, new_key)
    }

    /// Step 1 of `changePassphrase`: checks the new passphrase and returns the
    /// current vault's parameters (to derive the current key with).
    pub fn prepare_change(&mut self, current: &Passphrase, next: &Passphrase) -> Result<Pending> {
        self.reload()?;
        self.vault()?;
        self.check_passphrase_strength(next)?;
        self.prepare_unlock(current)
    }

    /// Step 2 of `changePassphrase`: checks the current key, returns
    /// parameters with a fresh salt for the new passphrase.
    pub fn verify_current(&mut self, pending: Pending, current_key: DerivedKey) -> Result<Pending> {
        self.finish_unlock(pending, current_key)?;
        Ok(Pending {
            params: self.fresh_params()?,
        })
    }

    /// Step 3 of `changePassphrase`: re-encrypts everything under the new key.
    pub fn finish_change(&mut self, pending: Pending, new_key: DerivedKey) -> Result<()> {
        self.rekey(pending.params, new_key)
    }

    fn rekey(&mut self, params: KdfParams, new_key: DerivedKey) -> Result<()> {
        self.reload()?;
        self.check_auto_lock();
        let ns = self.opts.namespace.clone();
        let old = self.session()?;
        let vault = self.vault()?;
        let mut records = BTreeMap::new();
        for (provider, r) in &vault.records {
            let aad = format::record_aad(&ns, provider);
            let plain =
                crypto::open(&old.key, &r.sealed, &aad).ok_or_else(|| record_corrupt(provider))?;
            let sealed = crypto::seal(&new_key, &plain, &aad).map_err(random_failed)?;
            records.insert(
                provider.clone(),
                Record {
                    sealed,
                    ..r.clone()
                },
            );
        }
        let next = Vault {
            kdf: params.clone(),
            check: self.seal_check(&new_key)?,
            records,
        };
        self.write(next)?;
        self.session = Some(Session {
            key: new_key,
            params,
        });
        self.touch();
        self.events.push(ChangeEvent {
            kind: ChangeKind::Rekeyed,
            provider: None,
        });
        Ok(())
    }

    fn seal_check(&self, key: &DerivedKey) -> Result<crypto::Sealed> {
        crypto::seal(key, b"", &format::check_aad(&self.opts.namespace)).map_err(random_failed)
    }

    // ---- writing ----

    /// Writes `vault` with one `setItem`; only on success does the in-memory
    /// view change.
    fn write(&mut self, vault: Vault) -> Result<()> {
        let text = vault.to_json();
        self.storage.write(&self.storage_key, &text)?;
        self.stored = Stored::Vault { vault, text };
        self.refresh_active();
        Ok(())
    }

    /// Applies `change` to the freshly re-read vault (so a change made by
    /// another tab meanwhile is kept) and writes the result.
    fn update(&mut self, change: impl FnOnce(&mut Vault) -> Result<()>) -> Result<()> {
        self.reload()?;
        let mut vault = self.vault()?.clone();
        change(&mut vault)?;
        self.write(vault)
    }

    fn provider(id: &str) -> Result<&'static providers::Provider> {
        providers::find(id).ok_or_else(|| Error::unknown_provider(id))
    }

    /// Validates and stores a key (needs unlocked). Surrounding whitespace is
    /// trimmed. Replacing a key keeps its `createdAt`.
    pub fn set(&mut self, provider: &str, api_key: &str, opts: SetOptions) -> Result<KeyInfo> {
        let p = Self::provider(provider)?;
        let validation = validate(p.id, api_key);
        if !validation.valid {
            return Err(Error::invalid_key(validation));
        }
        let key = api_key.trim();
        if let Some(model) = &opts.model {
            if model.len() > MAX_MODEL_LEN || model.chars().any(char::is_control) {
                return Err(Error::invalid_argument(format!(
                    "model must be at most {MAX_MODEL_LEN} bytes without control characters."
                )));
            }
        }
        if opts
            .expires_in_ms
            .is_some_and(|ms| ms == 0 || ms > MAX_EXPIRES_IN_MS)
        {
            return Err(Error::invalid_argument(
                "expiresInMs must be a positive number of milliseconds, at most ten years.",
            ));
        }
        self.check_auto_lock();
        let now = self.now();
        let aad = format::record_aad(&self.opts.namespace, p.id);
        let sealed = crypto::seal(&self.session()?.key, &format::pad(key.as_bytes()), &aad)
            .map_err(random_failed)?;
        let masked = crate::mask(key);
        let model = opts.model.filter(|m| !m.trim().is_empty());
        self.update(|vault| {
            let created_at = vault.records.get(p.id).map_or(now, |r| r.created_at);
            vault.records.insert(
                p.id.to_string(),
                Record {
                    sealed,
                    masked,
                    model,
                    enabled: true,
                    created_at,
                    updated_at: now,
                    expires_at: opts.expires_in_ms.map(|ms| now.saturating_add(ms)),
                },
            );
            Ok(())
        })?;
        self.touch();
        self.events.push(ChangeEvent {
            kind: ChangeKind::Set,
            provider: Some(p.id),
        });
        self.info(p.id)
    }

    fn info(&self, provider: &str) -> Result<KeyInfo> {
        let now = self.now();
        self.vault()?
            .records
            .get(provider)
            .and_then(|r| key_info(provider, r, now))
            .ok_or_else(|| Error::invalid_argument("No key is stored for this provider."))
    }

    /// The stored key (needs unlocked); `None` when none is stored or it has
    /// expired. A disabled key is still returned.
    pub fn get(&mut self, provider: &str) -> Result<Option<ApiKey>> {
        let p = Self::provider(provider)?;
        self.check_auto_lock();
        let now = self.now();
        let ns = &self.opts.namespace;
        let session = self.session()?;
        let vault = self.vault()?;
        let Some(r) = vault.records.get(p.id) else {
            return Ok(None);
        };
        if r.expires_at.is_some_and(|t| t <= now) {
            return Ok(None);
        }
        let plain = crypto::open(&session.key, &r.sealed, &format::record_aad(ns, p.id))
            .ok_or_else(|| record_corrupt(p.id))?;
        let text = std::str::from_utf8(format::unpad(&plain))
            .map_err(|_| record_corrupt(p.id))?
            .to_string();
        self.touch();
        Ok(Some(ApiKey::new(text)))
    }

    /// Removes a stored key. Works while locked (it needs no key material).
    /// Returns whether a key was stored.
    pub fn remove(&mut self, provider: &str) -> Result<bool> {
        let p = Self::provider(provider)?;
        self.check_auto_lock();
        if !self.vault()?.records.contains_key(p.id) {
            return Ok(false);
        }
        let mut removed = false;
        self.update(|vault| {
            removed = vault.records.remove(p.id).is_some();
            Ok(())
        })?;
        if removed {
            self.events.push(ChangeEvent {
                kind: ChangeKind::Removed,
                provider: Some(p.id),
            });
        }
        Ok(removed)
    }

    /// Enables or disables a stored key. Works while locked. Returns whether
    /// a key is stored for the provider.
    pub fn set_enabled(&mut self, provider: &str, enabled: bool) -> Result<bool> {
        let p = Self::provider(provider)?;
        self.check_auto_lock();
        match self.vault()?.records.get(p.id) {
            None => return Ok(false),
            Some(r) if r.enabled == enabled => return Ok(true),
            Some(_) => {}
        }
        let now = self.now();
        let mut found = false;
        self.update(|vault| {
            if let Some(r) = vault.records.get_mut(p.id) {
                r.enabled = enabled;
                r.updated_at = now;
                found = true;
            }
            Ok(())
        })?;
        if found {
            self.events.push(ChangeEvent {
                kind: ChangeKind::Enabled,
                provider: Some(p.id),
            });
        }
        Ok(found)
    }

    /// Every stored key's metadata, in provider-id order. Works while locked;
    /// never contains a key.
    pub fn list(&self) -> Result<Vec<KeyInfo>> {
        let now = self.now();
        match &self.stored {
            Stored::Empty => Ok(Vec::new()),
            Stored::Corrupt { why, .. } => Err(Error::corrupt(why)),
            Stored::Vault { vault, .. } => Ok(vault
                .records
                .iter()
                .filter_map(|(id, r)| key_info(id, r, now))
                .collect()),
        }
    }

    /// Forgets this namespace: removes its storage item and locks.
    pub fn reset(&mut self) -> Result<()> {
        self.storage.remove(&self.storage_key)?;
        self.session = None;
        self.stored = Stored::Empty;
        self.refresh_active();
        self.events.push(ChangeEvent {
            kind: ChangeKind::Reset,
            provider: None,
        });
        Ok(())
    }

    // ---- the credit decision (hot path: no allocation, no storage read) ----

    /// Whether a stored, enabled, unexpired key for `provider` exists.
    fn has_user_key(&self, provider: &str) -> bool {
        match providers::index_of(provider).and_then(|i| self.active[i]) {
            Some(None) => true,
            Some(Some(expires_at)) => self.now() < expires_at,
            None => false,
        }
    }

    /// Whether the next call to `provider` runs on the user's own key: a
    /// stored, enabled, unexpired key exists and the keyring is unlocked.
    /// Reads the clock only when the key expires or auto-lock is on.
    pub fn is_byok(&self, provider: &str) -> bool {
        let Some(expires_at) = providers::index_of(provider).and_then(|i| self.active[i]) else {
            return false;
        };
        if self.session.is_none() {
            return false;
        }
        if expires_at.is_none() && self.opts.auto_lock_ms.is_none() {
            return true;
        }
        let now = self.now();
        !self.timed_out(now) && expires_at.is_none_or(|t| now < t)
    }

    /// `!isByok(provider) || platformOnly contains feature`.
    pub fn should_deduct_credits(&self, provider: &str, feature: Option<&str>) -> bool {
        self.opts
            .policy
            .should_deduct(self.is_byok(provider), feature)
    }

    /// Who would pay: the user's key (even while locked), else the platform
    /// if it serves the provider, else nobody.
    pub fn source(&self, provider: &str) -> Source {
        self.opts
            .policy
            .source(self.has_user_key(provider), provider)
    }

    /// Counts one call by the same rule as [`Keyring::should_deduct_credits`].
    pub fn record_usage(&mut self, provider: &str, feature: Option<&str>) -> Result<()> {
        let p = Self::provider(provider)?;
        let deduct = self.should_deduct_credits(p.id, feature);
        let u = self.usage.entry(p.id).or_default();
        if deduct {
            u.platform += 1;
        } else {
            u.byok += 1;
        }
        Ok(())
    }

    /// Usage counted by [`Keyring::record_usage`] since construction.
    pub fn usage(&self) -> &BTreeMap<&'static str, Usage> {
        &self.usage
    }

    // ---- notifications ----

    /// Takes the change notifications produced since the last call.
    pub fn take_events(&mut self) -> Vec<ChangeEvent> {
        std::mem::take(&mut self.events)
    }

    /// Records that storage was changed elsewhere (after [`Keyring::reload`]
    /// returned `true` from a storage event).
    pub fn note_external_change(&mut self) {
        self.events.push(ChangeEvent {
            kind: ChangeKind::External,
            provider: None,
        });
    }
}

fn key_info(provider: &str, r: &Record, now: u64) -> Option<KeyInfo> {
    let p = providers::find(provider)?;
    Some(KeyInfo {
        provider: p.id,
        name: p.name,
        masked: r.masked.clone(),
        model: r.model.clone(),
        enabled: r.enabled,
        created_at: r.created_at,
        updated_at: r.updated_at,
        expires_at: r.expires_at,
        expired: r.expires_at.is_some_and(|t| t <= now),
    })
}

fn wrong_passphrase() -> Error {
    Error::new(
        ErrorCode::WrongPassphrase,
        "That passphrase does not unlock these keys. Check it and try again.",
    )
}

fn record_corrupt(provider: &str) -> Error {
    let name = providers::find(provider).map_or("a provider", |p| p.name);
    Error::corrupt(format!(
        "the stored key for {name} does not decrypt (it was modified outside byok-keyring)"
    ))
}

fn random_failed(_: getrandom::Error) -> Error {
    Error::new(
        ErrorCode::StorageUnavailable,
        "This environment has no secure random number generator (crypto.getRandomValues).",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::MemoryStorage;

    #[test]
    fn options_are_checked() {
        let bad = |f: fn(&mut Options)| {
            let mut o = Options::default();
            f(&mut o);
            o.check().unwrap_err().code()
        };
        assert_eq!(bad(|o| o.iterations = 99_999), ErrorCode::InvalidArgument);
        assert_eq!(
            bad(|o| o.iterations = 10_000_001),
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            bad(|o| o.namespace = String::new()),
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            bad(|o| o.namespace = "a\0b".into()),
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            bad(|o| o.auto_lock_ms = Some(0)),
            ErrorCode::InvalidArgument
        );
        assert_eq!(
            bad(|o| o.policy.platform_providers = vec!["nope".into()]),
            ErrorCode::UnknownProvider
        );
        assert!(Options::default().check().is_ok());
    }

    #[test]
    fn debug_shows_no_secret() {
        let kr = Keyring::new(
            Options::default(),
            Box::new(MemoryStorage::new()),
            system_clock(),
        )
        .unwrap();
        assert_eq!(
            format!("{kr:?}"),
            "Keyring { namespace: \"default\", state: Empty, .. }"
        );
    }
}
