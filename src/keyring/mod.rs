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
//! tab's change), `transfer` (import and export), `decisions` (the credit
//! decision and its snapshot for the JavaScript hot path) and `resume` (the
//! vault key sealed for a reload of the tab, `resume: "tab"`).

mod decisions;
mod keys;
pub mod options;
mod passkeys;
mod resume;
mod tab_sync;
mod transfer;
mod unlock;
#[cfg_attr(not(target_arch = "wasm32"), allow(unused_imports))]
pub(crate) use resume::ResumeTicket;
pub(crate) use unlock::Pending;

pub use decisions::Snapshot;
pub use options::{Options, SetOptions};
pub use passkeys::{
    ceremony_failed, Assertion, PasskeyInfo, PrfOutput, Registration, UnlockMethod,
    DEFAULT_PASSKEY_NAME,
};
pub use transfer::EXPORT_FORMAT;

use crate::credits::UsageTable;
use crate::crypto::{self, DerivedKey};
use crate::error::{Error, ErrorCode, Result};
use crate::format::{self, FormatError, Record, Vault, VAULT_ID_LEN};
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
    /// The endpoint stored with the key (`set`'s `baseUrl`), if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
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
    /// The key's stored details fail their MAC (they were changed outside
    /// byok-keyring, or the record was copied from elsewhere): it is not
    /// used. Known only while unlocked.
    pub tampered: bool,
    /// The key's details are authentic but it does not decrypt: it is not
    /// used; remove it or save it again. Known only while unlocked.
    pub damaged: bool,
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
    /// Raising the vault's iteration count at unlock could not be written
    /// (the unlock itself succeeded; `iterations` still shows the old count).
    UpgradeFailed,
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
    Vault { vault: Box<Vault>, text: String },
    Corrupt { why: FormatError, text: String },
}

/// What unlocking found about one stored record.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RecordState {
    /// Its MAC checks and it decrypts.
    Good,
    /// Its metadata fails the MAC: not used.
    Tampered,
    /// Its MAC checks but it does not decrypt: not used.
    Damaged,
}

/// The in-memory secrets of an unlocked keyring. Everything in it is
/// zeroized when the session is dropped (lock, reset, auto-lock, drop).
struct Session {
    /// The vault key (what the slots wrap).
    vault_key: DerivedKey,
    /// The vault it opens: a vault replaced by another (reset and create in
    /// another tab) has another id, and this session no longer writes.
    vault_id: [u8; VAULT_ID_LEN],
    /// HKDF of the vault key: seals records.
    record_key: DerivedKey,
    /// HKDF of the vault key: the MAC key.
    mac_key: DerivedKey,
    /// Each stored record's state, as of the last read of storage.
    /// With the MAC a `Good` or `Damaged` verdict was reached under: the MAC
    /// covers the ciphertext, so a record with the same authentic MAC
    /// decrypts the same and is not decrypted again at the next check.
    states: litemap::LiteMap<String, (RecordState, [u8; crypto::MAC_LEN])>,
    /// Keys decrypted by `get`, so the next `get` skips AES-GCM. Holding them
    /// exposes nothing the vault key above does not already open.
    plain: litemap::LiteMap<&'static str, ApiKey>,
}

impl Session {
    fn new(vault_key: DerivedKey, vault_id: [u8; VAULT_ID_LEN]) -> Self {
        Session {
            record_key: crypto::hkdf_sha256(&vault_key, &vault_id, format::RECORD_INFO),
            mac_key: crypto::hkdf_sha256(&vault_key, &vault_id, format::MAC_INFO),
            vault_key,
            vault_id,
            states: litemap::LiteMap::new(),
            plain: litemap::LiteMap::new(),
        }
    }

    /// Whether this session may read and write `vault`.
    fn opens(&self, vault: &Vault) -> bool {
        vault.legacy.is_none() && vault.id == self.vault_id
    }

    /// Checks every record of `vault` (which this session opens): the vault
    /// MAC, each record's MAC, and that it decrypts (once per authentic
    /// record MAC: a verdict for the same MAC is reused).
    fn check(&mut self, namespace: &str, vault: &Vault) {
        let vault_ok = crypto::hmac_verify(
            &self.mac_key,
            &format::vault_mac_input(namespace, vault),
            &vault.mac,
        );
        let previous = std::mem::take(&mut self.states);
        self.states = in_order(vault.records.iter().map(|(p, r)| {
            let mac = vault.macs.get(p).filter(|mac| {
                vault_ok
                    && crypto::hmac_verify(
                        &self.mac_key,
                        &format::record_mac_input(namespace, p, r),
                        &mac[..],
                    )
            });
            let state = match (mac, previous.get(p)) {
                (None, _) => RecordState::Tampered,
                (Some(mac), Some((known, seen))) if seen == mac => *known,
                (Some(_), _) => {
                    let aad = format::record_aad(namespace, p);
                    match crypto::open(&self.record_key, &r.sealed, &aad) {
                        Some(_) => RecordState::Good,
                        None => RecordState::Damaged,
                    }
                }
            };
            (p.clone(), (state, mac.copied().unwrap_or_default()))
        }));
    }

    fn state(&self, provider: &str) -> Option<RecordState> {
        self.states.get(provider).map(|(state, _)| *state)
    }

    /// Seals `vault` before it is written: keys disabled while locked are
    /// folded into their (authentic) records, removed records are dropped,
    /// and every authentic record (and each of `authored`, written now) gets
    /// its MAC, then the vault its MAC. A record that failed its MAC is
    /// kept as it is but never gets one.
    fn seal(&self, namespace: &str, vault: &mut Vault, authored: &[&str]) {
        let trusted = |p: &str| {
            authored.contains(&p)
                || matches!(
                    self.state(p),
                    Some(RecordState::Good | RecordState::Damaged)
                )
        };
        let disabled = std::mem::take(&mut vault.disabled);
        for (p, at) in disabled {
            match vault.records.get_mut(&p) {
                Some(r) if trusted(&p) => {
                    r.enabled = false;
                    r.updated_at = r.updated_at.max(at);
                }
                Some(_) => {
                    vault.disabled.insert(p, at);
                }
                None => {}
            }
        }
        let removed = std::mem::take(&mut vault.removed);
        vault.records.retain(|p, r| r.outlives(removed.get(p)));
        vault.removed = removed;
        vault.macs = in_order(
            vault
                .records
                .iter()
                .filter(|(p, _)| trusted(p))
                .map(|(p, r)| {
                    let mac = crypto::hmac_sha256(
                        &self.mac_key,
                        &format::record_mac_input(namespace, p, r),
                    );
                    (p.clone(), mac)
                }),
        );
        vault.mac = crypto::hmac_sha256(&self.mac_key, &format::vault_mac_input(namespace, vault));
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
    /// Unlock attempts since the last success, counted when an attempt
    /// starts (unlock friction; in memory only, since a failed unlock must
    /// not write to storage).
    attempts: u32,
    /// A key derivation of this keyring is running (one at a time).
    deriving: bool,
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
            attempts: 0,
            deriving: false,
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
                Ok(vault) => Stored::Vault {
                    vault: Box::new(vault),
                    text,
                },
                Err(why) => Stored::Corrupt { why, text },
            },
        };
        // A session survives only if the vault it opened is still there
        // (the same vault id); its records are checked again.
        let keep = match (&mut self.session, &self.stored) {
            (Some(s), Stored::Vault { vault, .. }) if s.opens(vault) => {
                s.plain.clear();
                s.check(&self.opts.namespace, vault);
                true
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
        self.generation = self.generation.wrapping_add(1);
        self.active = [None; 64];
        if let Stored::Vault { vault, .. } = &self.stored {
            for (id, r) in live_records(vault) {
                let usable = self
                    .session
                    .as_ref()
                    .is_none_or(|s| s.state(id) == Some(RecordState::Good));
                if let (Some(i), true) = (providers::index_of(id), usable) {
                    if vault.is_enabled(id) {
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

    /// Unlocks with `session`, checking the stored records with it.
    fn start_session(&mut self, mut session: Session) {
        if let Stored::Vault { vault, .. } = &self.stored {
            if session.opens(vault) {
                session.check(&self.opts.namespace, vault);
            }
        }
        self.session = Some(session);
        self.refresh_active();
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
    /// view change. When this keyring is unlocked with the vault's key, the
    /// vault is sealed first (see `Session::seal`; `authored` are the
    /// providers whose records this write made); a locked write changes only
    /// what needs no key (removals, disables while locked).
    fn write(&mut self, mut vault: Vault, authored: &[&str]) -> Result<()> {
        if let Some(s) = self.session.as_ref().filter(|s| s.opens(&vault)) {
            s.seal(&self.opts.namespace, &mut vault, authored);
        }
        let text = vault.to_json().ok_or_else(Error::unwritable)?;
        self.storage.write(&self.storage_key, &text)?;
        if let Some(s) = self.session.as_mut().filter(|s| s.opens(&vault)) {
            s.plain.clear();
            s.check(&self.opts.namespace, &vault);
        }
        self.stored = Stored::Vault {
            vault: Box::new(vault),
            text,
        };
        self.refresh_active();
        Ok(())
    }

    /// Applies `change` to the freshly re-read vault (so a change made by
    /// another tab meanwhile is kept) and writes the result. `change`
    /// returns the providers whose records it wrote (sealed with this
    /// session's record key).
    fn update(
        &mut self,
        change: impl FnOnce(&mut Vault) -> Result<Vec<&'static str>>,
    ) -> Result<()> {
        self.reload()?;
        let mut vault = self.vault()?.clone();
        let authored = change(&mut vault)?;
        self.write(vault, &authored)
    }

    /// The iteration count of the vault's passphrase (`kr.iterations`):
    /// `None` when there is no vault or it cannot be read.
    pub fn iterations(&self) -> Option<u32> {
        match &self.stored {
            Stored::Vault { vault, .. } => vault.passphrase_kdf().map(|k| k.iterations),
            _ => None,
        }
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

/// Pairs already in ascending key order (another map's entries) as a map,
/// without sorting them again.
fn in_order<V>(pairs: impl Iterator<Item = (String, V)>) -> litemap::LiteMap<String, V> {
    let mut map = litemap::LiteMap::new();
    for (k, v) in pairs {
        // Out of order cannot happen for a map's own entries; if it did, the
        // pair would be dropped rather than the map left unsorted.
        let _ = map.try_append(k, v);
    }
    map
}

/// The records that are not superseded by a removal (a tombstone at or
/// after their last write).
fn live_records(vault: &Vault) -> impl Iterator<Item = (&String, &Record)> {
    vault.records.iter().filter(|(p, r)| vault.is_live(p, r))
}

/// `provider`'s record, unless a removal supersedes it (a map lookup, not
/// a scan of [`live_records`]).
fn live_record<'v>(vault: &'v Vault, provider: &str) -> Option<&'v Record> {
    vault
        .records
        .get(provider)
        .filter(|r| vault.is_live(provider, r))
}

fn key_info(
    vault: &Vault,
    provider: &str,
    r: &Record,
    state: Option<RecordState>,
    now: u64,
) -> Option<KeyInfo> {
    let p = providers::find(provider)?;
    Some(KeyInfo {
        provider: p.id,
        name: p.name,
        masked: r.masked.clone(),
        model: r.model.clone(),
        base_url: r.base_url.clone(),
        enabled: vault.is_enabled(provider),
        created_at: r.created_at,
        updated_at: r.updated_at,
        expires_at: r.expires_at,
        expired: r.expires_at.is_some_and(|t| t <= now),
        tampered: state == Some(RecordState::Tampered),
        damaged: state == Some(RecordState::Damaged),
    })
}

fn already_exists() -> Error {
    Error::new(
        ErrorCode::AlreadyExists,
        "A vault already exists here. Unlock it, or reset() to start over.",
    )
}

fn wrong_passphrase() -> Error {
    Error::new(
        ErrorCode::WrongPassphrase,
        "That passphrase does not unlock these keys. Check it and try again.",
    )
}

fn record_damaged(provider: &str) -> Error {
    Error::damaged(providers::find(provider).map_or("provider", |p| p.name))
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
