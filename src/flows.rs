//! The passphrase operations (create, unlock, change passphrase) as async
//! flows: prepare on the keyring, derive with a [`Kdf`], finish on the
//! keyring. The keyring is borrowed only between derivations, never across
//! one, so other calls (a `list()` while an unlock is running) stay possible.

use crate::error::Result;
use crate::kdf::Kdf;
use crate::keyring::Keyring;
use crate::secret::Passphrase;
use std::cell::RefCell;

/// Derives with `kdf`; a failed derivation ends the keyring's derivation
/// too, so the next attempt is not refused as `busy`.
async fn derive(
    keyring: &RefCell<Keyring>,
    kdf: &dyn Kdf,
    passphrase: &Passphrase,
    params: &crate::format::KdfParams,
) -> Result<crate::crypto::DerivedKey> {
    let key = kdf.derive(passphrase, params).await;
    if key.is_err() {
        keyring.borrow_mut().end_derivation();
    }
    key
}

/// Creates the vault with `passphrase` and unlocks it.
pub async fn create(
    keyring: &RefCell<Keyring>,
    kdf: &dyn Kdf,
    passphrase: &Passphrase,
) -> Result<()> {
    let pending = keyring.borrow_mut().prepare_create(passphrase)?;
    let key = derive(keyring, kdf, passphrase, &pending.params).await?;
    keyring.borrow_mut().finish_create(pending, key)
}

/// Unlocks with `passphrase`. If the stored vault uses fewer iterations than
/// the keyring's options, rewraps its key with the configured count (one more
/// derivation, one write). A failed upgrade (storage full) leaves the vault as
/// it was and the keyring unlocked, and is reported as an `upgrade_failed`
/// change event.
pub async fn unlock(
    keyring: &RefCell<Keyring>,
    kdf: &dyn Kdf,
    passphrase: &Passphrase,
) -> Result<()> {
    let pending = keyring.borrow_mut().prepare_unlock(passphrase)?;
    let key = derive(keyring, kdf, passphrase, &pending.params).await?;
    let upgrade = keyring.borrow_mut().finish_unlock(pending, key)?;
    if let Some(pending) = upgrade {
        // The unlock itself succeeded; an upgrade that cannot be written is
        // reported and retried at the next unlock.
        let done = match kdf.derive(passphrase, &pending.params).await {
            Ok(key) => keyring.borrow_mut().finish_upgrade(pending, key),
            Err(e) => Err(e),
        };
        if done.is_err() {
            keyring.borrow_mut().upgrade_failed();
        }
    }
    Ok(())
}

/// Rewraps the vault key under `next`, after checking `current`.
pub async fn change_passphrase(
    keyring: &RefCell<Keyring>,
    kdf: &dyn Kdf,
    current: &Passphrase,
    next: &Passphrase,
) -> Result<()> {
    let pending = keyring.borrow_mut().prepare_change(current, next)?;
    let key = derive(keyring, kdf, current, &pending.params).await?;
    let pending = keyring.borrow_mut().verify_current(pending, key)?;
    let key = derive(keyring, kdf, next, &pending.params).await?;
    keyring.borrow_mut().finish_change(pending, key)
}
