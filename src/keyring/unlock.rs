//! Creating a vault, unlocking it (and rewriting a version 1 vault as
//! version 2), changing its passphrase, raising its iteration count, and the
//! delay after repeated wrong passphrases.
//!
//! The vault key is random and never changes for the life of a vault; the
//! passphrase slot wraps it under PBKDF2 of the passphrase. So a passphrase
//! change or an iteration upgrade rewraps one slot and touches no record.
use super::{random_failed, wrong_passphrase, ChangeEvent, ChangeKind, Keyring, Session, Stored};
use crate::crypto::{self, DerivedKey};
use crate::error::{Error, ErrorCode, Result};
use crate::format::{self, KdfParams, Slot, SlotKind, Vault, PASSPHRASE_SLOT};
use crate::limits::{
    FIRST_DELAY_MS, FREE_ATTEMPTS, MAX_DELAY_MS, MAX_ITERATIONS, MAX_PASSPHRASE_LEN,
    MAX_WORK_FACTOR,
};
use crate::secret::Passphrase;
use crate::text::{concat, decimal};
use litemap::LiteMap;

/// A prepared derivation: which parameters to derive with.
#[derive(Clone, Debug)]
pub(crate) struct Pending {
    /// Parameters to derive the key with.
    pub(crate) params: KdfParams,
}

/// How long a caller is asked to wait while another derivation runs.
const BUSY_RETRY_MS: u64 = 1_000;

impl Keyring {
    // ---- create / unlock / change passphrase (see crate::flows) ----

    fn check_passphrase_strength(&self, passphrase: &Passphrase) -> Result<()> {
        if passphrase.as_bytes().len() > MAX_PASSPHRASE_LEN {
            return Err(Error::invalid_argument(concat(&[
                "The passphrase is longer than ",
                &decimal(MAX_PASSPHRASE_LEN),
                " bytes.",
            ])));
        }
        if passphrase.char_count() < self.opts.min_passphrase_length {
            return Err(Error::new(
                ErrorCode::WeakPassphrase,
                concat(&[
                    "Choose a passphrase of at least ",
                    &decimal(self.opts.min_passphrase_length),
                    " characters.",
                ]),
            ));
        }
        let strength =
            crate::strength::passphrase_strength(passphrase.as_str(), Some(&self.opts.namespace));
        if strength.score == 0 {
            let why = strength.warning.unwrap_or(crate::strength::GUESSABLE);
            return Err(Error::new(
                ErrorCode::WeakPassphrase,
                concat(&[why, " Choose another."]),
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

    /// The most iterations a stored or imported vault may ask of this
    /// keyring: [`MAX_WORK_FACTOR`] × the configured count, at most
    /// [`MAX_ITERATIONS`].
    pub(super) fn max_work(&self) -> u32 {
        self.opts
            .iterations
            .saturating_mul(MAX_WORK_FACTOR)
            .min(MAX_ITERATIONS)
    }

    /// Refuses parameters that demand excessive work, before any derivation.
    pub(super) fn check_work(&self, params: &KdfParams) -> Result<()> {
        if params.iterations > self.max_work() {
            return Err(Error::new(
                ErrorCode::ExcessiveWork,
                concat(&[
                    "This vault demands too much work to unlock (",
                    &decimal(params.iterations),
                    " iterations; this keyring allows at most ",
                    &decimal(self.max_work()),
                    "). It was not written by this app's settings; nothing was derived or changed.",
                ]),
            ));
        }
        Ok(())
    }

    /// Marks the start of a derivation; refuses one while another runs.
    fn begin_derivation(&mut self) -> Result<()> {
        if self.deriving {
            return Err(Error::new(
                ErrorCode::Busy,
                "Another unlock or passphrase change is still running. Try again when it ends.",
            )
            .with_retry_after(BUSY_RETRY_MS));
        }
        self.deriving = true;
        Ok(())
    }

    /// Marks the end of a derivation (also when it failed).
    pub(crate) fn end_derivation(&mut self) {
        self.deriving = false;
    }

    /// Step 1 of `create`: checks that there is no vault and the passphrase
    /// is long enough; returns parameters with a fresh salt.
    pub(crate) fn prepare_create(&mut self, passphrase: &Passphrase) -> Result<Pending> {
        self.ensure_no_vault()?;
        self.check_passphrase_strength(passphrase)?;
        let params = self.fresh_params()?;
        self.begin_derivation()?;
        Ok(Pending { params })
    }

    /// Step 2 of `create`: writes the new, empty vault (a random vault key
    /// wrapped by the passphrase's key) and unlocks.
    pub(crate) fn finish_create(&mut self, pending: Pending, slot_key: DerivedKey) -> Result<()> {
        self.end_derivation();
        self.reload()?;
        if !matches!(self.stored, Stored::Empty) {
            return Err(Error::new(
                ErrorCode::AlreadyExists,
                "A vault was created here meanwhile (another tab?). Unlock it instead.",
            ));
        }
        let vault_key = DerivedKey::random().map_err(random_failed)?;
        let mut vault = Vault::empty(crypto::random().map_err(random_failed)?);
        let kind = SlotKind::Passphrase(pending.params);
        self.put_slot(&mut vault, PASSPHRASE_SLOT, kind, &vault_key, &slot_key)?;
        self.write_new_vault(vault, vault_key)
    }

    /// `create`'s precondition: nothing is stored for the namespace
    /// (`already_exists`, or `corrupt` for unreadable data, otherwise).
    pub(super) fn ensure_no_vault(&mut self) -> Result<()> {
        self.reload()?;
        match &self.stored {
            Stored::Empty => Ok(()),
            Stored::Vault { .. } => Err(super::already_exists()),
            Stored::Corrupt { why, .. } => Err(Error::corrupt(why)),
        }
    }

    /// Wraps `vault_key` under `slot_key` in the slot `id` of `vault`, an
    /// unlock method of `kind` (bound to the namespace, vault and slot id).
    pub(super) fn put_slot(
        &self,
        vault: &mut Vault,
        id: &str,
        kind: SlotKind,
        vault_key: &DerivedKey,
        slot_key: &DerivedKey,
    ) -> Result<()> {
        let aad = format::slot_aad(&self.opts.namespace, &vault.id, id);
        let wrapped = crypto::seal(slot_key, vault_key.expose(), &aad).map_err(random_failed)?;
        vault.slots.insert(id.to_string(), Slot { kind, wrapped });
        Ok(())
    }

    /// Writes a new vault, which `vault_key` opens, and unlocks with it
    /// (`created`). If the write fails the keyring stays as it was.
    pub(super) fn write_new_vault(&mut self, vault: Vault, vault_key: DerivedKey) -> Result<()> {
        self.session = Some(Session::new(vault_key, vault.id));
        if let Err(e) = self.write(vault, &[]) {
            self.session = None;
            return Err(e);
        }
        self.start_session_after_write();
        self.events.push(ChangeEvent {
            kind: ChangeKind::Created,
            provider: None,
        });
        Ok(())
    }

    /// Right after an unlock: changes made to the stored vault while locked
    /// (keys disabled, removed) are sealed into the MAC now; best effort (a
    /// full quota keeps them as they are, still honoured).
    pub(super) fn seal_locked_changes(&mut self) {
        let pending = matches!(&self.stored, Stored::Vault { vault, .. }
            if !vault.disabled.is_empty()
                || vault.removed.keys().any(|p| vault.records.contains_key(p)));
        if pending {
            let _ = self.update(|_| Ok(Vec::new()));
        }
    }

    /// The session just started: it counts as used now, and `Unlocked` is
    /// sent unless the keyring already was.
    pub(super) fn unlocked_now(&mut self, was_unlocked: bool) {
        self.start_session_after_write();
        if !was_unlocked {
            self.events.push(ChangeEvent {
                kind: ChangeKind::Unlocked,
                provider: None,
            });
        }
    }

    /// After a write made with a fresh session: counts as unlocked now.
    fn start_session_after_write(&mut self) {
        self.touch();
        self.generation = self.generation.wrapping_add(1);
    }

    /// Refuses an attempt made before the unlock-friction delay has passed.
    fn check_friction(&self) -> Result<()> {
        let now = self.now();
        if now < self.retry_at {
            let wait = self.retry_at - now;
            return Err(Error::new(
                ErrorCode::WrongPassphrase,
                concat(&[
                    "Too many wrong passphrases. Try again in ",
                    &decimal(wait.div_ceil(1000)),
                    " s.",
                ]),
            )
            .with_retry_after(wait));
        }
        Ok(())
    }

    /// A wrong passphrase (the attempt was counted when it started); from
    /// the fifth in a row on, the next attempt waits 1 s, then 2 s, 4 s… up
    /// to 30 s.
    fn wrong_passphrase(&mut self) -> Error {
        if self.attempts < FREE_ATTEMPTS {
            return wrong_passphrase();
        }
        let doublings = (self.attempts - FREE_ATTEMPTS).min(16);
        let delay = (FIRST_DELAY_MS << doublings).min(MAX_DELAY_MS);
        self.retry_at = self.now().saturating_add(delay);
        Error::new(
            ErrorCode::WrongPassphrase,
            concat(&[
                "That passphrase does not unlock these keys. After ",
                &decimal(self.attempts),
                " wrong attempts, wait ",
                &decimal(delay.div_ceil(1000)),
                " s before the next one.",
            ]),
        )
        .with_retry_after(delay)
    }

    /// Step 1 of `unlock`: the passphrase slot's KDF parameters. The attempt
    /// counts from here (so attempts started together are not all free),
    /// and only one derivation runs at a time.
    pub(crate) fn prepare_unlock(&mut self, passphrase: &Passphrase) -> Result<Pending> {
        self.check_friction()?;
        if self.deriving {
            self.begin_derivation()?;
        }
        self.reload()?;
        let vault = self.vault()?;
        let params = vault.passphrase_kdf().cloned().ok_or_else(|| {
            Error::new(
                ErrorCode::WrongPassphrase,
                "This vault has no passphrase; unlock it with another method.",
            )
        })?;
        self.check_work(&params)?;
        if passphrase.as_bytes().len() > MAX_PASSPHRASE_LEN {
            return Err(wrong_passphrase());
        }
        self.begin_derivation()?;
        self.attempts = self.attempts.saturating_add(1);
        Ok(Pending { params })
    }

    /// Step 2 of `unlock`: unwraps the vault key with the passphrase's key
    /// (a version 1 vault: checks it and rewrites the vault as version 2, in
    /// one write). On success the keyring is unlocked, and if the vault uses
    /// fewer iterations than the options ask for, returns the parameters to
    /// rewrap it with ([`Keyring::finish_upgrade`]).
    pub(crate) fn finish_unlock(
        &mut self,
        pending: Pending,
        slot_key: DerivedKey,
    ) -> Result<Option<Pending>> {
        self.end_derivation();
        self.reload()?;
        let vault = self.vault()?.clone();
        if vault.passphrase_kdf() != Some(&pending.params) {
            self.attempts = self.attempts.saturating_sub(1);
            return Err(Error::new(
                ErrorCode::WrongPassphrase,
                "The vault was changed while unlocking (another tab?). Try again.",
            ));
        }
        let was_unlocked = self.session.is_some();
        match &vault.legacy {
            Some(legacy) => {
                let check = crypto::open(
                    &slot_key,
                    &legacy.check,
                    &format::check_aad_v1(&self.opts.namespace),
                );
                if !check.is_some_and(|p| p.is_empty()) {
                    return Err(self.wrong_passphrase());
                }
                self.migrate(vault.clone(), &slot_key)?;
            }
            None => {
                let slot = vault.slots.get(PASSPHRASE_SLOT);
                let aad = format::slot_aad(&self.opts.namespace, &vault.id, PASSPHRASE_SLOT);
                let unwrapped = slot
                    .and_then(|s| crypto::open(&slot_key, &s.wrapped, &aad))
                    .and_then(|k| DerivedKey::from_slice(&k));
                let Some(vault_key) = unwrapped else {
                    return Err(self.wrong_passphrase());
                };
                self.start_session(Session::new(vault_key, vault.id));
                self.seal_locked_changes();
            }
        }
        self.attempts = 0;
        self.retry_at = 0;
        self.unlocked_now(was_unlocked);
        if pending.params.iterations < self.opts.iterations {
            let params = self.fresh_params()?;
            self.begin_derivation()?;
            Ok(Some(Pending { params }))
        } else {
            Ok(None)
        }
    }

    /// Rewrites a version 1 vault as version 2 in one write: a new random
    /// vault key wrapped by the passphrase's key (`v1_key`, with the same
    /// salt and iterations), every record re-encrypted with it. A record
    /// that does not decrypt is carried over as it is, and shows as damaged.
    /// If the write fails, nothing changed and the keyring stays locked.
    fn migrate(&mut self, old: Vault, v1_key: &DerivedKey) -> Result<()> {
        let Some(legacy) = old.legacy.clone() else {
            return Ok(());
        };
        let ns = self.opts.namespace.clone();
        let vault_key = DerivedKey::random().map_err(random_failed)?;
        let id = crypto::random().map_err(random_failed)?;
        let mut vault = Vault {
            id,
            legacy: None,
            slots: LiteMap::new(),
            ..old
        };
        let kind = SlotKind::Passphrase(legacy.kdf);
        self.put_slot(&mut vault, PASSPHRASE_SLOT, kind, &vault_key, v1_key)?;
        let session = Session::new(vault_key, id);
        let mut authored = Vec::new();
        for (provider, r) in vault.records.iter_mut() {
            let plain = crypto::open(v1_key, &r.sealed, &format::record_aad_v1(&ns, provider));
            if let Some(plain) = plain {
                r.sealed = crypto::seal(
                    &session.record_key,
                    &plain,
                    &format::record_aad(&ns, provider),
                )
                .map_err(random_failed)?;
            }
            authored.push(provider.clone());
        }
        let authored: Vec<&str> = authored.iter().map(String::as_str).collect();
        self.session = Some(session);
        if let Err(e) = self.write(vault, &authored) {
            self.session = None;
            self.refresh_active();
            return Err(e);
        }
        Ok(())
    }

    /// Rewraps the vault key under `new_key` (derived with
    /// `pending.params`) in one write, and keeps the keyring unlocked.
    /// Needs the keyring unlocked.
    pub(crate) fn finish_upgrade(&mut self, pending: Pending, new_key: DerivedKey) -> Result<()> {
        self.end_derivation();
        self.rewrap(pending.params, new_key)
    }

    /// The unlock worked but raising the iteration count failed: tell the
    /// app (`onChange` `upgrade_failed`; `iterations` keeps the old count).
    pub(crate) fn upgrade_failed(&mut self) {
        self.end_derivation();
        self.events.push(ChangeEvent {
            kind: ChangeKind::UpgradeFailed,
            provider: None,
        });
    }

    /// Step 1 of `changePassphrase`: checks the new passphrase and returns the
    /// passphrase slot's parameters (to derive the current key with).
    pub(crate) fn prepare_change(
        &mut self,
        current: &Passphrase,
        next: &Passphrase,
    ) -> Result<Pending> {
        self.reload()?;
        self.vault()?;
        self.check_passphrase_strength(next)?;
        self.prepare_unlock(current)
    }

    /// Step 2 of `changePassphrase`: checks the current key, returns
    /// parameters with a fresh salt for the new passphrase.
    pub(crate) fn verify_current(
        &mut self,
        pending: Pending,
        current_key: DerivedKey,
    ) -> Result<Pending> {
        let upgrade = self.finish_unlock(pending, current_key)?;
        if upgrade.is_none() {
            self.begin_derivation()?;
        }
        Ok(Pending {
            params: self.fresh_params()?,
        })
    }

    /// Step 3 of `changePassphrase`: rewraps the vault key under the new
    /// passphrase's key. Records are not touched.
    pub(crate) fn finish_change(&mut self, pending: Pending, new_key: DerivedKey) -> Result<()> {
        self.end_derivation();
        self.rewrap(pending.params, new_key)
    }

    fn rewrap(&mut self, params: KdfParams, new_key: DerivedKey) -> Result<()> {
        self.reload()?;
        self.check_auto_lock();
        self.session()?;
        let mut vault = self.vault()?.clone();
        let Some(s) = self.session.as_ref() else {
            return Err(Error::locked());
        };
        let vault_key = s.vault_key.clone();
        let kind = SlotKind::Passphrase(params);
        self.put_slot(&mut vault, PASSPHRASE_SLOT, kind, &vault_key, &new_key)?;
        self.write(vault, &[])?;
        self.touch();
        self.events.push(ChangeEvent {
            kind: ChangeKind::Rekeyed,
            provider: None,
        });
        Ok(())
    }
}
