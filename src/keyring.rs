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
/// An exported vault (docs/FORMAT.md §8): the stored JSON text, still
/// encrypted, with the namespace it is bound to.
#[derive(Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ExportJson {
    format: String,
    namespace: String,
    vault: String,
}

/// How long a keyring remembers its own writes, to re-apply one that a
/// simultaneous write in another tab lost (see [`Keyring::reconcile`]).
pub const RECONCILE_WINDOW_MS: u64 = 2_000;

/// The `format` field of an exported vault.
pub const EXPORT_FORMAT: &str = "byok-keyring-export/1";
/// Wrong passphrases in a row before attempts are slowed down.
pub const FREE_ATTEMPTS: u32 = 5;
/// The first delay after [`FREE_ATTEMPTS`] failures; it doubles with each
/// further failure.
pub const FIRST_DELAY_MS: u64 = 1_000;
/// The longest delay between attempts.
pub const MAX_DELAY_MS: u64 = 30_000;
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

/// The in-memory secrets of an unlocked keyring. Everything in it is
/// zeroized when the session is dropped (lock, reset, auto-lock, drop).
struct Session {
    key: DerivedKey,
    /// The KDF parameters the key was derived with (to notice a vault that
    /// another tab re-encrypted).
    params: KdfParams,
    /// Keys decrypted by `get`, so the next `get` skips AES-GCM. Holding them
    /// exposes nothing the derived key above does not already open.
    plain: BTreeMap<&'static str, ApiKey>,
}

impl Session {
    fn new(key: DerivedKey, params: KdfParams) -> Self {
        Session {
            key,
            params,
            plain: BTreeMap::new(),
        }
    }
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
    /// Wrong passphrases in a row (unlock friction; in memory only, since a
    /// failed unlock must not write to storage).
    failures: u32,
    /// No passphrase is checked before this time.
    retry_at: u64,
    /// This keyring's recent writes, per provider, for [`Keyring::reconcile`].
    recent: Vec<RecentWrite>,
}

/// A write this keyring made: the record it left for a provider (`None`: it
/// removed it), under which KDF parameters, and when.
#[derive(Clone, Debug)]
struct RecentWrite {
    at: u64,
    kdf: KdfParams,
    provider: &'static str,
    record: Option<Record>,
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
            failures: 0,
            retry_at: 0,
            recent: Vec::new(),
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
        if let (true, Some(s)) = (keep, self.session.as_mut()) {
            s.plain.clear();
        }
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
    /// Reads the clock only when auto-lock could have locked it.
    pub fn state(&self) -> State {
        let could_time_out = self.session.is_some() && self.opts.auto_lock_ms.is_some();
        self.state_at(if could_time_out { self.now() } else { 0 })
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
        self.session = Some(Session::new(key, pending.params));
        self.touch();
        self.events.push(ChangeEvent {
            kind: ChangeKind::Created,
            provider: None,
        });
        Ok(())
    }

    /// Refuses an attempt made before the unlock-friction delay has passed.
    fn check_friction(&self) -> Result<()> {
        let now = self.now();
        if now < self.retry_at {
            let wait = self.retry_at - now;
            return Err(Error::new(
                ErrorCode::WrongPassphrase,
                format!(
                    "Too many wrong passphrases. Try again in {} s.",
                    wait.div_ceil(1000)
                ),
            )
            .with_retry_after(wait));
        }
        Ok(())
    }

    /// Counts a wrong passphrase; from the fifth in a row on, the next attempt
    /// waits 1 s, then 2 s, 4 s… up to 30 s.
    fn wrong_passphrase(&mut self) -> Error {
        self.failures = self.failures.saturating_add(1);
        if self.failures < FREE_ATTEMPTS {
            return wrong_passphrase();
        }
        let doublings = (self.failures - FREE_ATTEMPTS).min(16);
        let delay = (FIRST_DELAY_MS << doublings).min(MAX_DELAY_MS);
        self.retry_at = self.now().saturating_add(delay);
        Error::new(
            ErrorCode::WrongPassphrase,
            format!(
                "That passphrase does not unlock these keys. After {} wrong attempts, wait {} s before the next one.",
                self.failures,
                delay.div_ceil(1000)
            ),
        )
        .with_retry_after(delay)
    }

    /// Step 1 of `unlock`: the stored vault's KDF parameters.
    pub fn prepare_unlock(&mut self, passphrase: &Passphrase) -> Result<Pending> {
        self.check_friction()?;
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
        let opens =
            crypto::open(&key, &vault.check, &format::check_aad(&self.opts.namespace)).is_some();
        let upgrade = vault.kdf.iterations < self.opts.iterations;
        if !opens {
            return Err(self.wrong_passphrase());
        }
        self.failures = 0;
        self.retry_at = 0;
        let was_unlocked = self.session.is_some();
        self.session = Some(Session::new(key, pending.params));
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
        self.session = Some(Session::new(new_key, params));
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
        if let Some(s) = self.session.as_mut() {
            s.plain.clear();
        }
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

    /// Remembers what this keyring just wrote for `provider`.
    fn remember(&mut self, provider: &'static str) {
        let now = self.now();
        let Ok(vault) = self.vault() else { return };
        let write = RecentWrite {
            at: now,
            kdf: vault.kdf.clone(),
            provider,
            record: vault.records.get(provider).cloned(),
        };
        self.recent
            .retain(|w| w.provider != provider && now.saturating_sub(w.at) < RECONCILE_WINDOW_MS);
        self.recent.push(write);
    }

    /// After storage changed elsewhere (a `storage` event): re-applies this
    /// keyring's writes of the last [`RECONCILE_WINDOW_MS`] that the stored
    /// vault lost, and writes once more. Two tabs writing at the same moment
    /// each read a vault without the other's change (browsers hand
    /// localStorage writes between tabs asynchronously); this makes both
    /// converge on both changes. A later write of the same provider
    /// (`updatedAt`) wins. Returns whether it wrote.
    pub fn reconcile(&mut self) -> Result<bool> {
        let now = self.now();
        self.recent
            .retain(|w| now.saturating_sub(w.at) < RECONCILE_WINDOW_MS);
        let Stored::Vault { vault, .. } = &self.stored else {
            return Ok(false);
        };
        let mut merged = vault.clone();
        let mut changed = false;
        for w in &self.recent {
            if w.kdf != merged.kdf {
                continue; // re-keyed elsewhere: our ciphertexts no longer fit
            }
            let current = merged.records.get(w.provider);
            match &w.record {
                Some(mine)
                    if current != Some(mine)
                        && current.is_none_or(|c| c.updated_at <= mine.updated_at) =>
                {
                    merged.records.insert(w.provider.to_string(), mine.clone());
                    changed = true;
                }
                None if current.is_some_and(|c| c.updated_at <= w.at) => {
                    merged.records.remove(w.provider);
                    changed = true;
                }
                _ => {}
            }
        }
        if changed {
            self.write(merged)?;
        }
        Ok(changed)
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
        self.remember(p.id);
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
        self.session()?;
        let Some(r) = self.vault()?.records.get(p.id) else {
            return Ok(None);
        };
        if r.expires_at.is_some_and(|t| t <= now) {
            return Ok(None);
        }
        let cached = self.session.as_ref().and_then(|s| s.plain.get(p.id));
        let key = match cached {
            Some(key) => key.clone(),
            None => {
                let key = self.decrypt(p.id, r)?;
                if let Some(s) = self.session.as_mut() {
                    s.plain.insert(p.id, key.clone());
                }
                key
            }
        };
        self.touch();
        Ok(Some(key))
    }

    fn decrypt(&self, provider: &'static str, r: &Record) -> Result<ApiKey> {
        let session = self.session()?;
        let aad = format::record_aad(&self.opts.namespace, provider);
        let plain =
            crypto::open(&session.key, &r.sealed, &aad).ok_or_else(|| record_corrupt(provider))?;
        let text =
            std::str::from_utf8(format::unpad(&plain)).map_err(|_| record_corrupt(provider))?;
        Ok(ApiKey::new(text.to_string()))
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
        self.remember(p.id);
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
        self.remember(p.id);
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
        self.recent.clear();
        self.stored = Stored::Empty;
        self.refresh_active();
        self.events.push(ChangeEvent {
            kind: ChangeKind::Reset,
            provider: None,
        });
        Ok(())
    }

    // ---- moving keys in and out ----

    /// Moves a key that an app kept in plaintext (`plain.read(item)`) into
    /// the vault (needs unlocked). The plaintext item is removed only after
    /// the encrypted write succeeded; an invalid key leaves it in place. A
    /// JSON-quoted value (`"sk-…"`, as `JSON.stringify` writes) is unquoted.
    pub fn import_plaintext(
        &mut self,
        provider: &str,
        plain: &dyn Storage,
        item: &str,
    ) -> Result<KeyInfo> {
        Self::provider(provider)?;
        let Some(text) = plain.read(item)?.map(ApiKey::new) else {
            return Err(Error::invalid_argument(
                "There is no plaintext key under that storage name.",
            ));
        };
        let unquoted = serde_json::from_str::<String>(text.expose())
            .ok()
            .map(ApiKey::new);
        let key = unquoted.as_ref().unwrap_or(&text);
        let info = self.set(provider, key.expose(), SetOptions::default())?;
        plain.remove(item).map_err(|_| {
            Error::new(
                ErrorCode::StorageUnavailable,
                "The key was saved encrypted, but the browser refused to remove the plaintext copy.",
            )
        })?;
        Ok(info)
    }

    /// The stored vault, still encrypted, wrapped with its namespace, for
    /// moving it to another browser ([`Keyring::import_vault`]). The
    /// passphrase moves with the user, not with the export.
    pub fn export_vault(&mut self) -> Result<String> {
        self.reload()?;
        let Stored::Vault { text, .. } = &self.stored else {
            return Err(match &self.stored {
                Stored::Corrupt { why, .. } => Error::corrupt(why),
                _ => Error::no_vault(),
            });
        };
        let export = ExportJson {
            format: EXPORT_FORMAT.to_string(),
            namespace: self.opts.namespace.clone(),
            vault: text.clone(),
        };
        Ok(serde_json::to_string(&export).unwrap_or_default())
    }

    /// Stores a vault exported by [`Keyring::export_vault`] in this
    /// (empty) namespace. The export must be of the same namespace: records
    /// are bound to it and would not decrypt elsewhere. The keyring stays
    /// locked; unlock it with the vault's passphrase.
    pub fn import_vault(&mut self, export: &str) -> Result<()> {
        let bad = || Error::invalid_argument("This is not a vault exported by byok-keyring.");
        if export.len() > format::MAX_VAULT_BYTES * 2 {
            return Err(bad());
        }
        let export: ExportJson = serde_json::from_str(export).map_err(|_| bad())?;
        if export.format != EXPORT_FORMAT {
            return Err(bad());
        }
        if export.namespace != self.opts.namespace {
            return Err(Error::invalid_argument(
                "This export belongs to another namespace (another user); open a Keyring with that namespace to import it.",
            ));
        }
        let vault = Vault::parse(&export.vault).map_err(Error::corrupt)?;
        self.reload()?;
        if !matches!(self.stored, Stored::Empty) {
            return Err(Error::new(
                ErrorCode::AlreadyExists,
                "A vault already exists here; reset() it first to replace it with the import.",
            ));
        }
        self.write(vault)?;
        self.events.push(ChangeEvent {
            kind: ChangeKind::External,
            provider: None,
        });
        Ok(())
    }

    /// The namespace stored in an export, so a caller can open the right
    /// keyring before importing.
    pub fn export_namespace(export: &str) -> Option<String> {
        let export: ExportJson = serde_json::from_str(export).ok()?;
        (export.format == EXPORT_FORMAT).then_some(export.namespace)
    }

    // ---- the credit decision (hot path: no allocation, no storage read) ----

    /// `Some(expires_at)` when an enabled key is stored for `provider`.
    fn active_key(&self, provider: &str) -> Option<Option<u64>> {
        providers::index_of(provider).and_then(|i| self.active[i])
    }

    /// Whether a stored, enabled, unexpired key for `provider` exists.
    fn has_user_key(&self, provider: &str) -> bool {
        match self.active_key(provider) {
            Some(None) => true,
            Some(Some(expires_at)) => self.now() < expires_at,
            None => false,
        }
    }

    /// Whether the next call to `provider` runs on the user's own key: a
    /// stored, enabled, unexpired key exists and the keyring is unlocked.
    /// Reads the clock only when the key expires or auto-lock is on.
    pub fn is_byok(&self, provider: &str) -> bool {
        let Some(expires_at) = self.active_key(provider) else {
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
