//! Browser tests: `wasm-pack test --headless --chrome` (see the Makefile).
//! They drive the exported JS API over the real sessionStorage and
//! localStorage of headless Chromium.
#![cfg(target_arch = "wasm32")]

mod common;

use byok_keyring::wasm::api::{self, JsKeyring};
use common::{assert_no_window, key};
use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const PASS: &str = "correct horse battery";

#[wasm_bindgen(inline_js = r#"
export function storageDump() {
  const out = {};
  for (const area of ["localStorage", "sessionStorage"]) {
    const s = globalThis[area];
    for (let i = 0; i < s.length; i++) out[area + ":" + s.key(i)] = s.getItem(s.key(i));
  }
  return JSON.stringify(out);
}
export function rawItem(area, name) { return globalThis[area].getItem(name); }
export function setRawItem(area, name, value) { globalThis[area].setItem(name, value); }

// Decrypts one record with WebCrypto alone, following docs/FORMAT.md §5;
// with `checkMacs`, first checks the record's MAC and the vault MAC (§4).
export async function decryptWithWebCrypto(stored, namespace, provider, passphrase, checkMacs) {
  const vault = JSON.parse(stored);
  if (vault.v !== 2) throw new Error("unknown format");
  const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
  const enc = new TextEncoder();
  const slot = vault.slots.passphrase;
  if (slot.kind !== "passphrase" || slot.kdf.name !== "PBKDF2-HMAC-SHA256") throw new Error("unknown slot");
  // 1. The passphrase's key.
  const material = await crypto.subtle.importKey("raw", enc.encode(passphrase), "PBKDF2", false, ["deriveBits"]);
  const slotBits = await crypto.subtle.deriveBits(
    { name: "PBKDF2", hash: "SHA-256", salt: b64(slot.kdf.salt), iterations: slot.kdf.iterations },
    material, 256);
  const slotKey = await crypto.subtle.importKey("raw", slotBits, "AES-GCM", false, ["decrypt"]);
  // 2. The vault key it wraps: "byok-keyring" 0 "2" 0 "slot" 0 namespace 0 id 0 slot id
  const slotAad = enc.encode("byok-keyring\0" + "2\0slot\0" + namespace + "\0" + vault.id + "\0" + "passphrase");
  const vaultKey = await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: b64(slot.nonce), additionalData: slotAad, tagLength: 128 }, slotKey, b64(slot.key));
  // 3. The record key and the MAC key, by HKDF-SHA256 with the vault id as salt.
  const ikm = await crypto.subtle.importKey("raw", vaultKey, "HKDF", false, ["deriveKey"]);
  const hkdf = (info) => ({ name: "HKDF", hash: "SHA-256", salt: b64(vault.id), info: enc.encode(info) });
  const recordKey = await crypto.subtle.deriveKey(
    hkdf("byok-keyring/2 record"), ikm, { name: "AES-GCM", length: 256 }, false, ["decrypt"]);
  const macKey = await crypto.subtle.deriveKey(
    hkdf("byok-keyring/2 mac"), ikm, { name: "HMAC", hash: "SHA-256", length: 256 }, false, ["verify"]);
  const r = vault.records[provider];
  if (checkMacs) {
    // Each field: a 4-byte big-endian length, then its UTF-8 bytes.
    const join = (parts) => {
      const bytes = parts.map((p) => enc.encode(p));
      const out = new Uint8Array(bytes.reduce((n, b) => n + 4 + b.length, 0));
      let i = 0;
      for (const b of bytes) { new DataView(out.buffer).setUint32(i, b.length); out.set(b, i + 4); i += 4 + b.length; }
      return out;
    };
    const opt = (v) => (v === undefined || v === null ? "" : String(v));
    const recordInput = join(["byok-keyring/2 record", namespace, provider, r.nonce, r.ct, r.masked,
      opt(r.model), opt(r.baseUrl), String(r.enabled), String(r.createdAt), String(r.updatedAt), opt(r.expiresAt)]);
    const macs = vault.macs ?? {};
    if (!macs[provider] || !(await crypto.subtle.verify("HMAC", macKey, b64(macs[provider]), recordInput))) {
      throw new Error("the record's MAC does not match");
    }
    const slotIds = Object.keys(vault.slots).sort();
    const vaultParts = ["byok-keyring/2 vault", namespace, vault.id, String(slotIds.length)];
    for (const id of slotIds) {
      const s = vault.slots[id];
      vaultParts.push(id, s.kind, s.kdf.name, String(s.kdf.iterations), s.kdf.salt, s.nonce, s.key);
    }
    const providers = Object.keys(macs).sort();
    vaultParts.push(String(providers.length));
    for (const p of providers) vaultParts.push(p, macs[p]);
    if (!(await crypto.subtle.verify("HMAC", macKey, b64(vault.mac), join(vaultParts)))) {
      throw new Error("the vault MAC does not match");
    }
  }
  // 4. The record: "byok-keyring" 0 "2" 0 "record" 0 namespace 0 provider
  const aad = enc.encode("byok-keyring\0" + "2\0record\0" + namespace + "\0" + provider);
  const plain = new Uint8Array(await crypto.subtle.decrypt(
    { name: "AES-GCM", iv: b64(r.nonce), additionalData: aad, tagLength: 128 }, recordKey, b64(r.ct)));
  let end = plain.length;
  while (end > 0 && plain[end - 1] === 0) end--;          // strip the zero padding
  return new TextDecoder().decode(plain.subarray(0, end));
}
"#)]
extern "C" {
    fn storageDump() -> String;
    fn rawItem(area: &str, name: &str) -> Option<String>;
    fn setRawItem(area: &str, name: &str, value: &str);
    #[wasm_bindgen(catch)]
    async fn decryptWithWebCrypto(
        stored: &str,
        namespace: &str,
        provider: &str,
        passphrase: &str,
        check_macs: bool,
    ) -> Result<JsValue, JsValue>;
}

fn options(namespace: &str, storage: &str) -> Object {
    let o = Object::new();
    Reflect::set(&o, &"namespace".into(), &namespace.into()).unwrap();
    Reflect::set(&o, &"storage".into(), &storage.into()).unwrap();
    Reflect::set(&o, &"iterations".into(), &100_000.into()).unwrap();
    Reflect::set(
        &o,
        &"platformOnly".into(),
        &js_sys::Array::of1(&"deep-analysis".into()),
    )
    .unwrap();
    o
}

fn opts(namespace: &str, storage: &str) -> byok_keyring::wasm::types::KeyringOptionsArg {
    options(namespace, storage).unchecked_into()
}

fn s(v: &str) -> JsValue {
    JsValue::from_str(v)
}

async fn created(namespace: &str, storage: &str) -> JsKeyring {
    let kr = JsKeyring::new(Some(opts(namespace, storage))).unwrap();
    JsFuture::from(kr.create(s(PASS))).await.unwrap();
    kr
}

fn code_of(err: &JsValue) -> String {
    assert_eq!(
        Reflect::get(err, &"name".into())
            .unwrap()
            .as_string()
            .as_deref(),
        Some("KeyringError")
    );
    assert!(err.is_instance_of::<js_sys::Error>());
    Reflect::get(err, &"code".into())
        .unwrap()
        .as_string()
        .unwrap()
}

async fn flows_over(storage: &str, area: &str) {
    let ns = format!("flows-{storage}");
    let kr = created(&ns, storage).await;
    assert_eq!(kr.state().as_string().unwrap(), "unlocked");
    let k = key("openai");
    kr.set(s("openai"), s(&format!("{k}\n")), None).unwrap();
    assert_eq!(kr.get(s("openai")).unwrap().as_string().unwrap(), k);
    assert!(kr.is_byok(&s("openai")).unwrap());
    assert!(!kr
        .should_deduct_credits(&s("openai"), &JsValue::UNDEFINED)
        .unwrap());
    assert!(kr
        .should_deduct_credits(&s("openai"), &s("deep-analysis"))
        .unwrap());
    // The vault is one item in the chosen storage, and holds no plaintext.
    let item = rawItem(area, &format!("byok-keyring:{ns}")).expect("stored in the chosen area");
    assert!(item.starts_with("{\"v\":2,"));
    assert_no_window(&storageDump(), &k, "browser storage");
    assert_no_window(&storageDump(), PASS, "browser storage");
    // A reload: a new keyring on the same storage starts locked.
    let reloaded = JsKeyring::new(Some(opts(&ns, storage))).unwrap();
    assert_eq!(reloaded.state().as_string().unwrap(), "locked");
    assert!(!reloaded.is_byok(&s("openai")).unwrap());
    assert_eq!(
        reloaded.source(&s("openai")).unwrap().as_string().unwrap(),
        "user"
    );
    let err = reloaded.get(s("openai")).unwrap_err();
    assert_eq!(code_of(&err), "locked");
    // list works while locked
    let list = js_sys::JSON::stringify(&reloaded.list().unwrap())
        .unwrap()
        .as_string()
        .unwrap();
    assert!(list.contains("\"masked\":\"sk-p••••••••"));
    assert_no_window(&list, &k, "list()");
    // a wrong passphrase leaves storage byte-for-byte unchanged
    let before = storageDump();
    let err = JsFuture::from(reloaded.unlock(s("wrong passphrase")))
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "wrong_passphrase");
    assert_eq!(storageDump(), before);
    JsFuture::from(reloaded.unlock(s(PASS))).await.unwrap();
    assert_eq!(reloaded.get(s("openai")).unwrap().as_string().unwrap(), k);
    reloaded.reset().unwrap();
    assert!(rawItem(area, &format!("byok-keyring:{ns}")).is_none());
}

#[wasm_bindgen_test]
async fn flows_over_session_storage() {
    flows_over("session", "sessionStorage").await;
}

#[wasm_bindgen_test]
async fn flows_over_local_storage() {
    flows_over("local", "localStorage").await;
}

#[wasm_bindgen_test]
async fn memory_storage_writes_nothing_to_the_browser() {
    let before = storageDump();
    let kr = created("mem", "memory").await;
    kr.set(s("groq"), s(&key("groq")), None).unwrap();
    assert!(kr.is_byok(&s("groq")).unwrap());
    assert_eq!(storageDump(), before);
}

#[wasm_bindgen_test]
async fn a_record_decrypts_with_webcrypto_alone_as_documented() {
    let kr = created("alice@example.com", "session").await;
    let k = key("anthropic");
    kr.set(s("anthropic"), s(&k), None).unwrap();
    kr.set(s("groq"), s(&key("groq")), None).unwrap();
    let stored = rawItem("sessionStorage", "byok-keyring:alice@example.com").unwrap();
    let got = decryptWithWebCrypto(&stored, "alice@example.com", "anthropic", PASS, true)
        .await
        .unwrap();
    assert_eq!(got.as_string().unwrap(), k);
    // The record under another provider's name: AES-GCM refuses it because
    // the associated data names the wrong provider (an OperationError from
    // crypto.subtle.decrypt, not, say, a TypeError for a missing record)...
    let moved = stored.replace("\"anthropic\":", "\"openai\":");
    assert_ne!(moved, stored);
    let err = decryptWithWebCrypto(&moved, "alice@example.com", "openai", PASS, false)
        .await
        .unwrap_err();
    assert_eq!(
        Reflect::get(&err, &"name".into())
            .unwrap()
            .as_string()
            .as_deref(),
        Some("OperationError"),
        "{err:?}"
    );
    // ...and its MAC, which names the provider too, does not match.
    let err = decryptWithWebCrypto(&moved, "alice@example.com", "openai", PASS, true)
        .await
        .unwrap_err();
    assert!(format!("{err:?}").contains("record's MAC"), "{err:?}");
    // A metadata edit (re-enabling, a model) fails the MAC check too.
    let edited = stored.replace("\"enabled\":true", "\"enabled\":false");
    assert_ne!(edited, stored);
    let err = decryptWithWebCrypto(&edited, "alice@example.com", "anthropic", PASS, true)
        .await
        .unwrap_err();
    assert!(format!("{err:?}").contains("MAC"), "{err:?}");
}

#[wasm_bindgen_test]
async fn namespaces_are_isolated_in_real_storage() {
    let alice = created("iso-alice", "local").await;
    alice.set(s("openai"), s(&key("openai")), None).unwrap();
    let bob = JsKeyring::new(Some(opts("iso-bob", "local"))).unwrap();
    assert_eq!(bob.state().as_string().unwrap(), "empty");
    assert!(!bob.is_byok(&s("openai")).unwrap());
    assert_eq!(
        bob.source(&s("openai")).unwrap().as_string().unwrap(),
        "none"
    );
    // alice's vault copied under bob's name does not open with her passphrase
    let text = rawItem("localStorage", "byok-keyring:iso-alice").unwrap();
    setRawItem("localStorage", "byok-keyring:iso-bob", &text);
    let bob = JsKeyring::new(Some(opts("iso-bob", "local"))).unwrap();
    let err = JsFuture::from(bob.unlock(s(PASS))).await.unwrap_err();
    assert_eq!(code_of(&err), "wrong_passphrase");
    alice.reset().unwrap();
    bob.reset().unwrap();
}

#[wasm_bindgen_test]
async fn errors_have_stable_codes_and_no_secrets() {
    let kr = created("errors", "session").await;
    let k = key("anthropic");
    let err = kr.set(s("openai"), s(&k), None).unwrap_err();
    assert_eq!(code_of(&err), "invalid_key");
    let details = Reflect::get(&err, &"details".into()).unwrap();
    assert_eq!(
        Reflect::get(&details, &"code".into())
            .unwrap()
            .as_string()
            .unwrap(),
        "wrong_provider"
    );
    assert!(Reflect::get(&details, &"normalized".into())
        .unwrap()
        .is_undefined());
    let text = format!(
        "{:?} {:?}",
        js_sys::JSON::stringify(&err),
        err.dyn_ref::<js_sys::Error>().unwrap().message()
    );
    assert_no_window(&text, &k, "error");
    assert_eq!(
        code_of(&kr.set(s("nope"), s(&k), None).unwrap_err()),
        "unknown_provider"
    );
    assert_eq!(
        code_of(&kr.set(JsValue::from(3), s(&k), None).unwrap_err()),
        "invalid_argument"
    );
    let again = JsKeyring::new(Some(opts("errors", "session"))).unwrap();
    let err = JsFuture::from(again.create(s(PASS))).await.unwrap_err();
    assert_eq!(code_of(&err), "already_exists");
    let weak = JsKeyring::new(Some(opts("weak", "session"))).unwrap();
    assert_eq!(
        code_of(&JsFuture::from(weak.create(s("short"))).await.unwrap_err()),
        "weak_passphrase"
    );
    assert_eq!(
        code_of(&JsFuture::from(weak.unlock(s(PASS))).await.unwrap_err()),
        "no_vault"
    );
    let bad = Object::new();
    Reflect::set(&bad, &"storage".into(), &"disk".into()).unwrap();
    assert_eq!(
        code_of(&JsKeyring::new(Some(bad.unchecked_into())).err().unwrap()),
        "invalid_argument"
    );
    let typo = Object::new();
    Reflect::set(&typo, &"platfromOnly".into(), &js_sys::Array::new()).unwrap();
    assert_eq!(
        code_of(&JsKeyring::new(Some(typo.unchecked_into())).err().unwrap()),
        "invalid_argument"
    );
    kr.reset().unwrap();
}

#[wasm_bindgen_test]
fn free_functions() {
    let v = api::validate(&s("openai"), &s(&format!("{}\n", key("anthropic")))).unwrap();
    assert_eq!(
        Reflect::get(&v, &"code".into())
            .unwrap()
            .as_string()
            .unwrap(),
        "wrong_provider"
    );
    assert_eq!(
        Reflect::get(&v, &"message".into())
            .unwrap()
            .as_string()
            .unwrap(),
        "This looks like an Anthropic key, not an OpenAI key."
    );
    assert_eq!(
        Reflect::get(&v, &"detected".into())
            .unwrap()
            .as_string()
            .unwrap(),
        "anthropic"
    );
    assert_eq!(
        api::mask(&s(&key("openai")))
            .unwrap()
            .as_string()
            .unwrap()
            .chars()
            .count(),
        16
    );
    assert_eq!(
        api::detect_provider(&s(&key("groq")))
            .unwrap()
            .as_string()
            .unwrap(),
        "groq"
    );
    assert!(api::detect_provider(&s("hello")).unwrap().is_undefined());
    let providers: js_sys::Array = api::providers().unwrap().unchecked_into();
    assert_eq!(providers.length() as usize, byok_keyring::PROVIDERS.len());
    assert_eq!(providers.length(), 21);
    let first = providers.get(0);
    assert_eq!(
        Reflect::get(&first, &"keyUrl".into())
            .unwrap()
            .as_string()
            .unwrap(),
        "https://platform.openai.com/api-keys"
    );
    assert_eq!(
        code_of(&api::mask(&JsValue::NULL).unwrap_err()),
        "invalid_argument"
    );
}

#[wasm_bindgen_test]
async fn on_change_reports_changes_and_unsubscribes() {
    let kr = created("events", "memory").await;
    let seen = js_sys::Array::new();
    let seen2 = seen.clone();
    let cb = Closure::<dyn FnMut(JsValue)>::new(move |ev: JsValue| {
        seen2.push(&ev);
    });
    let unsubscribe: js_sys::Function = kr.on_change(cb.as_ref().clone()).unwrap().unchecked_into();
    kr.set(s("groq"), s(&key("groq")), None).unwrap();
    kr.lock(None).unwrap();
    unsubscribe.call0(&JsValue::NULL).unwrap();
    unsubscribe.call0(&JsValue::NULL).unwrap(); // twice is harmless
    kr.remove(s("groq")).unwrap();
    let text = js_sys::JSON::stringify(&seen).unwrap().as_string().unwrap();
    assert_eq!(
        text,
        r#"[{"type":"set","provider":"groq","state":"unlocked"},{"type":"locked","state":"locked"}]"#
    );
    drop(cb);
}

// ---------------------------------------------------------------- KDF paths

fn kdf_options(
    namespace: &str,
    kdf: &str,
    iterations: u32,
) -> byok_keyring::wasm::types::KeyringOptionsArg {
    let o = options(namespace, "local");
    Reflect::set(&o, &"kdf".into(), &kdf.into()).unwrap();
    Reflect::set(&o, &"iterations".into(), &iterations.into()).unwrap();
    o.unchecked_into()
}

#[wasm_bindgen(module = "/js/transport.js")]
extern "C" {
    /// The package's WebCrypto PBKDF2 (what `create`, `unlock` and
    /// `changePassphrase` derive with): `bits` bits of `pw`, which it zeroes.
    #[wasm_bindgen(js_name = pbkdf2)]
    fn webcrypto_pbkdf2(
        pw: &js_sys::Uint8Array,
        salt: &[u8],
        iterations: u32,
        bits: u32,
    ) -> js_sys::Promise;
}

/// PBKDF2-HMAC-SHA256 by the package's WebCrypto path.
async fn webcrypto_pbkdf2_bytes(pw: &[u8], salt: &[u8], iterations: u32, len: usize) -> Vec<u8> {
    let copy = js_sys::Uint8Array::from(pw);
    let bits = JsFuture::from(webcrypto_pbkdf2(&copy, salt, iterations, (len * 8) as u32))
        .await
        .unwrap();
    assert!(
        copy.to_vec().iter().all(|&b| b == 0),
        "the password bytes were not zeroed"
    );
    js_sys::Uint8Array::new(&bits).to_vec()
}

#[wasm_bindgen_test]
async fn webcrypto_and_wasm_pbkdf2_agree_on_rfc7914_vectors() {
    assert!(
        byok_keyring::wasm::webcrypto_kdf::available(),
        "crypto.subtle in a secure context"
    );
    let doc: serde_json::Value =
        serde_json::from_str(include_str!("data/pbkdf2-sha256-rfc7914.json")).unwrap();
    for v in doc["vectors"].as_array().unwrap() {
        let pw = v["password"].as_str().unwrap().as_bytes();
        let salt = v["salt"].as_str().unwrap().as_bytes();
        let c = v["iterations"].as_u64().unwrap() as u32;
        let len = v["dkLen"].as_u64().unwrap() as usize;
        let web = webcrypto_pbkdf2_bytes(pw, salt, c, len).await;
        let mut rust = vec![0u8; len];
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(pw, salt, c, &mut rust);
        let hex: String = web.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(hex, v["dk"].as_str().unwrap());
        assert_eq!(web, rust);
    }
}

#[wasm_bindgen_test]
async fn webcrypto_and_wasm_pbkdf2_agree_on_random_inputs() {
    for i in 0..24u32 {
        let seed: [u8; 48] = byok_keyring::crypto::random().unwrap();
        let pw = &seed[..1 + (seed[0] as usize % 32)];
        let salt = &seed[32..48];
        let c = 1 + (i * 97) % 2000;
        let web = webcrypto_pbkdf2_bytes(pw, salt, c, 32).await;
        let mut rust = [0u8; 32];
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(pw, salt, c, &mut rust);
        assert_eq!(web, rust, "input {i}");
    }
}

#[wasm_bindgen_test]
async fn both_backends_open_each_others_vaults() {
    let web = JsKeyring::new(Some(kdf_options("kdf-a", "auto", 100_000))).unwrap();
    assert_eq!(web.kdf_backend(), "webcrypto");
    JsFuture::from(web.create(s(PASS))).await.unwrap();
    web.set(s("groq"), s(&key("groq")), None).unwrap();
    assert_eq!(
        web.kdf_backend(),
        "webcrypto",
        "WebCrypto did not fall back"
    );
    let wasm = JsKeyring::new(Some(kdf_options("kdf-a", "wasm", 100_000))).unwrap();
    assert_eq!(wasm.kdf_backend(), "wasm");
    JsFuture::from(wasm.unlock(s(PASS))).await.unwrap();
    assert_eq!(
        wasm.get(s("groq")).unwrap().as_string().unwrap(),
        key("groq")
    );
    let err = JsFuture::from(wasm.unlock(s("not it at all")))
        .await
        .unwrap_err();
    assert_eq!(code_of(&err), "wrong_passphrase");
    wasm.reset().unwrap();
}

#[wasm_bindgen_test]
async fn unlock_upgrades_weaker_vaults_in_one_write() {
    let old = JsKeyring::new(Some(kdf_options("kdf-up", "auto", 100_000))).unwrap();
    JsFuture::from(old.create(s(PASS))).await.unwrap();
    old.set(s("openai"), s(&key("openai")), None).unwrap();
    let stored = |name: &str| -> u64 {
        let text = rawItem("localStorage", name).unwrap();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        v["slots"]["passphrase"]["kdf"]["iterations"]
            .as_u64()
            .unwrap()
    };
    assert_eq!(stored("byok-keyring:kdf-up"), 100_000);
    let new = JsKeyring::new(Some(kdf_options("kdf-up", "auto", 300_000))).unwrap();
    JsFuture::from(new.unlock(s(PASS))).await.unwrap();
    assert_eq!(stored("byok-keyring:kdf-up"), 300_000);
    assert_eq!(
        new.get(s("openai")).unwrap().as_string().unwrap(),
        key("openai")
    );
    let again = JsKeyring::new(Some(kdf_options("kdf-up", "wasm", 100_000))).unwrap();
    JsFuture::from(again.unlock(s(PASS))).await.unwrap();
    assert_eq!(stored("byok-keyring:kdf-up"), 300_000, "never downgraded");
    again.reset().unwrap();
}

#[wasm_bindgen_test]
fn mask_ignores_exactly_the_whitespace_the_browser_trims() {
    // One mask, in Rust, that ignores exactly the whitespace this browser's
    // own String.prototype.trim() removes: every character that Rust or
    // JavaScript calls whitespace, around every kind of key.
    let whitespace: Vec<char> = (0..=0x10ffffu32)
        .filter_map(char::from_u32)
        .filter(|c| c.is_whitespace() || js_sys::JsString::from(c.to_string()).trim().length() == 0)
        .collect();
    assert!(whitespace.contains(&'\u{feff}') && whitespace.contains(&'\u{85}'));
    let mut inputs: Vec<String> = (0..60).map(|n| "k".repeat(n)).collect();
    inputs.extend(common::provider_ids().iter().map(|p| key(p)));
    for c in &whitespace {
        inputs.push(format!("{c}{}{c}", key("openai")));
        inputs.push(format!("{c}{c}{}", key("groq")));
    }
    inputs.push("é".repeat(25));
    inputs.push("😀".repeat(12)); // 24 UTF-16 units, 12 characters: nothing revealed
    inputs.push(format!("😀ab{}cd😀", "x".repeat(30)));
    for input in &inputs {
        let trimmed_by_js = String::from(js_sys::JsString::from(input.as_str()).trim());
        assert_eq!(
            api::mask(&s(input)).unwrap().as_string().unwrap(),
            byok_keyring::mask(&trimmed_by_js),
            "input of {} chars",
            input.chars().count()
        );
    }
}
