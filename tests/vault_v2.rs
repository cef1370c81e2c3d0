//! Vault format 2, natively: `cargo test --test vault_v2`.
//!
//! What a user depends on from key slots, authenticated metadata and
//! timestamped removals: no write seals a key with a stale vault key, edits
//! made by someone who can write storage but lacks the passphrase are never
//! used, a key that does not decrypt blocks nothing else, removals are not
//! undone by another tab, unlock attempts cannot be run in parallel to skip
//! the delay, and a planted vault cannot demand unbounded work.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use byok_keyring::crypto::{self, DerivedKey};
use byok_keyring::format::{self, Vault, PASSPHRASE_SLOT};
use byok_keyring::kdf::{DeriveFuture, Kdf};
use byok_keyring::{
    flows, ChangeKind, ErrorCode, KeyInfo, Keyring, MemoryStorage, Options, Passphrase, RustKdf,
    SetOptions, State, Storage,
};
use common::{assert_no_window, key, key_seeded};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

const PASS: &str = "correct horse battery";
const FAST: u32 = 100_000;
const ITEM: &str = "byok-keyring:a";

fn opts(iterations: u32) -> Options {
    Options {
        namespace: "a".into(),
        iterations,
        ..Options::default()
    }
}

/// A keyring on shared storage with a clock the test moves.
struct Tab {
    kr: RefCell<Keyring>,
    now: Rc<Cell<u64>>,
}

fn tab_with(storage: &dyn CloneStorage, o: Options) -> Tab {
    let now = Rc::new(Cell::new(1_700_000_000_000u64));
    let clock = {
        let now = now.clone();
        Box::new(move || now.get())
    };
    Tab {
        kr: RefCell::new(Keyring::new(o, storage.boxed(), clock).unwrap()),
        now,
    }
}

fn tab(storage: &MemoryStorage) -> Tab {
    tab_with(storage, opts(FAST))
}

trait CloneStorage {
    fn boxed(&self) -> Box<dyn Storage>;
}
impl CloneStorage for MemoryStorage {
    fn boxed(&self) -> Box<dyn Storage> {
        Box::new(self.clone())
    }
}
impl CloneStorage for Faulty {
    fn boxed(&self) -> Box<dyn Storage> {
        Box::new(self.clone())
    }
}

fn create(t: &Tab) {
    pollster::block_on(flows::create(&t.kr, &RustKdf, &PASS.into())).unwrap();
}

fn unlock(t: &Tab, pass: &str) -> byok_keyring::Result<()> {
    pollster::block_on(flows::unlock(&t.kr, &RustKdf, &pass.into()))
}

fn set(t: &Tab, provider: &str, k: &str) {
    t.kr.borrow_mut()
        .set(provider, k, SetOptions::default())
        .unwrap();
}

fn stored(s: &MemoryStorage) -> String {
    s.read(ITEM).unwrap().unwrap()
}

fn json(s: &MemoryStorage) -> serde_json::Value {
    serde_json::from_str(&stored(s)).unwrap()
}

fn put(s: &MemoryStorage, v: &serde_json::Value) {
    s.write(ITEM, &v.to_string()).unwrap();
}

fn info(t: &Tab, provider: &str) -> KeyInfo {
    t.kr.borrow()
        .list()
        .unwrap()
        .into_iter()
        .find(|i| i.provider == provider)
        .unwrap_or_else(|| panic!("{provider} not listed"))
}

/// The keys a fresh keyring sees after unlocking (like a reload).
fn fresh_view(s: &MemoryStorage) -> Tab {
    let t = tab(s);
    unlock(&t, PASS).unwrap();
    t
}

/// Storage whose writes can be made to fail, and which counts them.
#[derive(Clone, Default)]
struct Faulty {
    inner: MemoryStorage,
    fail: Rc<Cell<bool>>,
    writes: Rc<Cell<u32>>,
}

impl Storage for Faulty {
    fn read(&self, key: &str) -> byok_keyring::Result<Option<String>> {
        self.inner.read(key)
    }
    fn write(&self, key: &str, value: &str) -> byok_keyring::Result<()> {
        if self.fail.get() {
            return Err(byok_keyring::Error::new(ErrorCode::StorageFull, "full"));
        }
        self.writes.set(self.writes.get() + 1);
        self.inner.write(key, value)
    }
    fn remove(&self, key: &str) -> byok_keyring::Result<()> {
        self.inner.remove(key)
    }
}

// ------------------------------------------------------- stale vault keys

#[test]
fn a_passphrase_change_elsewhere_does_not_strand_a_later_write() {
    let s = MemoryStorage::new();
    let a = tab(&s);
    create(&a);
    let b = tab(&s);
    unlock(&b, PASS).unwrap();
    // A changes the passphrase; B has not re-read storage (no event yet).
    pollster::block_on(flows::change_passphrase(
        &a.kr,
        &RustKdf,
        &PASS.into(),
        &"a new passphrase".into(),
    ))
    .unwrap();
    let groq = key("groq");
    set(&b, "groq", &groq);
    // The key B wrote opens with the new passphrase, everywhere (A sees it
    // when B's storage event arrives).
    a.kr.borrow_mut().on_external_change().unwrap();
    assert_eq!(
        a.kr.borrow_mut().get("groq").unwrap().unwrap().expose(),
        groq
    );
    assert!(a.kr.borrow().is_byok("groq"));
    let c = tab(&s);
    unlock(&c, "a new passphrase").unwrap();
    assert_eq!(
        c.kr.borrow_mut().get("groq").unwrap().unwrap().expose(),
        groq
    );
    assert!(!info(&c, "groq").tampered && !info(&c, "groq").damaged);
    // And later passphrase changes keep working.
    pollster::block_on(flows::change_passphrase(
        &c.kr,
        &RustKdf,
        &"a new passphrase".into(),
        &"a third passphrase".into(),
    ))
    .unwrap();
}

#[test]
fn a_write_into_a_vault_replaced_elsewhere_is_refused_and_writes_nothing() {
    let s = MemoryStorage::new();
    let a = tab(&s);
    create(&a);
    let b = tab(&s);
    unlock(&b, PASS).unwrap();
    // A forgets everything and starts a new vault (same passphrase even).
    a.kr.borrow_mut().reset().unwrap();
    create(&a);
    let before = stored(&s);
    let e =
        b.kr.borrow_mut()
            .set("groq", &key("groq"), SetOptions::default())
            .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Locked);
    assert_eq!(stored(&s), before, "nothing written");
    assert_eq!(b.kr.borrow().state(), State::Locked);
    // B unlocks the new vault and then writes normally.
    unlock(&b, PASS).unwrap();
    set(&b, "groq", &key("groq"));
    a.kr.borrow_mut().on_external_change().unwrap();
    assert!(a.kr.borrow_mut().get("groq").unwrap().is_some());
}

// --------------------------------------------------- authenticated metadata

/// A vault with a disabled OpenAI key (with a model and an expiry) and an
/// enabled Groq key; returns the storage, its text, and the keys.
fn vault_with_keys() -> (MemoryStorage, String, String) {
    let s = MemoryStorage::new();
    let t = tab(&s);
    create(&t);
    let (openai, groq) = (key("openai"), key("groq"));
    t.kr.borrow_mut()
        .set(
            "openai",
            &openai,
            SetOptions {
                model: Some("gpt-4o-mini".into()),
                expires_in_ms: Some(60_000),
                base_url: None,
            },
        )
        .unwrap();
    t.kr.borrow_mut().set_enabled("openai", false).unwrap();
    set(&t, "groq", &groq);
    (s, openai, groq)
}

#[test]
fn metadata_edited_without_the_passphrase_is_never_used() {
    type Edit = fn(&mut serde_json::Value);
    let edits: [(&str, &str, Edit); 5] = [
        ("re-enable a disabled key", "openai", |v| {
            v["records"]["openai"]["enabled"] = true.into()
        }),
        ("remove an expiry", "openai", |v| {
            v["records"]["openai"]
                .as_object_mut()
                .unwrap()
                .remove("expiresAt");
        }),
        ("change the model", "groq", |v| {
            v["records"]["groq"]["model"] = "gpt-4.5-preview-most-expensive".into()
        }),
        ("move the creation time", "groq", |v| {
            v["records"]["groq"]["createdAt"] = 1.into()
        }),
        ("add a baseUrl", "groq", |v| {
            v["records"]["groq"]["baseUrl"] = "https://attacker.example".into()
        }),
    ];
    for (what, provider, edit) in edits {
        let (s, _, _) = vault_with_keys();
        let mut v = json(&s);
        edit(&mut v);
        put(&s, &v);
        let before = stored(&s);
        let t = fresh_view(&s);
        let i = info(&t, provider);
        assert!(i.tampered, "{what}: {i:?}");
        assert!(!t.kr.borrow().is_byok(provider), "{what}");
        assert!(
            t.kr.borrow().should_deduct_credits(provider, None),
            "{what}"
        );
        assert!(t.kr.borrow_mut().get(provider).unwrap().is_none(), "{what}");
        // The other key is untouched and still used (or still disabled).
        let other = if provider == "groq" { "openai" } else { "groq" };
        assert!(!info(&t, other).tampered, "{what}");
        assert_eq!(t.kr.borrow().is_byok("groq"), provider != "groq", "{what}");
        assert_eq!(
            stored(&s),
            before,
            "{what}: unlock rewrote a tampered vault"
        );
        // It cannot be switched on; removing or replacing it works.
        assert_eq!(
            t.kr.borrow_mut()
                .set_enabled(provider, true)
                .unwrap_err()
                .code(),
            ErrorCode::Corrupt,
            "{what}"
        );
        set(&t, provider, &key_seeded(provider, 99));
        assert!(!info(&t, provider).tampered, "{what}");
        assert!(t.kr.borrow().is_byok(provider), "{what}");
    }
}

#[test]
fn an_older_copy_of_one_record_is_not_accepted() {
    let (s, _, groq) = vault_with_keys();
    let old_record = json(&s)["records"]["groq"].clone();
    let t = fresh_view(&s);
    let replacement = key_seeded("groq", 7);
    set(&t, "groq", &replacement);
    // Someone puts the old record back (they kept a copy of storage).
    let mut v = json(&s);
    v["records"]["groq"] = old_record;
    put(&s, &v);
    let t = fresh_view(&s);
    assert!(info(&t, "groq").tampered);
    assert!(t.kr.borrow_mut().get("groq").unwrap().is_none());
    assert!(!t.kr.borrow().is_byok("groq"));
    let _ = groq;
}

#[test]
fn a_removed_key_put_back_from_a_copy_is_not_accepted() {
    let (s, _, _) = vault_with_keys();
    let old = json(&s);
    let t = fresh_view(&s);
    t.kr.borrow_mut().remove("groq").unwrap();
    let mut v = json(&s);
    v["records"]["groq"] = old["records"]["groq"].clone();
    v["macs"]["groq"] = old["macs"]["groq"].clone();
    put(&s, &v);
    let t = fresh_view(&s);
    assert!(t.kr.borrow_mut().get("groq").unwrap().is_none());
    assert!(!t.kr.borrow().is_byok("groq"));
}

#[test]
fn a_whole_vault_rolled_back_is_accepted_as_documented() {
    // Without state an attacker cannot write, a complete older copy is
    // indistinguishable from the real thing (SECURITY.md says so).
    let (s, _, groq) = vault_with_keys();
    let old = stored(&s);
    let t = fresh_view(&s);
    t.kr.borrow_mut().remove("groq").unwrap();
    s.write(ITEM, &old).unwrap();
    let t = fresh_view(&s);
    assert_eq!(
        t.kr.borrow_mut().get("groq").unwrap().unwrap().expose(),
        groq
    );
}

#[test]
fn disabling_and_removing_work_while_locked_and_are_sealed_at_unlock() {
    let (s, _, _) = vault_with_keys();
    let t = tab(&s);
    assert_eq!(t.kr.borrow().state(), State::Locked);
    t.kr.borrow_mut().set_enabled("groq", false).unwrap();
    assert!(!info(&t, "groq").enabled);
    // Enabling needs the vault key.
    let e = t.kr.borrow_mut().set_enabled("openai", true).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Locked);
    assert!(!info(&t, "openai").enabled);
    assert!(json(&s)["disabled"]["groq"].is_u64());
    unlock(&t, PASS).unwrap();
    // Sealed into the record and its MAC: no override left.
    let v = json(&s);
    assert!(v.get("disabled").is_none(), "{v}");
    assert_eq!(v["records"]["groq"]["enabled"], false);
    let i = info(&t, "groq");
    assert!(!i.enabled && !i.tampered);
    assert!(!t.kr.borrow().is_byok("groq"));
    // Now enabling works.
    t.kr.borrow_mut().set_enabled("groq", true).unwrap();
    assert!(t.kr.borrow().is_byok("groq"));
    // A removal while locked leaves no ciphertext behind.
    t.kr.borrow_mut().lock();
    assert!(t.kr.borrow_mut().remove("groq").unwrap());
    let v = json(&s);
    assert!(v["records"].get("groq").is_none());
    assert!(v["removed"]["groq"].is_u64());
    unlock(&t, PASS).unwrap();
    assert!(t
        .kr
        .borrow()
        .list()
        .unwrap()
        .iter()
        .all(|i| i.provider != "groq"));
}

// ---------------------------------------------------- damaged records

/// Re-seals `vault` (in storage) as its owner would, after `edit`: the
/// test knows the passphrase, so it can open the vault key and recompute
/// every MAC, producing a record whose MAC is right but which does not
/// decrypt.
fn reseal(s: &MemoryStorage, edit: impl FnOnce(&mut Vault)) {
    let mut vault = Vault::parse(&stored(s)).unwrap();
    let kdf = vault.passphrase_kdf().unwrap().clone();
    let slot_key = crypto::pbkdf2_sha256(PASS.as_bytes(), &kdf.salt, kdf.iterations);
    let slot = vault.slots.get(PASSPHRASE_SLOT).unwrap();
    let aad = format::slot_aad("a", &vault.id, PASSPHRASE_SLOT);
    let vault_key =
        DerivedKey::from_slice(&crypto::open(&slot_key, &slot.wrapped, &aad).unwrap()).unwrap();
    let mac_key = crypto::hkdf_sha256(&vault_key, &vault.id, format::MAC_INFO);
    edit(&mut vault);
    vault.macs = vault
        .records
        .iter()
        .map(|(p, r)| {
            let mac = crypto::hmac_sha256(&mac_key, &format::record_mac_input("a", p, r));
            (p.clone(), mac)
        })
        .collect();
    vault.mac = crypto::hmac_sha256(&mac_key, &format::vault_mac_input("a", &vault));
    s.write(ITEM, &vault.to_json().unwrap()).unwrap();
}

#[test]
fn a_removal_at_or_after_a_keys_last_write_hides_it() {
    // A vault can hold a record and a removal of the same provider (two
    // tabs' changes merged): the removal wins over a write made at the same
    // moment or before it, and loses to a later one.
    let (s, _, groq) = vault_with_keys();
    let original = stored(&s);
    let written = Vault::parse(&original)
        .unwrap()
        .records
        .get("groq")
        .unwrap()
        .updated_at;
    let listed = |t: &Tab| {
        t.kr.borrow()
            .list()
            .unwrap()
            .iter()
            .any(|i| i.provider == "groq")
    };
    for (removed_at, live) in [(written - 1, true), (written, false), (written + 1, false)] {
        let when = removed_at as i64 - written as i64;
        s.write(ITEM, &original).unwrap();
        reseal(&s, |v| {
            v.removed.insert("groq".into(), removed_at);
        });
        assert!(json(&s)["records"].get("groq").is_some());
        // Locked, the list is read from the stored vault as it is.
        assert_eq!(
            listed(&tab(&s)),
            live,
            "listed while locked, removed at {when:+}ms"
        );
        // Unlocking seals the vault again: a superseded record is dropped.
        let t = fresh_view(&s);
        let got = t.kr.borrow_mut().get("groq").unwrap();
        assert_eq!(
            got.as_ref().map(|k| k.expose()),
            live.then_some(groq.as_str()),
            "removed at {when:+}ms"
        );
        assert_eq!(t.kr.borrow().is_byok("groq"), live);
        assert_eq!(listed(&t), live);
        assert_eq!(
            json(&s)["records"].get("groq").is_some(),
            live,
            "stored, removed at {when:+}ms"
        );
    }
}

#[test]
fn a_key_that_does_not_decrypt_blocks_nothing_else() {
    let (s, _, groq) = vault_with_keys();
    reseal(&s, |v| {
        v.records.get_mut("openai").unwrap().sealed.ciphertext[0] ^= 1;
    });
    let t = fresh_view(&s);
    let i = info(&t, "openai");
    assert!(i.damaged && !i.tampered, "{i:?}");
    t.kr.borrow_mut().set_enabled("openai", true).unwrap();
    assert!(!t.kr.borrow().is_byok("openai"));
    let e = t.kr.borrow_mut().get("openai").unwrap_err();
    assert_eq!(e.code(), ErrorCode::Corrupt);
    assert!(
        e.message().contains("OpenAI") && e.message().contains("Remove it"),
        "{}",
        e.message()
    );
    assert!(!e.message().contains("reset"), "{}", e.message());
    // Everything else works: the other key, a passphrase change, an upgrade.
    assert_eq!(
        t.kr.borrow_mut().get("groq").unwrap().unwrap().expose(),
        groq
    );
    pollster::block_on(flows::change_passphrase(
        &t.kr,
        &RustKdf,
        &PASS.into(),
        &"another passphrase".into(),
    ))
    .unwrap();
    let up = tab_with(&s, opts(120_000));
    unlock(&up, "another passphrase").unwrap();
    assert_eq!(up.kr.borrow().iterations(), Some(120_000));
    assert!(info(&up, "openai").damaged);
    assert_eq!(
        up.kr.borrow_mut().get("groq").unwrap().unwrap().expose(),
        groq
    );
    // Replacing that one key repairs it.
    set(&up, "openai", &key("openai"));
    assert!(!info(&up, "openai").damaged);
    assert!(up.kr.borrow().is_byok("openai"));
}

#[test]
fn a_failed_upgrade_is_reported_and_the_count_stays_readable() {
    let f = Faulty::default();
    let t = tab_with(&f, opts(FAST));
    pollster::block_on(flows::create(&t.kr, &RustKdf, &PASS.into())).unwrap();
    assert_eq!(t.kr.borrow().iterations(), Some(FAST));
    let up = tab_with(&f, opts(130_000));
    f.fail.set(true);
    pollster::block_on(flows::unlock(&up.kr, &RustKdf, &PASS.into())).unwrap();
    assert_eq!(up.kr.borrow().state(), State::Unlocked);
    let events: Vec<ChangeKind> = up
        .kr
        .borrow_mut()
        .take_events()
        .iter()
        .map(|e| e.kind)
        .collect();
    assert!(events.contains(&ChangeKind::UpgradeFailed), "{events:?}");
    assert_eq!(up.kr.borrow().iterations(), Some(FAST));
    // The next unlock, with room again, upgrades.
    f.fail.set(false);
    up.kr.borrow_mut().lock();
    pollster::block_on(flows::unlock(&up.kr, &RustKdf, &PASS.into())).unwrap();
    assert_eq!(up.kr.borrow().iterations(), Some(130_000));
}

// ------------------------------------------------------------ tombstones

#[test]
fn a_removal_in_one_tab_is_not_undone_by_another_tabs_earlier_write() {
    let s = MemoryStorage::new();
    let a = tab(&s);
    create(&a);
    let b = tab(&s);
    unlock(&b, PASS).unwrap();
    set(&a, "groq", &key("groq"));
    b.now.set(b.now.get() + 500);
    b.kr.borrow_mut().on_external_change().unwrap();
    assert!(b.kr.borrow_mut().remove("groq").unwrap());
    // A receives B's storage event within the reconcile window.
    a.now.set(a.now.get() + 600);
    a.kr.borrow_mut().on_external_change().unwrap();
    assert!(!a.kr.borrow().is_byok("groq"));
    assert!(json(&s)["records"].get("groq").is_none());
    // A removal made at the same moment as a write wins.
    set(&a, "openai", &key("openai"));
    b.now.set(a.now.get());
    b.kr.borrow_mut().on_external_change().unwrap();
    b.kr.borrow_mut().remove("openai").unwrap();
    a.kr.borrow_mut().on_external_change().unwrap();
    assert!(!a.kr.borrow().is_byok("openai"));
    // A key set after a removal is live again.
    a.now.set(a.now.get() + 1);
    set(&a, "openai", &key("openai"));
    b.kr.borrow_mut().on_external_change().unwrap();
    assert!(b.kr.borrow().is_byok("openai"));
}

#[test]
fn two_tabs_writing_one_provider_at_the_same_moment_converge() {
    let s = MemoryStorage::new();
    let a = tab(&s);
    create(&a);
    let b = tab(&s);
    unlock(&b, PASS).unwrap();
    // Both write at the same millisecond; each read the vault before the
    // other's write reached it (simulated: B writes over A's write unseen).
    let (ka, kb) = (key_seeded("groq", 1), key_seeded("groq", 2));
    set(&a, "groq", &ka);
    let after_a = stored(&s);
    s.write(ITEM, &json_without_groq(&after_a)).unwrap();
    b.kr.borrow_mut().reload().unwrap();
    set(&b, "groq", &kb);
    // The events cross.
    a.kr.borrow_mut().on_external_change().unwrap();
    b.kr.borrow_mut().on_external_change().unwrap();
    a.kr.borrow_mut().on_external_change().unwrap();
    let ga = a.kr.borrow_mut().get("groq").unwrap().unwrap();
    let gb = b.kr.borrow_mut().get("groq").unwrap().unwrap();
    assert_eq!(ga.expose(), gb.expose(), "both tabs use the same key");
    let c = fresh_view(&s);
    assert_eq!(
        c.kr.borrow_mut().get("groq").unwrap().unwrap().expose(),
        ga.expose()
    );
}

fn json_without_groq(text: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(text).unwrap();
    let before: serde_json::Value = v.clone();
    v["records"].as_object_mut().unwrap().remove("groq");
    // What the vault was before A's write (B's view), MACs included.
    if let Some(m) = v.get_mut("macs").and_then(|m| m.as_object_mut()) {
        m.remove("groq");
    }
    let _ = before;
    v.to_string()
}

// ------------------------------------------------------ unlock friction

/// A KDF whose derivations finish only when the test says so.
#[derive(Default)]
struct GatedKdf {
    open: Cell<bool>,
    started: Cell<u32>,
}

impl Kdf for GatedKdf {
    fn backend(&self) -> &'static str {
        "gated"
    }
    fn derive<'a>(&'a self, p: &'a Passphrase, params: &'a format::KdfParams) -> DeriveFuture<'a> {
        self.started.set(self.started.get() + 1);
        Box::pin(async move {
            std::future::poll_fn(|_| {
                if self.open.get() {
                    std::task::Poll::Ready(())
                } else {
                    std::task::Poll::Pending
                }
            })
            .await;
            RustKdf.derive(p, params).await
        })
    }
}

fn poll_once<F: std::future::Future>(f: std::pin::Pin<&mut F>) -> std::task::Poll<F::Output> {
    struct Noop;
    impl std::task::Wake for Noop {
        fn wake(self: std::sync::Arc<Self>) {}
    }
    let waker = std::task::Waker::from(std::sync::Arc::new(Noop));
    f.poll(&mut std::task::Context::from_waker(&waker))
}

#[test]
fn unlocks_started_together_run_one_at_a_time() {
    let s = MemoryStorage::new();
    let t = tab(&s);
    create(&t);
    t.kr.borrow_mut().lock();
    let kdf = GatedKdf::default();
    let wrong: Passphrase = "wrong wrong wrong".into();
    let mut futures: Vec<_> = (0..30)
        .map(|_| Box::pin(flows::unlock(&t.kr, &kdf, &wrong)))
        .collect();
    let mut busy = 0;
    for f in futures.iter_mut() {
        if let std::task::Poll::Ready(Err(e)) = poll_once(f.as_mut()) {
            assert_eq!(e.code(), ErrorCode::Busy);
            assert!(e.retry_after_ms().is_some());
            busy += 1;
        }
    }
    assert_eq!(busy, 29, "only one attempt may run");
    assert_eq!(kdf.started.get(), 1, "one derivation started");
    kdf.open.set(true);
    match poll_once(futures[0].as_mut()) {
        std::task::Poll::Ready(Err(e)) => assert_eq!(e.code(), ErrorCode::WrongPassphrase),
        other => panic!("{:?}", other.map(|r| r.map_err(|e| e.code()))),
    }
    // The next attempt is allowed (the first failures are free) and works.
    unlock(&t, PASS).unwrap();
}

#[test]
fn an_attempt_counts_when_it_starts() {
    let s = MemoryStorage::new();
    let t = tab(&s);
    create(&t);
    t.kr.borrow_mut().lock();
    for _ in 0..4 {
        assert_eq!(
            unlock(&t, "wrong wrong").unwrap_err().code(),
            ErrorCode::WrongPassphrase
        );
    }
    // The fifth attempt starts and is abandoned (the page is closed, the
    // derivation never ends): it still counts.
    let kdf = GatedKdf::default();
    let pass: Passphrase = "wrong wrong".into();
    let mut pending = Box::pin(flows::unlock(&t.kr, &kdf, &pass));
    assert!(poll_once(pending.as_mut()).is_pending());
    kdf.open.set(true);
    let e = match poll_once(pending.as_mut()) {
        std::task::Poll::Ready(r) => r.unwrap_err(),
        std::task::Poll::Pending => panic!("still pending"),
    };
    assert_eq!(e.retry_after_ms(), Some(1_000));
}

// ------------------------------------------------------- excessive work

/// Counts derivations.
#[derive(Default)]
struct CountingKdf(Cell<u32>);

impl Kdf for CountingKdf {
    fn backend(&self) -> &'static str {
        "counting"
    }
    fn derive<'a>(&'a self, p: &'a Passphrase, params: &'a format::KdfParams) -> DeriveFuture<'a> {
        self.0.set(self.0.get() + 1);
        RustKdf.derive(p, params)
    }
}

#[test]
fn a_vault_demanding_excessive_work_is_refused_before_deriving() {
    let s = MemoryStorage::new();
    let t = tab(&s);
    create(&t);
    let mut v = json(&s);
    // 4x the configured count is the most a keyring accepts.
    for (n, refused) in [(400_000u64, false), (400_001, true), (10_000_000, true)] {
        v["slots"]["passphrase"]["kdf"]["iterations"] = n.into();
        put(&s, &v);
        let before = stored(&s);
        let fresh = tab(&s);
        let kdf = CountingKdf::default();
        let r = pollster::block_on(flows::unlock(&fresh.kr, &kdf, &PASS.into()));
        if refused {
            let e = r.unwrap_err();
            assert_eq!(e.code(), ErrorCode::ExcessiveWork, "{n}");
            assert!(e.message().contains("too much work"), "{}", e.message());
            assert_eq!(kdf.0.get(), 0, "{n}: derived anyway");
        } else {
            // Not refused for work (the passphrase slot no longer opens: the
            // count is part of the derivation).
            assert_eq!(r.unwrap_err().code(), ErrorCode::WrongPassphrase);
        }
        assert_eq!(stored(&s), before);
        // An import of such a vault is refused the same way.
        let export = fresh.kr.borrow_mut().export_vault().unwrap();
        let other = MemoryStorage::new();
        let r = tab(&other).kr.borrow_mut().import_vault(&export);
        assert_eq!(r.is_err(), refused, "{n}");
        if refused {
            assert!(other.dump().is_empty());
        }
    }
    // A keyring configured for more work accepts more.
    let strong = tab_with(&s, opts(2_500_000));
    let kdf = CountingKdf::default();
    let r = pollster::block_on(flows::unlock(&strong.kr, &kdf, &PASS.into()));
    assert_ne!(r.unwrap_err().code(), ErrorCode::ExcessiveWork);
}

// ------------------------------------------------------ version 1 vaults

#[test]
fn a_version_1_vault_is_rewritten_as_version_2_in_one_write() {
    let fixture: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("tests/data/vault-v1.json").unwrap())
            .unwrap();
    let f = Faulty::default();
    let ns = fixture["namespace"].as_str().unwrap();
    let item = format!("byok-keyring:{ns}");
    f.inner
        .write(&item, &fixture["stored"].to_string())
        .unwrap();
    let o = Options {
        namespace: ns.into(),
        iterations: fixture["stored"]["kdf"]["iterations"].as_u64().unwrap() as u32,
        ..Options::default()
    };
    let t = tab_with(&f, o);
    let pass = fixture["passphrase"].as_str().unwrap();
    // While locked, nothing is rewritten.
    assert!(!t.kr.borrow().list().unwrap().is_empty());
    assert_eq!(f.writes.get(), 0);
    pollster::block_on(flows::unlock(&t.kr, &RustKdf, &pass.into())).unwrap();
    assert_eq!(f.writes.get(), 1, "one write");
    let text = f.inner.read(&item).unwrap().unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(v["v"], 2);
    let (provider, k) = (
        fixture["provider"].as_str().unwrap(),
        fixture["key"].as_str().unwrap(),
    );
    let got = t.kr.borrow_mut().get(provider).unwrap().unwrap();
    assert_eq!(got.expose(), k);
    assert_no_window(&text, k, "the rewritten vault");
    assert!(!info(&t, provider).tampered && !info(&t, provider).damaged);
    // And a fresh keyring opens the rewritten vault.
    let again = tab_with(
        &f,
        Options {
            namespace: ns.into(),
            iterations: FAST,
            ..Options::default()
        },
    );
    pollster::block_on(flows::unlock(&again.kr, &RustKdf, &pass.into())).unwrap();
    assert_eq!(
        again
            .kr
            .borrow_mut()
            .get(provider)
            .unwrap()
            .unwrap()
            .expose(),
        k
    );
}

#[test]
fn a_version_1_check_must_be_the_empty_plaintext() {
    let fixture: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("tests/data/vault-v1.json").unwrap())
            .unwrap();
    let ns = fixture["namespace"].as_str().unwrap();
    let pass = fixture["passphrase"].as_str().unwrap();
    let mut v = fixture["stored"].clone();
    let vault = Vault::parse(&v.to_string()).unwrap();
    let kdf = vault.passphrase_kdf().unwrap();
    let k = crypto::pbkdf2_sha256(pass.as_bytes(), &kdf.salt, kdf.iterations);
    // A check that opens but holds something is not a check: 16 bytes of
    // ciphertext cannot hold it, so it is refused as malformed; and one of the
    // right length sealed over other associated data does not open.
    let sealed = crypto::seal(&k, b"x", &format::check_aad_v1(ns)).unwrap();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    v["check"]["nonce"] = b64.encode(sealed.nonce).into();
    v["check"]["ct"] = b64.encode(&sealed.ciphertext).into();
    assert_eq!(
        Vault::parse(&v.to_string()).unwrap_err(),
        format::FormatError::BadField("check")
    );
}

// ------------------------------------------------------------ the fixture

const FIXTURE_V2: &str = "tests/data/vault-v2.json";

/// Writes tests/data/vault-v2.json (run once, by hand, when the fixture is
/// first made: `cargo test --test vault_v2 -- --ignored`). The committed file
/// is what every later version must read.
#[test]
#[ignore]
fn write_the_version_2_fixture() {
    let s = MemoryStorage::new();
    let o = Options {
        namespace: "alice@example.com".into(),
        iterations: FAST,
        ..Options::default()
    };
    let t = tab_with(&s, o);
    let pass = "correct horse battery staple";
    pollster::block_on(flows::create(&t.kr, &RustKdf, &pass.into())).unwrap();
    let (openai, groq, gemini) = (key("openai"), key("groq"), key("gemini"));
    t.kr.borrow_mut()
        .set(
            "openai",
            &openai,
            SetOptions {
                model: Some("gpt-4o-mini".into()),
                expires_in_ms: Some(10 * 365 * 24 * 3600 * 1000),
                base_url: None,
            },
        )
        .unwrap();
    set(&t, "groq", &groq);
    t.kr.borrow_mut().set_enabled("groq", false).unwrap();
    set(&t, "gemini", &gemini);
    t.now.set(t.now.get() + 1000);
    t.kr.borrow_mut().remove("gemini").unwrap();
    let stored: serde_json::Value =
        serde_json::from_str(&s.read("byok-keyring:alice@example.com").unwrap().unwrap()).unwrap();
    let fixture = serde_json::json!({
        "comment": "A vault written by byok-keyring 0.2.0 (format version 2). Every later version must read it; docs/FORMAT.md explains each field. The keys are made up.",
        "namespace": "alice@example.com",
        "passphrase": pass,
        "keys": { "openai": openai, "groq": groq },
        "removed": ["gemini"],
        "disabled": ["groq"],
        "stored": stored,
    });
    std::fs::write(
        FIXTURE_V2,
        serde_json::to_string_pretty(&fixture).unwrap() + "\n",
    )
    .unwrap();
}

#[test]
fn the_version_2_fixture_still_opens() {
    let fixture: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(FIXTURE_V2).unwrap()).unwrap();
    let ns = fixture["namespace"].as_str().unwrap();
    let s = MemoryStorage::new();
    let item = format!("byok-keyring:{ns}");
    s.write(&item, &fixture["stored"].to_string()).unwrap();
    let t = tab_with(
        &s,
        Options {
            namespace: ns.into(),
            iterations: FAST,
            ..Options::default()
        },
    );
    // The clock of the fixture: before the OpenAI key expires.
    t.now.set(1_700_000_001_000);
    let before = s.read(&item).unwrap();
    pollster::block_on(flows::unlock(
        &t.kr,
        &RustKdf,
        &fixture["passphrase"].as_str().unwrap().into(),
    ))
    .unwrap();
    assert_eq!(
        s.read(&item).unwrap(),
        before,
        "opening it rewrites nothing"
    );
    for (provider, k) in fixture["keys"].as_object().unwrap() {
        let got = t.kr.borrow_mut().get(provider).unwrap().unwrap();
        assert_eq!(got.expose(), k.as_str().unwrap(), "{provider}");
        let i = info(&t, provider);
        assert!(!i.tampered && !i.damaged, "{i:?}");
    }
    assert!(t.kr.borrow().is_byok("openai"));
    assert!(!t.kr.borrow().is_byok("groq"), "disabled in the fixture");
    assert!(!t.kr.borrow().is_byok("gemini"), "removed in the fixture");
    assert_eq!(info(&t, "openai").model.as_deref(), Some("gpt-4o-mini"));
}
