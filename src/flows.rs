//! The passphrase operations (create, unlock, change passphrase) as async
//! flows: prepare on the keyring, derive with a [`Kdf`], finish on the
//! keyring. The keyring is borrowed only between derivations, never across
//! one, so other calls (a `list()` while an unlock is running) stay possible.

use crate::error::Result;
use crate::kdf::Kdf;
use crate::keyring::Keyring;
use crate::secret::Passphrase;
use std::cell::RefCell;

/// Creates the vault with `passphrase` and unlocks it.
pub async fn create(
    keyring: &RefCell<Keyring>,
    kdf: &dyn Kdf,
    passphrase: &Passphrase,
) -> Result<()> {
    let pending = keyring.borrow_mut().prepare_create(passphrase)?;
    let key = kdf.derive(passphrase, &pending.params).await?;
    keyring.borrow_mut().finish_create(pending, key)
}

/// Unlocks with `passphrase`. If the stored vault uses fewer iterations than
/// the keyring's options, re-encrypts it with the configured count (one more
/// derivation, one write). A failed upgrade (storage full) leaves the vault as
/// it was and the keyring unlocked.
pub async fn unlock(
    keyring: &RefCell<Keyring>,
    kdf: &dyn Kdf,
    passphrase: &Passphrase,
) -> Result<()> {
    let pending = keyring.borrow_mut().prepare_unlock(passphrase)?;
    let key = kdf.derive(passphrase, &pending.params).await?;
    let upgrade = keyring.borrow_mut().finish_unlock(pending, key)?;
    if let Some(pending) = upgrade {
        let key = kdf.derive(passphrase, &pending.params).await?;
        // The unlock itself succeeded; an upgrade that cannot be written is
        // retried at the next unlock.
        let _ = keyring.borrow_mut().finish_upgrade(pending, key);
    }
    Ok(())
}

/// Re-encrypts the vault under `next`, after checking `current`.
pub async fn change_passphrase(
    keyring: &RefCell<Keyring>,
    kdf: &dyn Kdf,
    current: &Passphrase,
    next: &Passphrase,
) -> Result<()> {
    let pending = keyring.borrow_mut().prepare_change(current, next)?;
    let key = kdf.derive(current, &pending.params).await?;
    let pending = keyring.borrow_mut().verify_current(pending, key)?;
    let key = kdf.derive(next, &pending.params).await?;
    keyring.borrow_mut().finish_change(pending, key)
}
