//! The passphrase operations (create, unlock, change passphrase): prepare on
//! the keyring, derive with a [`Kdf`], finish on the keyring.
//!
//! Each operation is a `Flow`, a synchronous step machine: it asks for
//! one derivation at a time (`Next::Derive`) and is resumed with the
//! derived key. The async functions here drive a flow with a [`Kdf`] (native
//! code and tests); in the browser the package's JavaScript drives the same
//! flow around WebCrypto's `deriveBits` (`src/wasm/flows.rs`), so no Rust
//! future crosses into JavaScript. The keyring is borrowed only for a step,
//! never across a derivation, so other calls (a `list()` while an unlock is
//! running) stay possible.

use crate::crypto::DerivedKey;
use crate::error::{Error, Result};
use crate::format::KdfParams;
use crate::kdf::Kdf;
use crate::keyring::{Keyring, Pending};
use crate::secret::Passphrase;
use std::cell::RefCell;

/// Which passphrase a derivation is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Which {
    /// The passphrase of `create` or `unlock`, or the current one of a
    /// passphrase change.
    First,
    /// The new passphrase of a passphrase change.
    Second,
}

/// What a [`Flow`] needs next.
#[derive(Debug)]
pub(crate) enum Next {
    /// PBKDF2 of that passphrase with these parameters, then
    /// [`Flow::resume`] (or [`Flow::derivation_failed`]).
    Derive(KdfParams, Which),
    /// The operation succeeded.
    Done,
}

/// Where a flow stands: the derivation it waits for.
#[derive(Debug)]
enum Stage {
    Create(Pending),
    Unlock(Pending),
    Upgrade(Pending),
    Current(Pending),
    New(Pending),
    Done,
}

/// One create, unlock or passphrase change, one step at a time. Started
/// with [`Flow::create`], [`Flow::unlock`] or [`Flow::change`]; each
/// [`Next::Derive`] is answered with [`Flow::resume`] or
/// [`Flow::derivation_failed`]. A flow given up while it waits must be
/// [`Flow::abandon`]ed, else the keyring stays `busy`.
#[derive(Debug)]
pub(crate) struct Flow {
    stage: Stage,
}

impl Flow {
    fn wait(stage: Stage) -> (Flow, Next) {
        let next = match &stage {
            Stage::Create(p) | Stage::Unlock(p) | Stage::Upgrade(p) | Stage::Current(p) => {
                Next::Derive(p.params.clone(), Which::First)
            }
            Stage::New(p) => Next::Derive(p.params.clone(), Which::Second),
            Stage::Done => Next::Done,
        };
        (Flow { stage }, next)
    }

    /// Starts `create`: checks there is no vault and the passphrase is long
    /// enough.
    pub(crate) fn create(keyring: &mut Keyring, passphrase: &Passphrase) -> Result<(Flow, Next)> {
        Ok(Flow::wait(Stage::Create(
            keyring.prepare_create(passphrase)?,
        )))
    }

    /// Starts `unlock` (the attempt counts from here).
    pub(crate) fn unlock(keyring: &mut Keyring, passphrase: &Passphrase) -> Result<(Flow, Next)> {
        Ok(Flow::wait(Stage::Unlock(
            keyring.prepare_unlock(passphrase)?,
        )))
    }

    /// Starts `changePassphrase`: checks the new passphrase, then asks for
    /// the current one's key.
    pub(crate) fn change(
        keyring: &mut Keyring,
        current: &Passphrase,
        next: &Passphrase,
    ) -> Result<(Flow, Next)> {
        Ok(Flow::wait(Stage::Current(
            keyring.prepare_change(current, next)?,
        )))
    }

    /// Continues with the key derived for the last [`Next::Derive`].
    ///
    /// An unlock that succeeded but whose iteration upgrade cannot be
    /// written (storage full) succeeds: the vault stays as it was and an
    /// `upgrade_failed` change event says so; the next unlock retries.
    pub(crate) fn resume(&mut self, keyring: &mut Keyring, key: DerivedKey) -> Result<Next> {
        let stage = std::mem::replace(&mut self.stage, Stage::Done);
        let stage = match stage {
            Stage::Create(p) => {
                keyring.finish_create(p, key)?;
                Stage::Done
            }
            Stage::Unlock(p) => match keyring.finish_unlock(p, key)? {
                Some(up) => Stage::Upgrade(up),
                None => Stage::Done,
            },
            Stage::Upgrade(p) => {
                if keyring.finish_upgrade(p, key).is_err() {
                    keyring.upgrade_failed();
                }
                Stage::Done
            }
            Stage::Current(p) => Stage::New(keyring.verify_current(p, key)?),
            Stage::New(p) => {
                keyring.finish_change(p, key)?;
                Stage::Done
            }
            Stage::Done => Stage::Done,
        };
        let (flow, next) = Flow::wait(stage);
        *self = flow;
        Ok(next)
    }

    /// The derivation failed with `error`: ends the keyring's derivation
    /// (so the next attempt is not refused as `busy`) and returns the error;
    /// for an iteration upgrade, reports `upgrade_failed` and returns `Ok`
    /// (the unlock itself succeeded).
    pub(crate) fn derivation_failed(&mut self, keyring: &mut Keyring, error: Error) -> Result<()> {
        let upgrading = matches!(self.stage, Stage::Upgrade(_));
        self.abandon(keyring);
        if upgrading {
            Ok(())
        } else {
            Err(error)
        }
    }

    /// Gives up a flow that waits for a derivation (see
    /// [`Flow::derivation_failed`]); nothing for a finished one.
    pub(crate) fn abandon(&mut self, keyring: &mut Keyring) {
        match std::mem::replace(&mut self.stage, Stage::Done) {
            Stage::Done => {}
            Stage::Upgrade(_) => keyring.upgrade_failed(),
            _ => keyring.end_derivation(),
        }
    }
}

/// Runs a started flow to its end with `kdf`.
async fn drive(
    keyring: &RefCell<Keyring>,
    kdf: &dyn Kdf,
    first: &Passphrase,
    second: Option<&Passphrase>,
    started: Result<(Flow, Next)>,
) -> Result<()> {
    let (mut flow, mut next) = started?;
    while let Next::Derive(params, which) = next {
        let pass = match which {
            Which::Second => second.unwrap_or(first),
            Which::First => first,
        };
        next = match kdf.derive(pass, &params).await {
            Ok(key) => flow.resume(&mut keyring.borrow_mut(), key)?,
            Err(e) => return flow.derivation_failed(&mut keyring.borrow_mut(), e),
        };
    }
    Ok(())
}

/// Creates the vault with `passphrase` and unlocks it.
pub async fn create(
    keyring: &RefCell<Keyring>,
    kdf: &dyn Kdf,
    passphrase: &Passphrase,
) -> Result<()> {
    let started = Flow::create(&mut keyring.borrow_mut(), passphrase);
    drive(keyring, kdf, passphrase, None, started).await
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
    let started = Flow::unlock(&mut keyring.borrow_mut(), passphrase);
    drive(keyring, kdf, passphrase, None, started).await
}

/// Rewraps the vault key under `next`, after checking `current`.
pub async fn change_passphrase(
    keyring: &RefCell<Keyring>,
    kdf: &dyn Kdf,
    current: &Passphrase,
    next: &Passphrase,
) -> Result<()> {
    let started = Flow::change(&mut keyring.borrow_mut(), current, next);
    drive(keyring, kdf, current, Some(next), started).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kdf::{DeriveFuture, RustKdf};
    use crate::keyring::{system_clock, ChangeKind, Options, State};
    use crate::storage::MemoryStorage;
    use std::cell::Cell;

    /// Derives with Rust, except that the derivations numbered in `fail`
    /// (counting from 0) fail, as a WebCrypto refusal would without fallback.
    struct Failing {
        calls: Cell<u32>,
        fail: &'static [u32],
    }

    impl Kdf for Failing {
        fn backend(&self) -> &'static str {
            "test"
        }
        fn derive<'a>(&'a self, p: &'a Passphrase, params: &'a KdfParams) -> DeriveFuture<'a> {
            let n = self.calls.get();
            self.calls.set(n + 1);
            if self.fail.contains(&n) {
                return Box::pin(std::future::ready(Err(Error::invalid_argument("refused"))));
            }
            RustKdf.derive(p, params)
        }
    }

    fn keyring(iterations: u32, storage: &MemoryStorage) -> RefCell<Keyring> {
        let opts = Options {
            iterations,
            ..Options::default()
        };
        RefCell::new(Keyring::new(opts, Box::new(storage.clone()), system_clock()).unwrap())
    }

    const PASS: &str = "correct horse battery";

    #[test]
    fn a_failed_derivation_fails_the_operation_and_never_leaves_the_keyring_busy() {
        let storage = MemoryStorage::new();
        let kr = keyring(100_000, &storage);
        let kdf = Failing {
            calls: Cell::new(0),
            fail: &[0, 2, 4],
        };
        use pollster::block_on as block;
        assert!(block(create(&kr, &kdf, &PASS.into())).is_err());
        assert_eq!(kr.borrow().state(), State::Empty);
        block(create(&kr, &kdf, &PASS.into())).unwrap();
        kr.borrow_mut().lock();
        assert!(block(unlock(&kr, &kdf, &PASS.into())).is_err());
        block(unlock(&kr, &kdf, &PASS.into())).unwrap();
        // The new passphrase's derivation fails: the vault keeps the old one.
        let next = "another staple battery".into();
        assert!(block(change_passphrase(&kr, &kdf, &PASS.into(), &next)).is_err());
        kr.borrow_mut().lock();
        block(unlock(&kr, &RustKdf, &PASS.into())).unwrap();
        assert_eq!(kr.borrow().state(), State::Unlocked);
    }

    #[test]
    fn a_failed_upgrade_derivation_still_unlocks_and_says_upgrade_failed() {
        let storage = MemoryStorage::new();
        let old = keyring(100_000, &storage);
        pollster::block_on(create(&old, &RustKdf, &PASS.into())).unwrap();
        let kr = keyring(200_000, &storage);
        let kdf = Failing {
            calls: Cell::new(0),
            fail: &[1],
        };
        pollster::block_on(unlock(&kr, &kdf, &PASS.into())).unwrap();
        let mut kr = kr.borrow_mut();
        assert_eq!(kr.state(), State::Unlocked);
        assert_eq!(kr.iterations(), Some(100_000));
        let kinds: Vec<ChangeKind> = kr.take_events().iter().map(|e| e.kind).collect();
        assert_eq!(kinds, [ChangeKind::Unlocked, ChangeKind::UpgradeFailed]);
        // Not busy: the next unlock runs (and upgrades).
        drop(kr);
        pollster::block_on(unlock(&keyring(200_000, &storage), &RustKdf, &PASS.into())).unwrap();
    }
}
