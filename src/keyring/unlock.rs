//! Creating a vault, unlocking it, changing its passphrase, re-encrypting it
//! at a higher iteration count, and the delay after repeated wrong
//! passphrases.
use super::{
    random_failed, record_corrupt, wrong_passphrase, ChangeEvent, ChangeKind, Keyring, Session,
    Stored,
};
use crate::crypto::{self, DerivedKey};
use crate::error::{Error, ErrorCode, Result};
use crate::format::{self, KdfParams, Record, Vault};
use crate::limits::{FIRST_DELAY_MS, FREE_ATTEMPTS, MAX_DELAY_MS, MAX_PASSPHRASE_LEN};
use crate::secret::Passphrase;

/// A prepared derivation: which parameters to derive with.
#[derive(Clone, Debug)]
pub(crate) struct Pending {
    /// Parameters to derive the key with.
    pub(crate) params: KdfParams,
}

impl Keyring {
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
    pub(crate) fn prepare_create(&mut self, passphrase: &Passphrase) -> Result<Pending> {
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
    pub(crate) fn finish_create(&mut self, pending: Pending, key: DerivedKey) -> Result<()> {
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
            records: format::Records::new(),
        };
        self.write(vault)?;
        self.start_session(Session::new(key, pending.params));
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
    pub(crate) fn prepare_unlock(&mut self, passphrase: &Passphrase) -> Result<Pending> {
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
    pub(crate) fn finish_unlock(
        &mut self,
        pending: Pending,
        key: DerivedKey,
    ) -> Result<Option<Pending>> {
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
        self.start_session(Session::new(key, pending.params));
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
    pub(crate) fn finish_upgrade(&mut self, pending: Pending, new_key: DerivedKey) -> Result<()> {
        self.rekey(pending.params, new_key)
    }

    /// Step 1 of `changePassphrase`: checks the new passphrase and returns the
    /// current vault's parameters (to derive the current key with).
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
        self.finish_unlock(pending, current_key)?;
        Ok(Pending {
            params: self.fresh_params()?,
        })
    }

    /// Step 3 of `changePassphrase`: re-encrypts everything under the new key.
    pub(crate) fn finish_change(&mut self, pending: Pending, new_key: DerivedKey) -> Result<()> {
        self.rekey(pending.params, new_key)
    }

    fn rekey(&mut self, params: KdfParams, new_key: DerivedKey) -> Result<()> {
        self.reload()?;
        self.check_auto_lock();
        let ns = self.opts.namespace.clone();
        let old = self.session()?;
        let vault = self.vault()?;
        let mut records = format::Records::new();
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
        self.start_session(Session::new(new_key, params));
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
}
