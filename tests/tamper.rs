//! The tamper matrix (a damaged vault fails closed), natively: `cargo test --test tamper`.
//!
//! A stored vault is damaged in every way a hostile script or a broken disk
//! could: every bit of every byte flipped, truncated at every length, records
//! swapped between providers and between namespaces, a future format version.
//! In every case the keyring never panics, never returns a key other than the
//! one stored, every failure is `corrupt` or `wrong_passphrase`, and the
//! failed attempt leaves storage byte-for-byte as it was.
//!
//! Unlocking thousands of vaults at 100,000 PBKDF2 iterations would take
//! minutes, so the unlocks go through [`MemoKdf`], which derives each distinct
//! (passphrase, salt, iterations) once and reuses it: only a flip that
//! changes the salt or the iteration count costs a derivation, and those are
//! derived ahead, in parallel.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use byok_keyring::crypto::{self, DerivedKey};
use byok_keyring::format::{self, KdfParams, Vault};
use byok_keyring::kdf::{DeriveFuture, Kdf};
use byok_keyring::{
    flows, ErrorCode, Keyring, MemoryStorage, Options, Passphrase, SetOptions, State, Storage,
};
use common::{assert_no_window, key_seeded, provider_ids};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::panic::{catch_unwind, AssertUnwindSafe};

const PASS: &str = "correct horse battery";
const FAST: u32 = 100_000;
const NOW: u64 = 1_700_000_000_000;
const ALICE: &str = "byok-keyring:alice";
const BOB: &str = "byok-keyring:bob";

// ------------------------------------------------------------ the memo KDF

/// PBKDF2-HMAC-SHA256 with a 32-byte output, on sha2's (non-generic, hence
/// optimised) compression function. The test profile instantiates the
/// crate's generic PBKDF2 (pbkdf2 + hmac) in byok-keyring itself, at
/// opt-level 0: 0.3 s per 100,000 iterations here (1 s on a busy machine);
/// this takes about a third of that. The matrix needs ~130 derivations.
/// `fast_pbkdf2_matches_the_crate_and_rfc7914` checks it gives the same bits.
fn pbkdf2_fast(pass: &[u8], salt: &[u8], iterations: u32) -> [u8; 32] {
    use sha2::block_api::compress256;
    use sha2::Digest;
    const IV: [u32; 8] = [
        0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab,
        0x5be0cd19,
    ];
    fn bytes(state: &[u32; 8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, w) in state.iter().enumerate() {
            out[4 * i..4 * i + 4].copy_from_slice(&w.to_be_bytes());
        }
        out
    }
    /// Finishes a hash whose first 64-byte block is already in `state`.
    fn finish(mut state: [u32; 8], msg: &[u8]) -> [u8; 32] {
        let mut data = msg.to_vec();
        data.push(0x80);
        while (data.len() + 8) % 64 != 0 {
            data.push(0);
        }
        data.extend_from_slice(&(((64 + msg.len()) as u64) * 8).to_be_bytes());
        let blocks: Vec<[u8; 64]> = data.chunks(64).map(|c| c.try_into().unwrap()).collect();
        compress256(&mut state, &blocks);
        bytes(&state)
    }
    let mut key = [0u8; 64];
    if pass.len() > 64 {
        key[..32].copy_from_slice(&sha2::Sha256::digest(pass));
    } else {
        key[..pass.len()].copy_from_slice(pass);
    }
    let pad = |x: u8| {
        let mut b = key;
        b.iter_mut().for_each(|v| *v ^= x);
        b
    };
    let (mut inner, mut outer) = (IV, IV);
    compress256(&mut inner, &[pad(0x36)]);
    compress256(&mut outer, &[pad(0x5c)]);
    let mut first = salt.to_vec();
    first.extend_from_slice(&1u32.to_be_bytes());
    let u = finish(outer, &finish(inner, &first));
    // Every further HMAC hashes 64 + 32 bytes: one block, padding fixed.
    // (Written for speed at opt-level 0: whole words, few calls.)
    let pad_block = |b: &mut [u8; 64]| {
        b[32] = 0x80;
        b[62] = 0x03; // 768 bits, big-endian
    };
    let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
    pad_block(&mut a);
    pad_block(&mut b);
    a[..32].copy_from_slice(&u);
    let mut acc = [0u32; 8];
    for (i, w) in acc.iter_mut().enumerate() {
        *w = u32::from_be_bytes([u[4 * i], u[4 * i + 1], u[4 * i + 2], u[4 * i + 3]]);
    }
    for _ in 1..iterations {
        let mut s = inner;
        compress256(&mut s, std::slice::from_ref(&a));
        for i in 0..8 {
            b[4 * i..4 * i + 4].copy_from_slice(&s[i].to_be_bytes());
        }
        let mut s = outer;
        compress256(&mut s, std::slice::from_ref(&b));
        for i in 0..8 {
            a[4 * i..4 * i + 4].copy_from_slice(&s[i].to_be_bytes());
            acc[i] ^= s[i];
        }
    }
    bytes(&acc)
}

/// (passphrase, salt, iterations).
type KdfInput = (Vec<u8>, [u8; 16], u32);

/// PBKDF2 (as above), each distinct (passphrase, salt, iterations) derived
/// once.
#[derive(Default)]
struct MemoKdf {
    cache: RefCell<HashMap<KdfInput, DerivedKey>>,
    derivations: Cell<usize>,
}

impl MemoKdf {
    fn key(&self, passphrase: &[u8], params: &KdfParams) -> DerivedKey {
        let id = (passphrase.to_vec(), params.salt, params.iterations);
        if let Some(k) = self.cache.borrow().get(&id) {
            return k.clone();
        }
        self.derivations.set(self.derivations.get() + 1);
        let k = DerivedKey::from_bytes(pbkdf2_fast(passphrase, &params.salt, params.iterations));
        self.cache.borrow_mut().insert(id, k.clone());
        k
    }
}

impl MemoKdf {
    /// Derives every `(salt, iterations)` for `passphrase` ahead, on all cores.
    fn prewarm(&self, passphrase: &str, params: Vec<KdfParams>) {
        let params: Vec<KdfParams> = params
            .into_iter()
            .filter(|p| {
                !self.cache.borrow().contains_key(&(
                    passphrase.as_bytes().to_vec(),
                    p.salt,
                    p.iterations,
                ))
            })
            .collect();
        let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
        let chunk = params.len().div_ceil(threads).max(1);
        let derived: Vec<(KdfParams, [u8; 32])> = std::thread::scope(|scope| {
            let handles: Vec<_> = params
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|p| {
                                (
                                    p.clone(),
                                    pbkdf2_fast(passphrase.as_bytes(), &p.salt, p.iterations),
                                )
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap())
                .collect()
        });
        for (p, k) in derived {
            self.derivations.set(self.derivations.get() + 1);
            self.cache.borrow_mut().insert(
                (passphrase.as_bytes().to_vec(), p.salt, p.iterations),
                DerivedKey::from_bytes(k),
            );
        }
    }
}

impl Kdf for MemoKdf {
    fn backend(&self) -> &'static str {
        "memo"
    }
    fn derive<'a>(&'a self, passphrase: &'a Passphrase, params: &'a KdfParams) -> DeriveFuture<'a> {
        let k = self.key(passphrase.as_bytes(), params);
        Box::pin(std::future::ready(Ok(k)))
    }
}

#[test]
fn fast_pbkdf2_matches_the_crate_and_rfc7914() {
    let text = std::fs::read_to_string("tests/data/pbkdf2-sha256-rfc7914.json").unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    for v in doc["vectors"].as_array().unwrap() {
        let out = pbkdf2_fast(
            v["password"].as_str().unwrap().as_bytes(),
            v["salt"].as_str().unwrap().as_bytes(),
            v["iterations"].as_u64().unwrap() as u32,
        );
        let hex: String = out.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, v["dk"].as_str().unwrap()[..64]);
    }
    let long = "p".repeat(100);
    for (pass, salt, n) in [
        (PASS, [7u8; 16], 1000u32),
        (long.as_str(), [9u8; 16], 3),
        ("", [0u8; 16], 1),
    ] {
        let theirs = crypto::pbkdf2_sha256(pass.as_bytes(), &salt, n);
        let ours = DerivedKey::from_bytes(pbkdf2_fast(pass.as_bytes(), &salt, n));
        let sealed = crypto::seal(&theirs, b"same key", b"").unwrap();
        assert!(
            crypto::open(&ours, &sealed, b"").is_some(),
            "{n} iterations"
        );
    }
}

// ------------------------------------------------------------ fixtures

fn opts(ns: &str) -> Options {
    Options {
        namespace: ns.into(),
        iterations: FAST,
        ..Options::default()
    }
}

fn clock() -> byok_keyring::keyring::Clock {
    Box::new(|| NOW)
}

fn keyring(storage: &MemoryStorage, ns: &str) -> RefCell<Keyring> {
    RefCell::new(
        Keyring::new(opts(ns), Box::new(storage.clone()), clock())
            .expect("opening a keyring never fails because of what is stored"),
    )
}

fn unlock(kr: &RefCell<Keyring>, kdf: &MemoKdf, pass: &str) -> byok_keyring::Result<()> {
    pollster::block_on(flows::unlock(kr, kdf, &pass.into()))
}

/// Two namespaces on one storage, same passphrase; alice has an OpenAI key
/// (with a model and an expiry, so every optional field is present) and a
/// Groq key; bob has an OpenAI key of his own.
struct World {
    kdf: MemoKdf,
    alice: String,
    bob: String,
    /// alice's keys, by provider.
    keys: BTreeMap<&'static str, String>,
    bob_key: String,
}

fn world() -> World {
    let kdf = MemoKdf::default();
    let storage = MemoryStorage::new();
    let keys: BTreeMap<&'static str, String> = [
        ("openai", key_seeded("openai", 11)),
        ("groq", key_seeded("groq", 12)),
    ]
    .into_iter()
    .collect();
    let a = keyring(&storage, "alice");
    pollster::block_on(flows::create(&a, &kdf, &PASS.into())).unwrap();
    a.borrow_mut()
        .set(
            "openai",
            &keys["openai"],
            SetOptions {
                model: Some("gpt-4o-mini".into()),
                expires_in_ms: Some(3_600_000),
                base_url: None,
            },
        )
        .unwrap();
    a.borrow_mut()
        .set("groq", &keys["groq"], SetOptions::default())
        .unwrap();
    let bob_key = key_seeded("openai", 13);
    let b = keyring(&storage, "bob");
    pollster::block_on(flows::create(&b, &kdf, &PASS.into())).unwrap();
    b.borrow_mut()
        .set("openai", &bob_key, SetOptions::default())
        .unwrap();
    let alice = storage.read(ALICE).unwrap().unwrap();
    let bob = storage.read(BOB).unwrap().unwrap();
    World {
        kdf,
        alice,
        bob,
        keys,
        bob_key,
    }
}

/// A storage holding `alice` (the item under test) and bob's intact vault,
/// which no operation on alice's keyring may touch.
fn storage_with(w: &World, alice: &str) -> MemoryStorage {
    let s = MemoryStorage::new();
    s.write(ALICE, alice).unwrap();
    s.write(BOB, &w.bob).unwrap();
    s
}

fn code(r: &byok_keyring::Result<impl Sized>) -> Option<ErrorCode> {
    r.as_ref().err().map(|e| e.code())
}

/// Everything a keyring may say about alice's tampered vault must be free of
/// her keys and her passphrase.
fn assert_clean(text: &str, w: &World) {
    assert_no_window(text, PASS, "output");
    for k in w.keys.values() {
        assert_no_window(text, k, "output");
    }
}

/// After a successful unlock of tampered data: every provider's `get` is the
/// key stored for it, nothing, or `corrupt`: never another key.
fn assert_no_wrong_key(kr: &RefCell<Keyring>, w: &World, what: &str) {
    for p in provider_ids() {
        let got = kr.borrow_mut().get(p);
        match got {
            Ok(None) => {}
            Ok(Some(k)) => assert_eq!(
                Some(k.expose()),
                w.keys.get(p).map(String::as_str),
                "{what}: get({p}) returned a key that is not the one stored for {p}"
            ),
            Err(e) => {
                assert_eq!(e.code(), ErrorCode::Corrupt, "{what}: get({p}): {e:?}");
                assert_clean(e.message(), w);
            }
        }
    }
}

/// The keyring's `Debug` form names the keyring and holds no secret: no
/// 9-character window of alice's keys, nothing of her passphrase.
fn assert_debug_clean(kr: &RefCell<Keyring>, w: &World, when: &str) {
    let debug = format!("{:?}", kr.borrow());
    assert!(
        debug.starts_with("Keyring {") && debug.contains("\"alice\""),
        "{when}: {debug}"
    );
    assert_clean(&debug, w);
}

/// Runs `f` for a case; a panic (or failed assertion) is recorded with the
/// case's label instead of stopping the matrix, so one run reports them all.
fn run_case(failures: &mut Vec<String>, label: &str, f: impl FnOnce()) {
    if let Err(p) = catch_unwind(AssertUnwindSafe(f)) {
        let msg = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        failures.push(format!("{label}: {msg}"));
    }
}

fn report(failures: Vec<String>, cases: usize) {
    assert!(
        failures.is_empty(),
        "{} of {cases} cases failed; first ones:\n{}",
        failures.len(),
        failures
            .iter()
            .take(20)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// One damaged vault, opened fresh (as after a reload): construction, list,
/// unlock and get behave, and storage is left exactly as it was.
fn locked_case(w: &World, text: &str) -> Option<ErrorCode> {
    let storage = storage_with(w, text);
    let before = storage.dump();
    let kr = keyring(&storage, "alice");
    assert_debug_clean(&kr, w, "before unlock");
    match kr.borrow().list() {
        Ok(list) => {
            assert!(list.iter().all(|i| i.masked.chars().count() <= 16));
            assert_clean(&serde_json::to_string(&list).unwrap(), w);
        }
        Err(e) => assert_eq!(e.code(), ErrorCode::Corrupt, "list: {e:?}"),
    }
    let r = unlock(&kr, &w.kdf, PASS);
    let outcome = code(&r);
    match r {
        Ok(()) => {
            assert_eq!(kr.borrow().state(), State::Unlocked);
            assert_no_wrong_key(&kr, w, "after unlock");
            // The keys just decrypted are in memory now: still not in Debug.
            assert_debug_clean(&kr, w, "after unlock and get");
        }
        Err(e) => {
            assert!(
                matches!(
                    e.code(),
                    ErrorCode::Corrupt | ErrorCode::WrongPassphrase | ErrorCode::ExcessiveWork
                ),
                "unlock ended in {:?}, not corrupt, wrong_passphrase or excessive_work: {}",
                e.code(),
                e.message()
            );
            assert_clean(e.message(), w);
            assert_clean(&format!("{e:?}"), w);
            assert_ne!(kr.borrow().state(), State::Unlocked);
            for p in ["openai", "groq"] {
                let c = code(&kr.borrow_mut().get(p));
                assert!(
                    matches!(c, Some(ErrorCode::Locked | ErrorCode::Corrupt)),
                    "get({p}) after a failed unlock: {c:?}"
                );
            }
            assert_debug_clean(&kr, w, "after a failed unlock");
        }
    }
    assert_eq!(storage.dump(), before, "storage changed");
    outcome
}

/// The same damage done while a keyring is unlocked on the intact vault (a
/// script rewrites the item; the keyring re-reads it, as on a `storage`
/// event). Keys already decrypted must not outlive the change.
fn unlocked_case(w: &World, text: &str) {
    let storage = storage_with(w, &w.alice);
    let kr = keyring(&storage, "alice");
    unlock(&kr, &w.kdf, PASS).unwrap();
    for (p, k) in &w.keys {
        assert_eq!(kr.borrow_mut().get(p).unwrap().unwrap().expose(), k);
    }
    assert_debug_clean(&kr, w, "unlocked, keys read");
    storage.write(ALICE, text).unwrap();
    let before = storage.dump();
    kr.borrow_mut().reload().unwrap();
    for p in provider_ids() {
        match kr.borrow_mut().get(p) {
            Ok(None) => {}
            Ok(Some(k)) => assert_eq!(
                Some(k.expose()),
                w.keys.get(p).map(String::as_str),
                "after reload: get({p}) returned a key that is not the one stored for {p}"
            ),
            Err(e) => assert!(
                matches!(e.code(), ErrorCode::Corrupt | ErrorCode::Locked),
                "after reload: get({p}): {e:?}"
            ),
        }
    }
    assert_debug_clean(&kr, w, "after reload");
    assert_eq!(storage.dump(), before, "storage changed");
}

/// While unlocked, `list()` marks exactly `providers` (sorted) as tampered.
fn assert_tampered(kr: &RefCell<Keyring>, providers: &[&str]) {
    let list = kr.borrow().list().unwrap();
    let tampered: Vec<&str> = list
        .iter()
        .filter(|i| i.tampered)
        .map(|i| i.provider)
        .collect();
    assert_eq!(tampered, providers, "{list:?}");
}

fn flip(text: &str, i: usize, mask: u8) -> String {
    let mut b = text.as_bytes().to_vec();
    b[i] ^= mask;
    match String::from_utf8(b) {
        Ok(s) => s,
        // Storage holds text: a flip inside a multi-byte character lands
        // as U+FFFD, as a browser would decode it.
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

// ------------------------------------------------------------ the matrix

#[test]
fn every_bit_flip_of_every_byte_is_refused_or_harmless() {
    let w = world();
    let text = w.alice.clone();
    let mut seen = HashSet::new();
    let mut failures = Vec::new();
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    let mut cases = Vec::new();
    for i in 0..text.len() {
        for bit in 0..8 {
            let t = flip(&text, i, 1 << bit);
            if t != text && seen.insert(t.clone()) {
                let c = text.as_bytes()[i] as char;
                cases.push((format!("byte {i} ({c:?}) ^ 0x{:02x}", 1u8 << bit), t));
            }
        }
    }
    // A flip in the salt or the iteration count needs a derivation of its
    // own: do them all first, in parallel.
    w.kdf.prewarm(
        PASS,
        cases
            .iter()
            .filter_map(|(_, t)| {
                Vault::parse(t)
                    .ok()
                    .and_then(|v| v.passphrase_kdf().cloned())
            })
            .collect(),
    );
    for (label, t) in &cases {
        run_case(&mut failures, label, || {
            let o = locked_case(&w, t);
            *outcomes.entry(format!("{o:?}")).or_default() += 1;
        });
        run_case(&mut failures, &format!("{label}, while unlocked"), || {
            unlocked_case(&w, t)
        });
    }
    eprintln!(
        "bit flips: {} distinct vaults of {} bytes, outcomes {outcomes:?}, {} derivations",
        seen.len(),
        text.len(),
        w.kdf.derivations.get(),
    );
    assert!(
        seen.len() >= text.len() * 7,
        "too few cases: {}",
        seen.len()
    );
    // Most flips break the JSON or a field; some only change metadata.
    assert!(outcomes.get("Some(Corrupt)").copied().unwrap_or(0) > text.len());
    assert!(outcomes.get("Some(WrongPassphrase)").copied().unwrap_or(0) > 0);
    report(failures, seen.len() * 2);
}

#[test]
fn every_truncation_is_corrupt_and_kept_until_reset() {
    let w = world();
    let text = w.alice.clone();
    let mut failures = Vec::new();
    let mut cases = 0;
    for n in 0..text.len() {
        let t = String::from_utf8_lossy(&text.as_bytes()[..n]).into_owned();
        cases += 1;
        run_case(&mut failures, &format!("truncated to {n} bytes"), || {
            assert_eq!(locked_case(&w, &t), Some(ErrorCode::Corrupt));
            // Nothing writes over it: not create, set, remove, setEnabled,
            // changePassphrase, unlock; list reports it.
            let storage = storage_with(&w, &t);
            let before = storage.dump();
            let kr = keyring(&storage, "alice");
            assert_eq!(kr.borrow().state(), State::Locked);
            let k = &w.keys["openai"];
            let mut codes = Vec::new();
            codes.push(code(&pollster::block_on(flows::create(
                &kr,
                &w.kdf,
                &PASS.into(),
            ))));
            let r = kr.borrow_mut().set("openai", k, SetOptions::default());
            codes.push(code(&r));
            let r = kr.borrow_mut().remove("openai");
            codes.push(code(&r));
            let r = kr.borrow_mut().set_enabled("openai", false);
            codes.push(code(&r));
            codes.push(code(&pollster::block_on(flows::change_passphrase(
                &kr,
                &w.kdf,
                &PASS.into(),
                &"another passphrase".into(),
            ))));
            let r = kr.borrow().list();
            codes.push(code(&r));
            codes.push(code(&unlock(&kr, &w.kdf, PASS)));
            assert_eq!(codes, [Some(ErrorCode::Corrupt); 7]);
            assert_eq!(storage.dump(), before, "storage changed before reset()");
            kr.borrow_mut().reset().unwrap();
            assert_eq!(kr.borrow().state(), State::Empty);
            assert_eq!(storage.dump(), [(BOB.to_string(), w.bob.clone())]);
        });
    }
    report(failures, cases);
    // After reset a new vault can be created where the damaged one was.
    let storage = storage_with(&w, &text[..text.len() / 2]);
    let kr = keyring(&storage, "alice");
    kr.borrow_mut().reset().unwrap();
    pollster::block_on(flows::create(&kr, &w.kdf, &PASS.into())).unwrap();
    assert_eq!(kr.borrow().state(), State::Unlocked);
    assert!(Vault::parse(&storage.read(ALICE).unwrap().unwrap()).is_ok());
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn records_swapped_between_providers_do_not_decrypt() {
    let w = world();
    let mut v = json(&w.alice);
    let (o, g) = (v["records"]["openai"].clone(), v["records"]["groq"].clone());
    v["records"]["openai"] = g;
    v["records"]["groq"] = o.clone();
    let swapped = v.to_string();
    let storage = storage_with(&w, &swapped);
    let before = storage.dump();
    let kr = keyring(&storage, "alice");
    unlock(&kr, &w.kdf, PASS).unwrap(); // the passphrase slot is intact
    for p in ["openai", "groq"] {
        assert!(kr.borrow_mut().get(p).unwrap().is_none(), "{p}");
        assert!(!kr.borrow().is_byok(p), "{p}");
    }
    assert_tampered(&kr, &["groq", "openai"]);
    assert_eq!(storage.dump(), before);

    // A record copied to a provider that had none.
    let mut v = json(&w.alice);
    v["records"]["anthropic"] = o;
    let storage = storage_with(&w, &v.to_string());
    let before = storage.dump();
    let kr = keyring(&storage, "alice");
    unlock(&kr, &w.kdf, PASS).unwrap();
    assert!(kr.borrow_mut().get("anthropic").unwrap().is_none());
    assert_tampered(&kr, &["anthropic"]);
    assert_eq!(
        kr.borrow_mut().get("openai").unwrap().unwrap().expose(),
        w.keys["openai"]
    );
    assert_eq!(storage.dump(), before);
}

#[test]
fn vaults_and_records_moved_between_namespaces_do_not_open() {
    let w = world();
    let (alice, bob) = (json(&w.alice), json(&w.bob));

    // alice's whole vault under bob's name: the slot is bound to "alice".
    let s = MemoryStorage::new();
    s.write(BOB, &w.alice).unwrap();
    let before = s.dump();
    let kr = keyring(&s, "bob");
    assert_eq!(
        code(&unlock(&kr, &w.kdf, PASS)),
        Some(ErrorCode::WrongPassphrase)
    );
    assert_eq!(s.dump(), before);

    // The same, with the slot forged for bob (someone who knows the
    // passphrase and the vault key rewraps it for bob's namespace): the slot
    // opens, but the vault MAC and every record are bound to "alice", so
    // nothing is used in bob's namespace.
    let vault = Vault::parse(&w.alice).unwrap();
    let slot_key = w.kdf.key(PASS.as_bytes(), vault.passphrase_kdf().unwrap());
    let slot = vault.slots.get(format::PASSPHRASE_SLOT).unwrap();
    let alice_aad = format::slot_aad("alice", &vault.id, format::PASSPHRASE_SLOT);
    let vault_key = crypto::open(&slot_key, &slot.wrapped, &alice_aad).unwrap();
    let mut forged = vault.clone();
    forged
        .slots
        .get_mut(format::PASSPHRASE_SLOT)
        .unwrap()
        .wrapped = crypto::seal(
        &slot_key,
        &vault_key,
        &format::slot_aad("bob", &vault.id, format::PASSPHRASE_SLOT),
    )
    .unwrap();
    let s = MemoryStorage::new();
    s.write(BOB, &forged.to_json().unwrap()).unwrap();
    let before = s.dump();
    let kr = keyring(&s, "bob");
    unlock(&kr, &w.kdf, PASS).unwrap();
    for p in ["openai", "groq"] {
        assert!(kr.borrow_mut().get(p).unwrap().is_none(), "{p}");
    }
    assert_tampered(&kr, &["groq", "openai"]);
    assert_eq!(s.dump(), before);

    // bob's record in alice's vault (another key and another namespace).
    let mut v = alice.clone();
    v["records"]["openai"] = bob["records"]["openai"].clone();
    let storage = storage_with(&w, &v.to_string());
    let before = storage.dump();
    let kr = keyring(&storage, "alice");
    unlock(&kr, &w.kdf, PASS).unwrap();
    assert!(kr.borrow_mut().get("openai").unwrap().is_none());
    assert_tampered(&kr, &["openai"]);
    assert_eq!(
        kr.borrow_mut().get("groq").unwrap().unwrap().expose(),
        w.keys["groq"]
    );
    assert_eq!(storage.dump(), before);
    // The moved record is sound where it belongs: bob's vault opens it.
    let kr = keyring(&storage, "bob");
    unlock(&kr, &w.kdf, PASS).unwrap();
    assert_eq!(
        kr.borrow_mut().get("openai").unwrap().unwrap().expose(),
        w.bob_key
    );

    // Their slots, or their vault ids, swapped: neither opens.
    for field in ["slots", "id"] {
        let mut v = alice.clone();
        v[field] = bob[field].clone();
        let storage = storage_with(&w, &v.to_string());
        let before = storage.dump();
        let kr = keyring(&storage, "alice");
        assert_eq!(
            code(&unlock(&kr, &w.kdf, PASS)),
            Some(ErrorCode::WrongPassphrase),
            "{field} swapped"
        );
        assert_eq!(storage.dump(), before);
    }
}

#[test]
fn an_unknown_future_version_is_refused_by_name_and_kept() {
    let w = world();
    let mut v3 = json(&w.alice);
    v3["v"] = 3.into();
    let future = [
        (v3.to_string(), 3u64),
        (
            r#"{"v":5,"kdf":{"name":"argon2id","m":65536},"blob":"AAAA"}"#.to_string(),
            5,
        ),
        (r#"{"v":4294967296}"#.to_string(), 4_294_967_296),
    ];
    for (text, n) in future {
        let storage = storage_with(&w, &text);
        let before = storage.dump();
        let kr = keyring(&storage, "alice");
        assert_eq!(kr.borrow().state(), State::Locked);
        let e = unlock(&kr, &w.kdf, PASS).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Corrupt);
        assert!(
            e.message().contains("newer version")
                && e.message().contains(&format!("format version {n}")),
            "{}",
            e.message()
        );
        assert_eq!(code(&kr.borrow().list()), Some(ErrorCode::Corrupt));
        assert_eq!(
            code(&pollster::block_on(flows::create(
                &kr,
                &w.kdf,
                &PASS.into()
            ))),
            Some(ErrorCode::Corrupt)
        );
        assert_eq!(
            code(&kr.borrow_mut().remove("openai")),
            Some(ErrorCode::Corrupt)
        );
        assert_eq!(storage.dump(), before, "a newer vault was rewritten");
    }
}
