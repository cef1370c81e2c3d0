//! Verify-then-store: `kr.set(provider, key, { verify })`. Everything that
//! can refuse the key without asking the provider is checked first, so a
//! refused call sends nothing; then the provider is asked; then the key is
//! stored unless the provider rejected it.

use super::{plan, send_plan, Plan, Transport, Verification, VerifyError, VerifyOptions};
use crate::error::{Error, Result};
use crate::keyring::{KeyInfo, Keyring, SetOptions, State};
use std::cell::RefCell;

/// Checks `key` with `provider` through `transport`, then stores it in
/// `keyring` with `set`. Returns the stored key's [`KeyInfo`] and the
/// [`Verification`].
///
/// - Refused before anything is sent ([`VerifyError::Refused`]): an unknown
///   provider, a key failing the offline format check (`invalid_key` with
///   the validation), a bad option (of the check or of `set`), no vault
///   (`no_vault`), a locked keyring (`locked`).
/// - The provider rejected the key (`invalid_key`):
///   [`VerifyError::Rejected`] with the verification; nothing is stored.
/// - The caller aborted: [`VerifyError::Aborted`]; nothing is stored.
/// - Every other outcome (`valid`, `forbidden`, `rate_limited`, and the
///   unverified `provider_error`, `network_error`, `timeout`,
///   `unsupported`) stores the key and returns the verification.
///
/// No borrow of `keyring` is held while the request is out, so the page may
/// use the keyring meanwhile; if it was locked in the meantime, the store
/// fails with `locked`.
pub async fn set_verified(
    keyring: &RefCell<Keyring>,
    transport: &dyn Transport,
    provider: &str,
    key: &str,
    set: SetOptions,
    opts: &VerifyOptions,
) -> std::result::Result<(KeyInfo, Verification), VerifyError> {
    let plan = prepare_store(keyring, provider, key, &set, opts)?;
    let verification = send_plan(transport, plan).await?;
    store_checked(keyring, provider, key, set, verification)
}

/// Step 1 of [`set_verified`]: every check made before anything is sent
/// (the key's format, the options of the check and of `set`, the lock
/// state); returns the check to send. The check goes to the key's own
/// endpoint (`set.base_url`) unless `opts` names one.
pub fn prepare_store(
    keyring: &RefCell<Keyring>,
    provider: &str,
    key: &str,
    set: &SetOptions,
    opts: &VerifyOptions,
) -> std::result::Result<Plan, VerifyError> {
    let mut opts = opts.clone();
    if opts.base_url.is_none() {
        opts.base_url.clone_from(&set.base_url);
    }
    let plan = plan(provider, key, &opts)?;
    // The option checks of `set`, made before the request so that a bad
    // option sends nothing.
    set.check()?;
    let mut kr = borrow(keyring)?;
    kr.check_auto_lock();
    match kr.state() {
        State::Empty => Err(Error::no_vault().into()),
        State::Locked => Err(Error::locked().into()),
        State::Unlocked => Ok(plan),
    }
}

/// Step 2 of [`set_verified`], once the provider answered: stores the key
/// unless the provider rejected it ([`VerifyError::Rejected`]).
pub fn store_checked(
    keyring: &RefCell<Keyring>,
    provider: &str,
    key: &str,
    set: SetOptions,
    verification: Verification,
) -> std::result::Result<(KeyInfo, Verification), VerifyError> {
    if !verification.code.saves_key() {
        return Err(VerifyError::Rejected(verification));
    }
    let info = borrow(keyring)?.set(provider, key, set)?;
    Ok((info, verification))
}

/// Checks the key stored for `provider` in `keyring` (needs unlocked) with
/// the provider, at the endpoint stored with it unless `opts` names one.
/// `Ok(None)` when no key is stored or it expired (as [`Keyring::get`]).
/// No borrow of `keyring` is held while the request is out.
pub async fn verify_stored(
    keyring: &RefCell<Keyring>,
    transport: &dyn Transport,
    provider: &str,
    opts: &VerifyOptions,
) -> std::result::Result<Option<Verification>, VerifyError> {
    let Some((key, base_url)) = borrow(keyring)?.get_with_endpoint(provider)? else {
        return Ok(None);
    };
    let mut opts = opts.clone();
    if opts.base_url.is_none() {
        opts.base_url = base_url;
    }
    let plan = plan(provider, key.expose(), &opts)?;
    drop(key);
    Ok(Some(send_plan(transport, plan).await?))
}

fn borrow(keyring: &RefCell<Keyring>) -> Result<std::cell::RefMut<'_, Keyring>> {
    keyring
        .try_borrow_mut()
        .map_err(|_| Error::invalid_argument("The keyring is busy; try again."))
}
