//! Staying unlocked across reloads of a tab (`resume: "tab"`): the vault
//! key wrapped under a key `W` that the package's JavaScript gets from a
//! non-extractable WebCrypto key (docs/FORMAT.md, "Resume ticket"). The
//! core only wraps and unwraps; where the ticket and `W`'s key are kept is
//! the wasm layer's concern (`src/wasm/resume.rs`, `js/resume.js`).
//!
//! The vault key itself is never handed out: [`Keyring::seal_resume`]
//! returns it sealed under `W` (AES-256-GCM, bound to the namespace and the
//! vault), and [`Keyring::open_resume`] takes it back only for the vault
//! that is stored now, and only if the vault's MAC verifies with it.
use super::{random_failed, Keyring, Session, State, Stored};
use crate::crypto::{self, DerivedKey, Sealed};
use crate::error::{Error, Result};
use crate::format::{self, VAULT_ID_LEN};

/// The vault key of an unlocked keyring, sealed under a resume key `W`,
/// and the vault it opens. Not a secret without `W`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ResumeTicket {
    /// The vault the key opens.
    pub(crate) vault_id: [u8; VAULT_ID_LEN],
    /// The vault key (32 bytes) sealed under `W`: 48 bytes of ciphertext and tag.
    pub(crate) sealed: Sealed,
}

// Used by the wasm layer and the tests only.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
impl Keyring {
    /// Seals the vault key under `w` (needs unlocked). `w` is zeroized when
    /// this returns.
    pub(crate) fn seal_resume(&self, w: DerivedKey) -> Result<ResumeTicket> {
        if self.state() != State::Unlocked {
            return Err(Error::locked());
        }
        let s = self.session()?;
        if !s.opens(self.vault()?) {
            return Err(Error::locked());
        }
        let aad = format::resume_aad(&self.opts.namespace, &s.vault_id);
        let sealed = crypto::seal(&w, s.vault_key.expose(), &aad).map_err(random_failed)?;
        Ok(ResumeTicket {
            vault_id: s.vault_id,
            sealed,
        })
    }

    /// Unlocks with a ticket made by [`Keyring::seal_resume`] in this tab:
    /// re-reads storage, and if the stored vault still has the ticket's id,
    /// the ticket opens under `w`, and the vault's MAC verifies with the key
    /// it gives, starts the session exactly as an unlock does (`unlocked`
    /// event, decision snapshot, auto-lock from now). Returns whether the
    /// keyring is unlocked; `false` leaves it as it was (a missing or
    /// replaced vault included). Already unlocked: `true`, nothing changes.
    pub(crate) fn open_resume(&mut self, w: DerivedKey, ticket: &ResumeTicket) -> Result<bool> {
        self.check_auto_lock();
        self.reload()?;
        if self.session.is_some() {
            return Ok(true);
        }
        let Stored::Vault { vault, .. } = &self.stored else {
            return Ok(false);
        };
        if vault.legacy.is_some() || vault.id != ticket.vault_id {
            return Ok(false);
        }
        let ns = &self.opts.namespace;
        let aad = format::resume_aad(ns, &vault.id);
        let Some(vault_key) =
            crypto::open(&w, &ticket.sealed, &aad).and_then(|k| DerivedKey::from_slice(&k))
        else {
            return Ok(false);
        };
        drop(w);
        let session = Session::new(vault_key, vault.id);
        if !crypto::hmac_verify(
            &session.mac_key,
            &format::vault_mac_input(ns, vault),
            &vault.mac,
        ) {
            return Ok(false);
        }
        // As any unlock: changes made while locked are sealed into the MAC
        // now (best effort), and `Unlocked` is sent.
        self.start_session(session);
        self.seal_locked_changes();
        self.unlocked_now(false);
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyring::{system_clock, ChangeKind, Options, SetOptions};
    use crate::storage::{MemoryStorage, Storage};
    use crate::{flows, RustKdf};
    use std::cell::RefCell;

    const PASS: &str = "correct horse battery";
    const GROQ: &str = "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";

    fn keyring(storage: &MemoryStorage) -> Keyring {
        let opts = Options {
            iterations: 100_000,
            ..Options::default()
        };
        Keyring::new(opts, Box::new(storage.clone()), system_clock()).unwrap()
    }

    /// A vault with one key, and a ticket for it under `[7; 32]`; the
    /// keyring is locked again (as after a reload).
    fn locked_with_ticket(storage: &MemoryStorage) -> (Keyring, ResumeTicket) {
        let kr = RefCell::new(keyring(storage));
        pollster::block_on(flows::create(&kr, &RustKdf, &PASS.into())).unwrap();
        let mut kr = kr.into_inner();
        kr.set("groq", GROQ, SetOptions::default()).unwrap();
        let ticket = kr.seal_resume(DerivedKey::from_bytes([7; 32])).unwrap();
        kr.lock();
        kr.take_events();
        (kr, ticket)
    }

    fn w() -> DerivedKey {
        DerivedKey::from_bytes([7; 32])
    }

    #[test]
    fn a_ticket_resumes_a_new_keyring_on_the_same_storage() {
        let storage = MemoryStorage::new();
        let (_, ticket) = locked_with_ticket(&storage);
        // A fresh keyring, as the reloaded page makes.
        let mut kr = keyring(&storage);
        assert_eq!(kr.state(), State::Locked);
        assert!(kr.open_resume(w(), &ticket).unwrap());
        assert_eq!(kr.state(), State::Unlocked);
        assert_eq!(kr.get("groq").unwrap().unwrap().expose(), GROQ);
        assert!(kr.is_byok("groq"));
        let kinds: Vec<ChangeKind> = kr.take_events().iter().map(|e| e.kind).collect();
        assert_eq!(kinds, [ChangeKind::Unlocked]);
    }

    #[test]
    fn a_wrong_key_does_not_resume() {
        let storage = MemoryStorage::new();
        let (mut kr, ticket) = locked_with_ticket(&storage);
        let wrong = DerivedKey::from_bytes([8; 32]);
        assert!(!kr.open_resume(wrong, &ticket).unwrap());
        assert_eq!(kr.state(), State::Locked);
        assert!(kr.take_events().is_empty());
        assert_eq!(kr.get("groq").unwrap_err().code(), crate::ErrorCode::Locked);
    }

    #[test]
    fn a_ticket_for_another_namespace_or_a_replaced_vault_does_not_resume() {
        let storage = MemoryStorage::new();
        let (mut kr, ticket) = locked_with_ticket(&storage);
        // The ticket's vault id changed: refused before any decryption.
        let mut other = ticket.clone();
        other.vault_id[0] ^= 1;
        assert!(!kr.open_resume(w(), &other).unwrap());
        // The vault was reset and created again (another id).
        kr.reset().unwrap();
        assert!(!kr.open_resume(w(), &ticket).unwrap());
        assert_eq!(kr.state(), State::Empty);
        let kr = RefCell::new(kr);
        pollster::block_on(flows::create(&kr, &RustKdf, &PASS.into())).unwrap();
        let mut kr = kr.into_inner();
        kr.lock();
        assert!(!kr.open_resume(w(), &ticket).unwrap());
        assert_eq!(kr.state(), State::Locked);
        // Another namespace, the same vault text: the ticket is bound to
        // its namespace.
        let storage = MemoryStorage::new();
        let (_, ticket) = locked_with_ticket(&storage);
        let opts = Options {
            namespace: "other".into(),
            iterations: 100_000,
            ..Options::default()
        };
        let text = storage.read("byok-keyring:default").unwrap().unwrap();
        storage.write("byok-keyring:other", &text).unwrap();
        let mut elsewhere = Keyring::new(opts, Box::new(storage.clone()), system_clock()).unwrap();
        assert!(!elsewhere.open_resume(w(), &ticket).unwrap());
        assert_eq!(elsewhere.state(), State::Locked);
    }

    #[test]
    fn a_tampered_vault_or_ticket_does_not_resume() {
        let storage = MemoryStorage::new();
        let (mut kr, ticket) = locked_with_ticket(&storage);
        // The vault MAC no longer verifies (a record MAC changed in storage).
        let text = storage.read("byok-keyring:default").unwrap().unwrap();
        let mut vault = format::Vault::parse(&text).unwrap();
        let mac = vault.macs.get_mut("groq").unwrap();
        mac[0] ^= 1;
        storage
            .write("byok-keyring:default", &vault.to_json().unwrap())
            .unwrap();
        assert!(!kr.open_resume(w(), &ticket).unwrap());
        assert_eq!(kr.state(), State::Locked);
        // Back as it was, but the ticket's ciphertext changed.
        storage.write("byok-keyring:default", &text).unwrap();
        let mut bad = ticket.clone();
        bad.sealed.ciphertext[0] ^= 1;
        assert!(!kr.open_resume(w(), &bad).unwrap());
        assert!(kr.open_resume(w(), &ticket).unwrap());
    }

    #[test]
    fn sealing_needs_the_keyring_unlocked() {
        let storage = MemoryStorage::new();
        let (kr, _) = locked_with_ticket(&storage);
        assert_eq!(
            kr.seal_resume(w()).unwrap_err().code(),
            crate::ErrorCode::Locked
        );
        let kr = keyring(&MemoryStorage::new());
        assert!(kr.seal_resume(w()).is_err());
    }

    #[test]
    fn a_ticket_holds_no_vault_key_in_clear() {
        let storage = MemoryStorage::new();
        let (kr, ticket) = locked_with_ticket(&storage);
        drop(kr);
        assert_eq!(
            ticket.sealed.ciphertext.len(),
            crypto::KEY_LEN + crypto::TAG_LEN
        );
        // The sealed key opens under W with the documented associated data,
        // and gives the vault key: the vault MAC verifies with its MAC key.
        let text = storage.read("byok-keyring:default").unwrap().unwrap();
        let vault = format::Vault::parse(&text).unwrap();
        let aad = format::resume_aad("default", &vault.id);
        let key = crypto::open(&w(), &ticket.sealed, &aad).unwrap();
        let key = DerivedKey::from_slice(&key).unwrap();
        let mac_key = crypto::hkdf_sha256(&key, &vault.id, format::MAC_INFO);
        assert!(crypto::hmac_verify(
            &mac_key,
            &format::vault_mac_input("default", &vault),
            &vault.mac
        ));
        assert!(!ticket
            .sealed
            .ciphertext
            .windows(crypto::KEY_LEN)
            .any(|w| w == &key.expose()[..]));
    }
}
