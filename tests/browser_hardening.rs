//! Hardening in the browser (tamper matrix, unlock friction): `wasm-pack test
//! --headless --chrome`. The tamper matrix again, through the exported JS
//! API on Chromium's real localStorage and WebCrypto, and unlock friction as
//! JavaScript sees it (`err.retryAfterMs`).
//!
//! A wasm panic would be a trap (`RuntimeError: unreachable`) and fail the
//! test; every case also checks that storage is byte-for-byte unchanged.
#![cfg(target_arch = "wasm32")]

mod common;

use byok_keyring::wasm::api::JsKeyring;
use common::{assert_no_window, key, key_seeded};
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const PASS: &str = "correct horse battery";

#[wasm_bindgen(inline_js = r#"
export function dumpStorage() {
  const out = {};
  for (const area of ["localStorage", "sessionStorage"]) {
    const s = globalThis[area];
    for (let i = 0; i < s.length; i++) out[area + ":" + s.key(i)] = s.getItem(s.key(i));
  }
  return JSON.stringify(out, Object.keys(out).sort());
}
export function readItem(name) { return localStorage.getItem(name); }
export function writeItem(name, value) { localStorage.setItem(name, value); }
export function removeItem(name) { localStorage.removeItem(name); }
export function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }
"#)]
extern "C" {
    #[wasm_bindgen(js_name = dumpStorage)]
    fn dump_storage() -> String;
    #[wasm_bindgen(js_name = readItem)]
    fn read_item(name: &str) -> Option<String>;
    #[wasm_bindgen(js_name = writeItem)]
    fn write_item(name: &str, value: &str);
    #[wasm_bindgen(js_name = removeItem)]
    fn remove_item(name: &str);
    fn sleep(ms: f64) -> js_sys::Promise;
}

fn s(v: &str) -> JsValue {
    JsValue::from_str(v)
}

fn new_keyring(namespace: &str) -> Result<JsKeyring, JsValue> {
    let o = Object::new();
    Reflect::set(&o, &"namespace".into(), &namespace.into()).unwrap();
    Reflect::set(&o, &"storage".into(), &"local".into()).unwrap();
    Reflect::set(&o, &"iterations".into(), &100_000.into()).unwrap();
    JsKeyring::new(Some(o.unchecked_into()))
}

/// The thrown value is a `KeyringError`; its code.
fn code_of(err: &JsValue) -> String {
    assert!(
        err.is_instance_of::<js_sys::Error>(),
        "not an Error: {err:?}"
    );
    let name = Reflect::get(err, &"name".into()).unwrap().as_string();
    assert_eq!(name.as_deref(), Some("KeyringError"), "{err:?}");
    Reflect::get(err, &"code".into())
        .unwrap()
        .as_string()
        .unwrap()
}

fn message_of(err: &JsValue) -> String {
    err.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .unwrap_or_default()
}

async fn settle(p: js_sys::Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

fn ids() -> Vec<&'static str> {
    byok_keyring::PROVIDERS.iter().map(|p| p.id).collect()
}

/// Opens `namespace` on whatever is stored and tries everything a user
/// would; returns the unlock's outcome ("ok" or the error code). Asserts
/// that no call returns a key other than `keys` holds for its provider and
/// that storage is exactly as before.
async fn tampered_case(namespace: &str, keys: &[(&str, &str)]) -> String {
    tampered_case_unlocking(namespace, keys, true).await
}

/// [`tampered_case`], with the unlock (and its PBKDF2 derivation) left out
/// when `unlock` is false: then the outcome is "locked" and every `get` must
/// refuse.
async fn tampered_case_unlocking(namespace: &str, keys: &[(&str, &str)], unlock: bool) -> String {
    let before = dump_storage();
    let kr = new_keyring(namespace).expect("construction never fails on stored data");
    match kr.list() {
        Ok(list) => {
            let text = String::from(js_sys::JSON::stringify(&list).unwrap());
            for (_, k) in keys {
                assert_no_window(&text, k, "list()");
            }
        }
        Err(e) => assert_eq!(code_of(&e), "corrupt"),
    }
    let unlocked = if unlock {
        settle(kr.unlock(s(PASS))).await
    } else {
        assert_eq!(kr.state(), "locked");
        Err(JsValue::UNDEFINED)
    };
    let outcome = match unlocked {
        Ok(_) => "ok".to_string(),
        Err(e) if !unlock && e.is_undefined() => "locked".to_string(),
        Err(e) => {
            let c = code_of(&e);
            assert!(
                c == "corrupt" || c == "wrong_passphrase" || c == "excessive_work",
                "unlock ended in {c}: {}",
                message_of(&e)
            );
            for (_, k) in keys {
                assert_no_window(&message_of(&e), k, "error message");
            }
            assert_no_window(&message_of(&e), PASS, "error message");
            c
        }
    };
    for p in ids() {
        match kr.get(s(p)) {
            Ok(v) if v.is_undefined() => {}
            Ok(v) => {
                let got = v.as_string().unwrap();
                let stored = keys.iter().find(|(q, _)| *q == p).map(|(_, k)| *k);
                assert_eq!(
                    Some(got.as_str()),
                    stored,
                    "get({p}) returned a key that is not the one stored for it"
                );
                assert_eq!(outcome, "ok");
            }
            Err(e) => {
                let c = code_of(&e);
                assert!(c == "corrupt" || c == "locked", "get({p}): {c}");
            }
        }
    }
    assert_eq!(dump_storage(), before, "storage changed");
    outcome
}

fn flip(text: &str, i: usize, mask: u8) -> String {
    let mut b = text.as_bytes().to_vec();
    b[i] ^= mask;
    String::from_utf8(b).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A neighbour that no operation on the tampered namespace may touch.
fn neighbour() {
    write_item("byok-keyring:neighbour", "{\"v\":1,\"untouched\":true}");
}

/// Each of the 8 bits of every byte of a stored vault, flipped: changed
/// digits, letters and quotes, and (bit 7, or inside the masked key's "•")
/// bytes that are not UTF-8, stored as U+FFFD. Flips giving the same text are
/// tried once. Every flipped vault is opened, listed and read through the JS
/// API, and storage must stay as it is. Unlocking costs a PBKDF2 derivation
/// (about 15 ms in WebCrypto here; the whole matrix would not fit the test
/// runner's time budget), so the unlock is tried on every flip that breaks
/// the format (refused before any derivation, and it must be `corrupt`) and,
/// of the flips that leave it well-formed, on the lowest such bit of each
/// byte; the others are read locked. `tests/tamper.rs` unlocks all of them,
/// natively.
#[wasm_bindgen_test]
async fn every_bit_flipped_in_real_local_storage_unlocking_one_well_formed_flip_per_byte() {
    use byok_keyring::format::Vault;
    let ns = "bt-flip";
    let item = format!("byok-keyring:{ns}");
    remove_item(&item);
    let k = key("groq");
    let kr = new_keyring(ns).unwrap();
    settle(kr.create(s(PASS))).await.unwrap();
    kr.set(s("groq"), s(&k), None).unwrap();
    drop(kr);
    let original = read_item(&item).unwrap();
    neighbour();
    let mut seen = std::collections::HashSet::new();
    let (mut ok, mut corrupt, mut wrong, mut locked) = (0, 0, 0, 0);
    for i in 0..original.len() {
        let mut unlocked_a_well_formed_flip = false;
        for bit in 0..8 {
            let t = flip(&original, i, 1 << bit);
            if t == original || !seen.insert(t.clone()) {
                continue;
            }
            let well_formed = Vault::parse(&t).is_ok();
            let unlock = !well_formed || !unlocked_a_well_formed_flip;
            unlocked_a_well_formed_flip |= well_formed;
            write_item(&item, &t);
            let outcome = tampered_case_unlocking(ns, &[("groq", &k)], unlock).await;
            if !well_formed {
                assert_eq!(outcome, "corrupt", "byte {i} bit {bit}: malformed");
            }
            match outcome.as_str() {
                "ok" => ok += 1,
                "corrupt" => corrupt += 1,
                "wrong_passphrase" => wrong += 1,
                "locked" => locked += 1,
                other => panic!("byte {i} bit {bit}: {other}"),
            }
            assert_eq!(
                read_item(&item).as_deref(),
                Some(t.as_str()),
                "byte {i} bit {bit}"
            );
        }
    }
    console_log!(
        "bit flips in the browser: {} distinct vaults of {} bytes; unlocked {ok}, corrupt {corrupt}, wrong_passphrase {wrong}, read locked only {locked}",
        seen.len(),
        original.len(),
    );
    assert!(
        seen.len() >= original.len() * 7,
        "too few cases: {}",
        seen.len()
    );
    assert!(
        corrupt > original.len() && wrong > 0 && ok > 0 && locked > 0,
        "unlocked {ok}, corrupt {corrupt}, wrong_passphrase {wrong}, locked {locked}"
    );
    // The module still works, and the intact vault still opens.
    write_item(&item, &original);
    assert_eq!(tampered_case(ns, &[("groq", &k)]).await, "ok");
    let kr = new_keyring(ns).unwrap();
    settle(kr.unlock(s(PASS))).await.unwrap();
    assert_eq!(kr.get(s("groq")).unwrap().as_string().unwrap(), k);
    kr.reset().unwrap();
    remove_item("byok-keyring:neighbour");
}

#[wasm_bindgen_test]
async fn every_truncation_is_corrupt_until_reset() {
    let ns = "bt-trunc";
    let item = format!("byok-keyring:{ns}");
    remove_item(&item);
    let k = key("groq");
    let kr = new_keyring(ns).unwrap();
    settle(kr.create(s(PASS))).await.unwrap();
    kr.set(s("groq"), s(&k), None).unwrap();
    drop(kr);
    let original = read_item(&item).unwrap();
    neighbour();
    for n in 0..original.len() {
        let t = String::from_utf8_lossy(&original.as_bytes()[..n]).into_owned();
        write_item(&item, &t);
        assert_eq!(
            tampered_case(ns, &[("groq", &k)]).await,
            "corrupt",
            "{n} bytes"
        );
        let before = dump_storage();
        let kr = new_keyring(ns).unwrap();
        assert_eq!(kr.state(), "locked");
        let create = settle(kr.create(s(PASS))).await.unwrap_err();
        let set = kr.set(s("groq"), s(&k), None).unwrap_err();
        let remove = kr.remove(s("groq")).unwrap_err();
        let enabled = kr.set_enabled(s("groq"), JsValue::FALSE).unwrap_err();
        let change = settle(kr.change_passphrase(s(PASS), s("another passphrase")))
            .await
            .unwrap_err();
        let codes: Vec<String> = [create, set, remove, enabled, change]
            .iter()
            .map(code_of)
            .collect();
        assert_eq!(codes, ["corrupt"; 5], "{n} bytes");
        assert_eq!(
            dump_storage(),
            before,
            "{n} bytes: storage changed before reset()"
        );
        kr.reset().unwrap();
        assert_eq!(kr.state(), "empty");
        assert_eq!(read_item(&item), None);
        assert!(read_item("byok-keyring:neighbour").is_some());
    }
    // After reset(), create works where the damaged vault was.
    write_item(&item, &original[..original.len() / 2]);
    let kr = new_keyring(ns).unwrap();
    kr.reset().unwrap();
    settle(kr.create(s(PASS))).await.unwrap();
    assert_eq!(kr.state(), "unlocked");
    kr.reset().unwrap();
    remove_item("byok-keyring:neighbour");
}

#[wasm_bindgen_test]
async fn records_swapped_between_providers_and_namespaces() {
    let (ka, kb, kc) = (
        key_seeded("openai", 21),
        key_seeded("groq", 22),
        key_seeded("openai", 23),
    );
    for ns in ["bt-swap-a", "bt-swap-b"] {
        remove_item(&format!("byok-keyring:{ns}"));
    }
    let a = new_keyring("bt-swap-a").unwrap();
    settle(a.create(s(PASS))).await.unwrap();
    a.set(s("openai"), s(&ka), None).unwrap();
    a.set(s("groq"), s(&kb), None).unwrap();
    let b = new_keyring("bt-swap-b").unwrap();
    settle(b.create(s(PASS))).await.unwrap();
    b.set(s("openai"), s(&kc), None).unwrap();
    drop((a, b));
    let text_a = read_item("byok-keyring:bt-swap-a").unwrap();
    let text_b = read_item("byok-keyring:bt-swap-b").unwrap();
    let va: serde_json::Value = serde_json::from_str(&text_a).unwrap();
    let vb: serde_json::Value = serde_json::from_str(&text_b).unwrap();
    let keys_a = [("openai", ka.as_str()), ("groq", kb.as_str())];

    // openai <-> groq inside a's vault: unlock works (the slot is intact),
    // both records fail their MAC: not used, marked tampered.
    let mut v = va.clone();
    v["records"]["openai"] = va["records"]["groq"].clone();
    v["records"]["groq"] = va["records"]["openai"].clone();
    write_item("byok-keyring:bt-swap-a", &v.to_string());
    assert_eq!(tampered_case("bt-swap-a", &keys_a).await, "ok");
    let kr = new_keyring("bt-swap-a").unwrap();
    settle(kr.unlock(s(PASS))).await.unwrap();
    for p in ["openai", "groq"] {
        assert!(kr.get(s(p)).unwrap().is_undefined(), "{p}");
        assert!(!kr.is_byok(&s(p)).unwrap(), "{p}");
    }
    let list = String::from(js_sys::JSON::stringify(&kr.list().unwrap()).unwrap());
    assert_eq!(list.matches("\"tampered\":true").count(), 2, "{list}");
    drop(kr);

    // b's openai record in a's vault.
    let mut v = va.clone();
    v["records"]["openai"] = vb["records"]["openai"].clone();
    write_item("byok-keyring:bt-swap-a", &v.to_string());
    assert_eq!(tampered_case("bt-swap-a", &keys_a).await, "ok");
    let kr = new_keyring("bt-swap-a").unwrap();
    settle(kr.unlock(s(PASS))).await.unwrap();
    assert!(kr.get(s("openai")).unwrap().is_undefined());
    assert_eq!(kr.get(s("groq")).unwrap().as_string().unwrap(), kb);
    drop(kr);

    // a's whole vault under b's name: same passphrase, still wrong_passphrase.
    write_item("byok-keyring:bt-swap-b", &text_a);
    assert_eq!(
        tampered_case("bt-swap-b", &keys_a).await,
        "wrong_passphrase"
    );

    // slots or vault ids swapped between the two vaults.
    for field in ["slots", "id"] {
        let mut v = va.clone();
        v[field] = vb[field].clone();
        write_item("byok-keyring:bt-swap-a", &v.to_string());
        assert_eq!(
            tampered_case("bt-swap-a", &keys_a).await,
            "wrong_passphrase",
            "{field}"
        );
    }
    remove_item("byok-keyring:bt-swap-a");
    remove_item("byok-keyring:bt-swap-b");
}

#[wasm_bindgen_test]
async fn a_future_format_version_is_refused_by_name() {
    let item = "byok-keyring:bt-future";
    write_item(
        item,
        r#"{"v":3,"kdf":{"name":"argon2id","m":65536},"records":{}}"#,
    );
    let before = dump_storage();
    let kr = new_keyring("bt-future").unwrap();
    assert_eq!(kr.state(), "locked");
    let e = settle(kr.unlock(s(PASS))).await.unwrap_err();
    assert_eq!(code_of(&e), "corrupt");
    let m = message_of(&e);
    assert!(
        m.contains("newer version") && m.contains("format version 3"),
        "{m}"
    );
    assert_eq!(code_of(&kr.list().unwrap_err()), "corrupt");
    assert_eq!(
        code_of(&settle(kr.create(s(PASS))).await.unwrap_err()),
        "corrupt"
    );
    assert_eq!(dump_storage(), before);
    kr.reset().unwrap();
    assert_eq!(read_item(item), None);
}

// ---------------------------------------------------------------- friction

fn retry_after(err: &JsValue) -> Option<f64> {
    Reflect::get(err, &"retryAfterMs".into()).unwrap().as_f64()
}

/// Whether `err` is an attempt refused unchecked because the delay after
/// repeated wrong passphrases has not passed (as opposed to a passphrase
/// that was checked and found wrong).
fn refused_during_delay(err: &JsValue) -> bool {
    code_of(err) == "wrong_passphrase"
        && message_of(err).starts_with("Too many wrong passphrases.")
        && retry_after(err).is_some()
}

/// Unlocks with `passphrase` as soon as the keyring checks one again: while
/// an attempt is refused during the delay, waits the `retryAfterMs` it
/// reports and tries again. Returns the first attempt that was checked.
async fn unlock_once_checked(kr: &JsKeyring, passphrase: &str) -> Result<JsValue, JsValue> {
    for _ in 0..100 {
        match settle(kr.unlock(s(passphrase))).await {
            Err(e) if refused_during_delay(&e) => {
                let wait = retry_after(&e).unwrap();
                assert!(wait > 0.0, "refused with retryAfterMs {wait}");
                JsFuture::from(sleep(wait)).await.unwrap();
            }
            checked => return checked,
        }
    }
    panic!("still refused after 100 waits of the reported retryAfterMs");
}

#[wasm_bindgen_test]
async fn five_wrong_passphrases_set_retry_after_ms_and_a_right_one_resets() {
    let ns = "bt-friction";
    remove_item(&format!("byok-keyring:{ns}"));
    let kr = new_keyring(ns).unwrap();
    settle(kr.create(s(PASS))).await.unwrap();
    kr.set(s("groq"), s(&key("groq")), None).unwrap();
    drop(kr);
    let kr = new_keyring(ns).unwrap(); // a reload: locked
    assert_eq!(kr.state(), "locked");
    for i in 1..=4 {
        let e = settle(kr.unlock(s("wrong wrong wrong"))).await.unwrap_err();
        assert_eq!(code_of(&e), "wrong_passphrase");
        assert!(!refused_during_delay(&e), "attempt {i}");
        assert_eq!(retry_after(&e), None, "attempt {i}");
    }
    let e = settle(kr.unlock(s("wrong wrong wrong"))).await.unwrap_err();
    assert_eq!(code_of(&e), "wrong_passphrase");
    assert!(!refused_during_delay(&e), "the fifth attempt was checked");
    assert_eq!(retry_after(&e), Some(1000.0), "the fifth failure");
    // Tried again at once, even the right passphrase waits.
    let e = settle(kr.unlock(s(PASS))).await.unwrap_err();
    assert!(refused_during_delay(&e), "{}", message_of(&e));
    let wait = retry_after(&e).unwrap();
    assert!(wait > 0.0 && wait <= 1000.0, "{wait}");
    assert_eq!(kr.state(), "locked");
    // Once the delay has passed, a wrong passphrase is checked again and
    // doubles it.
    let e = unlock_once_checked(&kr, "wrong wrong wrong")
        .await
        .unwrap_err();
    assert_eq!(code_of(&e), "wrong_passphrase");
    assert!(!refused_during_delay(&e), "{}", message_of(&e));
    assert_eq!(retry_after(&e), Some(2000.0), "the sixth failure doubles");
    assert_eq!(kr.state(), "locked");
    unlock_once_checked(&kr, PASS).await.unwrap();
    assert_eq!(kr.state(), "unlocked");
    // A right passphrase resets the count: the next failure is free again.
    kr.lock(None).unwrap();
    let e = settle(kr.unlock(s("wrong wrong wrong"))).await.unwrap_err();
    assert_eq!(code_of(&e), "wrong_passphrase");
    assert!(!refused_during_delay(&e));
    assert_eq!(retry_after(&e), None);
    kr.reset().unwrap();
}
