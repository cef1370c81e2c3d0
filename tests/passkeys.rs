//! Passkey slots, natively: `cargo test --test passkeys`.
//!
//! The WebAuthn ceremony is played by a stand-in authenticator whose PRF is
//! HMAC-SHA256 under a per-credential secret (what CTAP2's hmac-secret
//! is); the browser tests (`tests/js/passkeys.test.mjs`) use Chromium's
//! virtual authenticator. What a user depends on: a passkey unlocks the
//! vault and only its own vault; a cancelled or wrong passkey writes
//! nothing; the last unlock method cannot be removed; the stored slot
//! holds nothing secret, and editing it never yields a usable wrong key.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use byok_keyring::crypto::{self, DerivedKey};
use byok_keyring::keyring::{PasskeyInfo, PrfOutput, UnlockMethod};
use byok_keyring::{
    flows, ErrorCode, Keyring, MemoryStorage, Options, RustKdf, SetOptions, State, Storage,
};
use common::{assert_no_window, key};
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

const PASS: &str = "correct horse battery";
const ITEM: &str = "byok-keyring:a";

/// A stand-in authenticator: one secret per credential; the PRF output
/// for `salt` is HMAC-SHA256(secret, salt).
#[derive(Default)]
struct Authenticator {
    secrets: HashMap<Vec<u8>, [u8; 32]>,
}

impl Authenticator {
    fn make(&mut self) -> Vec<u8> {
        let id = crypto::random::<20>().unwrap().to_vec();
        self.secrets.insert(id.clone(), crypto::random().unwrap());
        id
    }
    fn prf(&self, credential: &[u8], salt: &[u8]) -> PrfOutput {
        let secret = DerivedKey::from_slice(&self.secrets[credential]).unwrap();
        PrfOutput::new(crypto::hmac_sha256(&secret, salt).to_vec()).unwrap()
    }
}

struct Tab {
    kr: RefCell<Keyring>,
    now: Rc<Cell<u64>>,
}

fn tab(storage: &MemoryStorage) -> Tab {
    let now = Rc::new(Cell::new(1_700_000_000_000u64));
    let clock = {
        let now = now.clone();
        Box::new(move || now.get())
    };
    let o = Options {
        namespace: "a".into(),
        iterations: 100_000,
        ..Options::default()
    };
    Tab {
        kr: RefCell::new(Keyring::new(o, Box::new(storage.clone()), clock).unwrap()),
        now,
    }
}

fn stored(s: &MemoryStorage) -> String {
    s.read(ITEM).unwrap().unwrap()
}

/// `addPasskey` as the browser runs it: plan, make a credential, finish.
fn add(t: &Tab, auth: &mut Authenticator, name: Option<&str>) -> byok_keyring::Result<PasskeyInfo> {
    let plan = t.kr.borrow_mut().prepare_add_passkey(name, None)?;
    let cred = auth.make();
    let prf = auth.prf(&cred, &plan.salt);
    t.kr.borrow_mut().finish_add_passkey(plan, cred, prf)
}

/// `unlockWithPasskey` with the authenticator's first credential that the
/// vault offers (as a user picking it in the prompt).
fn unlock_with(t: &Tab, auth: &Authenticator) -> byok_keyring::Result<()> {
    let plan = t.kr.borrow_mut().prepare_passkey_unlock()?;
    let (cred, salt) = plan
        .credentials
        .iter()
        .find(|(c, _)| auth.secrets.contains_key(c))
        .expect("the authenticator holds one of the vault's passkeys")
        .clone();
    t.kr.borrow_mut()
        .finish_passkey_unlock(&cred, auth.prf(&cred, &salt))
}

fn create_with_passphrase(t: &Tab) {
    pollster::block_on(flows::create(&t.kr, &RustKdf, &PASS.into())).unwrap();
}

fn set(t: &Tab, provider: &str) {
    t.kr.borrow_mut()
        .set(provider, &key(provider), SetOptions::default())
        .unwrap();
}

fn get(t: &Tab, provider: &str) -> String {
    t.kr.borrow_mut()
        .get(provider)
        .unwrap()
        .unwrap()
        .expose()
        .to_string()
}

#[test]
fn a_passkey_added_to_a_passphrase_vault_unlocks_it_after_a_reload() {
    let s = MemoryStorage::new();
    let mut auth = Authenticator::default();
    let t = tab(&s);
    create_with_passphrase(&t);
    set(&t, "openai");
    let info = add(&t, &mut auth, Some("This laptop")).unwrap();
    assert_eq!(info.name, "This laptop");
    assert!(info.id.starts_with("passkey-"));

    // A reload: a fresh keyring, locked.
    let t = tab(&s);
    assert_eq!(t.kr.borrow().state(), State::Locked);
    assert_eq!(
        t.kr.borrow_mut().unlock_methods().unwrap(),
        vec![UnlockMethod::Passphrase, UnlockMethod::Passkey(info)],
        "unlockMethods works while locked, passphrase first"
    );
    unlock_with(&t, &auth).unwrap();
    assert_eq!(t.kr.borrow().state(), State::Unlocked);
    assert_eq!(get(&t, "openai"), key("openai"));
    assert!(t.kr.borrow().is_byok("openai"));
    // The passphrase still works too.
    let t = tab(&s);
    pollster::block_on(flows::unlock(&t.kr, &RustKdf, &PASS.into())).unwrap();
    assert_eq!(get(&t, "openai"), key("openai"));
}

#[test]
fn a_passkey_only_vault_has_no_passphrase() {
    let s = MemoryStorage::new();
    let mut auth = Authenticator::default();
    let t = tab(&s);
    let plan =
        t.kr.borrow_mut()
            .prepare_create_with_passkey(None, Some("example.com"))
            .unwrap();
    let cred = auth.make();
    let prf = auth.prf(&cred, &plan.salt);
    let info =
        t.kr.borrow_mut()
            .finish_add_passkey(plan, cred, prf)
            .unwrap();
    assert_eq!(info.name, "Passkey", "the default name");
    assert_eq!(t.kr.borrow().state(), State::Unlocked, "create unlocks");
    set(&t, "anthropic");

    let t = tab(&s);
    assert_eq!(
        t.kr.borrow_mut().unlock_methods().unwrap(),
        vec![UnlockMethod::Passkey(info)]
    );
    let e = pollster::block_on(flows::unlock(&t.kr, &RustKdf, &PASS.into())).unwrap_err();
    assert_eq!(e.code(), ErrorCode::WrongPassphrase);
    assert!(e.message().contains("no passphrase"), "{}", e.message());
    let plan = t.kr.borrow_mut().prepare_passkey_unlock().unwrap();
    assert_eq!(
        plan.rp_id.as_deref(),
        Some("example.com"),
        "the rpId is kept"
    );
    unlock_with(&t, &auth).unwrap();
    assert_eq!(get(&t, "anthropic"), key("anthropic"));

    // A second create is refused, whichever method.
    let e =
        t.kr.borrow_mut()
            .prepare_create_with_passkey(None, None)
            .unwrap_err();
    assert_eq!(e.code(), ErrorCode::AlreadyExists);
}

#[test]
fn a_wrong_or_unknown_passkey_fails_and_writes_nothing() {
    let s = MemoryStorage::new();
    let mut auth = Authenticator::default();
    let t = tab(&s);
    create_with_passphrase(&t);
    set(&t, "openai");
    add(&t, &mut auth, None).unwrap();
    let before = stored(&s);

    let t = tab(&s);
    let plan = t.kr.borrow_mut().prepare_passkey_unlock().unwrap();
    let (cred, salt) = plan.credentials[0].clone();
    // The right credential but the PRF of another salt (another vault's).
    let e =
        t.kr.borrow_mut()
            .finish_passkey_unlock(&cred, auth.prf(&cred, &[7u8; 32]))
            .unwrap_err();
    assert_eq!(e.code(), ErrorCode::PasskeyFailed);
    // A credential this vault does not have.
    let mut other = Authenticator::default();
    let stranger = other.make();
    let e =
        t.kr.borrow_mut()
            .finish_passkey_unlock(&stranger, other.prf(&stranger, &salt))
            .unwrap_err();
    assert_eq!(e.code(), ErrorCode::PasskeyFailed);
    // A PRF output of the wrong size: the authenticator has no usable PRF.
    assert_eq!(
        PrfOutput::new(vec![1; 16]).unwrap_err().code(),
        ErrorCode::PasskeyUnsupported
    );
    assert_eq!(t.kr.borrow().state(), State::Locked);
    assert_eq!(stored(&s), before, "nothing written");

    // A vault without a passkey: passkey_failed, with a way forward.
    let s2 = MemoryStorage::new();
    let t2 = tab(&s2);
    create_with_passphrase(&t2);
    t2.kr.borrow_mut().lock();
    let e = t2.kr.borrow_mut().prepare_passkey_unlock().unwrap_err();
    assert_eq!(e.code(), ErrorCode::PasskeyFailed);
    // No vault at all.
    let e = tab(&MemoryStorage::new())
        .kr
        .borrow_mut()
        .prepare_passkey_unlock()
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::NoVault);
}

#[test]
fn a_registration_that_fails_writes_nothing() {
    let s = MemoryStorage::new();
    let mut auth = Authenticator::default();
    let t = tab(&s);
    create_with_passphrase(&t);
    let before = stored(&s);
    // Planned, then cancelled in the browser: the plan is dropped.
    let _cancelled = t.kr.borrow_mut().prepare_add_passkey(None, None).unwrap();
    assert_eq!(stored(&s), before);
    // Adding needs the keyring unlocked.
    t.kr.borrow_mut().lock();
    let e = add(&t, &mut auth, None).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Locked);
    // Locked between the plan and the answer.
    pollster::block_on(flows::unlock(&t.kr, &RustKdf, &PASS.into())).unwrap();
    let plan = t.kr.borrow_mut().prepare_add_passkey(None, None).unwrap();
    t.kr.borrow_mut().lock();
    let cred = auth.make();
    let prf = auth.prf(&cred, &plan.salt);
    let e =
        t.kr.borrow_mut()
            .finish_add_passkey(plan, cred, prf)
            .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Locked);
    assert_eq!(stored(&s), before, "nothing written");
}

#[test]
fn names_and_relying_party_ids_are_checked_before_any_prompt() {
    let s = MemoryStorage::new();
    let t = tab(&s);
    create_with_passphrase(&t);
    let refused = |name: Option<&str>, rp: Option<&str>| {
        let e = t.kr.borrow_mut().prepare_add_passkey(name, rp).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidArgument, "{name:?} {rp:?}");
        assert_no_window(e.message(), &key("openai"), "a passkey argument error");
    };
    refused(Some(&key("openai")), None);
    refused(Some(&"x".repeat(65)), None);
    refused(Some("tab\there"), None);
    refused(None, Some("Example.COM"));
    refused(None, Some("example.com/path"));
    refused(None, Some("login..example.com"));
    refused(None, Some(".example.com"));
    refused(None, Some(&format!("{}.example.com", "a".repeat(64))));
    refused(None, Some(&key("openai")));
    let plan =
        t.kr.borrow_mut()
            .prepare_add_passkey(Some("  Work phone "), Some("login.example.com"))
            .unwrap();
    assert_eq!(plan.name, "Work phone");
    assert_eq!(plan.rp_id.as_deref(), Some("login.example.com"));
}

#[test]
fn removing_passkeys_keeps_at_least_one_method() {
    let s = MemoryStorage::new();
    let mut auth = Authenticator::default();
    let t = tab(&s);
    let plan =
        t.kr.borrow_mut()
            .prepare_create_with_passkey(Some("first"), None)
            .unwrap();
    let cred = auth.make();
    let prf = auth.prf(&cred, &plan.salt);
    let first =
        t.kr.borrow_mut()
            .finish_add_passkey(plan, cred, prf)
            .unwrap();
    let mut other = Authenticator::default();
    t.now.set(t.now.get() + 1000);
    let second = add(&t, &mut other, Some("second")).unwrap();
    assert_eq!(t.kr.borrow_mut().unlock_methods().unwrap().len(), 2);

    assert!(!t
        .kr
        .borrow_mut()
        .remove_passkey("passkey-000000000000")
        .unwrap());
    assert!(!t.kr.borrow_mut().remove_passkey("passphrase").unwrap());
    assert!(t.kr.borrow_mut().remove_passkey(&first.id).unwrap());
    let e = t.kr.borrow_mut().remove_passkey(&second.id).unwrap_err();
    assert_eq!(e.code(), ErrorCode::LastUnlockMethod);
    assert_eq!(
        t.kr.borrow_mut().unlock_methods().unwrap(),
        vec![UnlockMethod::Passkey(second)]
    );

    // The removed passkey no longer unlocks; the other does.
    let t = tab(&s);
    let removed = auth.secrets.keys().next().unwrap().clone();
    let e =
        t.kr.borrow_mut()
            .finish_passkey_unlock(&removed, auth.prf(&removed, &[0; 32]))
            .unwrap_err();
    assert_eq!(e.code(), ErrorCode::PasskeyFailed);
    assert_eq!(
        t.kr.borrow_mut()
            .prepare_passkey_unlock()
            .unwrap()
            .credentials
            .len(),
        1
    );
    // Removing needs the keyring unlocked.
    let e = t.kr.borrow_mut().remove_passkey(&first.id).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Locked);
    unlock_with(&t, &other).unwrap();
}

#[test]
fn the_stored_slot_holds_nothing_secret() {
    let s = MemoryStorage::new();
    let mut auth = Authenticator::default();
    let t = tab(&s);
    create_with_passphrase(&t);
    set(&t, "groq");
    let plan =
        t.kr.borrow_mut()
            .prepare_add_passkey(Some("n"), None)
            .unwrap();
    let cred = auth.make();
    let prf_bytes = {
        let secret = DerivedKey::from_slice(&auth.secrets[&cred]).unwrap();
        crypto::hmac_sha256(&secret, &plan.salt)
    };
    let prf = auth.prf(&cred, &plan.salt);
    t.kr.borrow_mut()
        .finish_add_passkey(plan, cred, prf)
        .unwrap();
    let text = stored(&s);
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    let slot = v["slots"]
        .as_object()
        .unwrap()
        .iter()
        .find(|(id, _)| id.starts_with("passkey-"))
        .unwrap()
        .1;
    let mut fields: Vec<&str> = slot
        .as_object()
        .unwrap()
        .keys()
        .map(|k| k.as_str())
        .collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "createdAt",
            "credential",
            "key",
            "kind",
            "name",
            "nonce",
            "salt"
        ]
    );
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    assert!(
        !text.contains(&b64.encode(prf_bytes)),
        "the PRF output is not stored"
    );
    assert_no_window(&text, &key("groq"), "the stored vault");
}

/// Every field of a passkey slot, edited: the passkey then either does
/// not unlock (`passkey_failed`, nothing written) or unlocks with every
/// key marked tampered and unused (the vault MAC covers the slot); never
/// a wrong key, never a changed storage.
#[test]
fn edited_passkey_slots_never_yield_a_usable_key() {
    let s = MemoryStorage::new();
    let mut auth = Authenticator::default();
    let t = tab(&s);
    create_with_passphrase(&t);
    set(&t, "openai");
    let info = add(&t, &mut auth, Some("laptop")).unwrap();
    let original: serde_json::Value = serde_json::from_str(&stored(&s)).unwrap();
    let cred = auth.secrets.keys().next().unwrap().clone();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let flip = |text: &str| {
        let mut bytes = b64.decode(text).unwrap();
        bytes[0] ^= 1;
        b64.encode(bytes)
    };
    let slot =
        |v: &mut serde_json::Value| -> serde_json::Value { v["slots"][info.id.as_str()].clone() };
    let mut cases: Vec<(&str, serde_json::Value)> = Vec::new();
    for field in ["credential", "salt", "nonce", "key"] {
        let mut v = original.clone();
        let mut sl = slot(&mut v);
        sl[field] = flip(sl[field].as_str().unwrap()).into();
        v["slots"][info.id.as_str()] = sl;
        cases.push((field, v));
    }
    let mut v = original.clone();
    v["slots"][info.id.as_str()]["name"] = "attacker's".into();
    cases.push(("name", v));
    let mut v = original.clone();
    v["slots"][info.id.as_str()]["createdAt"] = 5.into();
    cases.push(("createdAt", v));
    let mut v = original.clone();
    v["slots"][info.id.as_str()]["rpId"] = "evil.example".into();
    cases.push(("rpId", v));
    // The slot moved under another id (its wrap is bound to its id).
    let mut v = original.clone();
    let sl = slot(&mut v);
    v["slots"].as_object_mut().unwrap().remove(info.id.as_str());
    v["slots"]["passkey-ffffffffffff"] = sl;
    cases.push(("id", v));
    // The passphrase slot removed: the vault MAC lists the slots.
    let mut v = original.clone();
    v["slots"].as_object_mut().unwrap().remove("passphrase");
    cases.push(("other slot removed", v));

    let mut outcomes = Vec::new();
    for (what, v) in cases {
        let text = v.to_string();
        s.write(ITEM, &text).unwrap();
        let t = tab(&s);
        let salt =
            t.kr.borrow_mut()
                .prepare_passkey_unlock()
                .ok()
                .and_then(|p| p.credentials.first().map(|c| c.1));
        let result =
            t.kr.borrow_mut()
                .finish_passkey_unlock(&cred, auth.prf(&cred, &salt.unwrap_or([0; 32])));
        match result {
            Err(e) => {
                assert_eq!(e.code(), ErrorCode::PasskeyFailed, "{what}");
                assert_eq!(t.kr.borrow().state(), State::Locked, "{what}");
                outcomes.push((what, "refused"));
            }
            Ok(()) => {
                assert!(!t.kr.borrow().is_byok("openai"), "{what}: a key was used");
                assert!(
                    !matches!(t.kr.borrow_mut().get("openai"), Ok(Some(_))),
                    "{what}: a key was read"
                );
                assert!(
                    t.kr.borrow().list().unwrap().iter().all(|k| k.tampered),
                    "{what}: keys are marked tampered"
                );
                outcomes.push((what, "unlocked, keys unused"));
            }
        }
        assert_eq!(stored(&s), text, "{what}: storage unchanged");
    }
    println!("passkey slot edits: {outcomes:?}");
    // The wrap itself must be what fails for these.
    for field in ["salt", "nonce", "key", "id", "credential"] {
        assert!(
            outcomes.contains(&(field, "refused")),
            "{field}: {outcomes:?}"
        );
    }
}
