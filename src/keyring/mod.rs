//! The keyring: one namespace's vault, its lock state, and the operations on
//! it. Pure Rust; storage and the clock are injected.
//!
//! Key derivation is slow (hundreds of milliseconds) and, in the browser,
//! asynchronous. So the passphrase operations are split into a synchronous
//! *prepare* step that returns the KDF parameters and a *finish* step that
//! takes the derived key; [`crate::flows`] runs them with a [`crate::Kdf`]
//! without holding any borrow of the keyring while the key is derived.
//!
//! The operations live in files named for what they hold: [`options`]
//! (checked options), `unlock` (create, unlock, passphrase change and the
//! unlock delay), `keys` (set, get, remove, list), `tab_sync` (another
//! tab's change), `transfer` (import and export) and `decisions` (the credit
//! decision and its snapshot for the JavaScript hot path).

mod decisions;
mod keys;
pub mod options;
mod tab_sync;
mod transfer;
mod unlock;

pub use decisions::Snapshot;
pub use options::{Options, SetOptions};
pub use transfer::EXPORT_FORMAT;

use crate::credits::UsageTable;
use crate::crypto::{self, DerivedKey};
use crate::error::{Error, ErrorCode, Result};
use crate::format::{self, FormatError, KdfParams, Record, Vault};
use crate::providers;
use crate::secret::ApiKey;
use crate::storage::Storage;
use serde::Serialize;
use tab_sync::RecentWrite;

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
    plain: litemap::LiteMap<&'static str, ApiKey>,
}

impl Session {
    fn new(key: DerivedKey, params: KdfParams) -> Self {
        Session {
            key,
            params,
            plain: litemap::LiteMap::new(),
        }
    }
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
    /// Bumped whenever a credit decision may change (see
    /// [`Keyring::generation`]).
    generation: u64,
    /// Wrong passphrases in a row (unlock friction; in memory only, since a
    /// failed unlock must not write to storage).
    failures: u32,
    /// No passphrase is checked before this time.
    retry_at: u64,
    /// This keyring's recent writes, per provider, for [`Keyring::reconcile`].
    recent: Vec<RecentWrite>,
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
            generation: 0,
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
        self.generation = self.generation.wrapping_add(1);
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
        if self.opts.auto_lock_ms.is_some() {
            self.generation = self.generation.wrapping_add(1);
        }
    }

    /// The unlocked session; callers run [`Keyring::check_auto_lock`] first.
    fn session(&self) -> Result<&Session> {
        self.vault()?;
        self.session.as_ref().ok_or_else(Error::locked)
    }

    /// Unlocks with `session`.
    fn start_session(&mut self, session: Session) {
        self.session = Some(session);
        self.generation = self.generation.wrapping_add(1);
    }

    /// Forgets the derived key (zeroized). Keys stay stored.
    pub fn lock(&mut self) {
        if self.session.take().is_some() {
            self.generation = self.generation.wrapping_add(1);
            self.events.push(ChangeEvent {
                kind: ChangeKind::Locked,
                provider: None,
            });
        }
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

    fn provider(id: &str) -> Result<&'static providers::Provider> {
        providers::find(id).ok_or_else(|| Error::unknown_provider(id))
    }

    // ---- notifications ----

    /// Takes the change notifications produced since the last call.
    pub fn take_events(&mut self) -> Vec<ChangeEvent> {
        std::mem::take(&mut self.events)
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
    Error::corrupt(&FormatError::RecordDoesNotOpen(name))
}

fn random_failed(_: getrandom::Error) -> Error {
    Error::crypto_unavailable()
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
