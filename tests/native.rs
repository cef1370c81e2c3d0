//! Native tests of the pure-Rust core: `cargo test`.

mod common;

use byok_keyring::format::{self, Vault};
use byok_keyring::{
    detect_provider, flows, mask, validate, ChangeKind, ErrorCode, Keyring, MemoryStorage, Options,
    RustKdf, SetOptions, Source, State, ValidationCode,
};
use common::{assert_no_window, key, key_seeded, other_formats, provider_ids};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

const PASS: &str = "correct horse battery";
const FAST: u32 = 100_000; // the minimum accepted; keeps tests quick

fn opts(ns: &str) -> Options {
    Options {
        namespace: ns.into(),
        iterations: FAST,
        ..Options::default()
    }
}

struct Fixture {
    kr: RefCell<Keyring>,
    storage: MemoryStorage,
    now: Rc<Cell<u64>>,
}

fn keyring_on(storage: &MemoryStorage, o: Options) -> Fixture {
    let now = Rc::new(Cell::new(1_700_000_000_000u64));
    let clock = {
        let now = now.clone();
        Box::new(move || now.get())
    };
    Fixture {
        kr: RefCell::new(Keyring::new(o, Box::new(storage.clone()), clock).unwrap()),
        storage: storage.clone(),
        now,
    }
}

fn created(o: Options) -> Fixture {
    let f = keyring_on(&MemoryStorage::new(), o);
    pollster::block_on(flows::create(&f.kr, &RustKdf, &PASS.into())).unwrap();
    f
}

/// Two tabs on one storage, both unlocked: `a` made the vault of namespace
/// "a", `b` opened it.
fn two_tabs() -> (Fixture, Fixture) {
    let a = created(opts("a"));
    let b = keyring_on(&a.storage, opts("a"));
    unlock(&b, PASS).unwrap();
    (a, b)
}

/// Storage keeps another tab's write instead of `f`'s: the stored vault of
/// namespace "a" goes back to `text`, which `f` has not seen.
fn lose_writes(f: &Fixture, text: &str) {
    byok_keyring::Storage::write(&f.storage, "byok-keyring:a", text).unwrap();
}

fn unlock(f: &Fixture, pass: &str) -> byok_keyring::Result<()> {
    pollster::block_on(flows::unlock(&f.kr, &RustKdf, &pass.into()))
}

// ---------------------------------------------------------------- validate

#[test]
fn every_provider_accepts_its_realistic_keys() {
    for id in provider_ids() {
        for seed in 0..20 {
            let k = key_seeded(id, seed);
            let v = validate(id, &k);
            assert_eq!(v.code, ValidationCode::Ok, "{id}: {}", v.message);
            assert!(v.valid);
            assert_eq!(v.normalized.as_deref(), Some(k.as_str()));
        }
    }
    for (id, k) in other_formats() {
        let v = validate(id, &k);
        assert_eq!(
            v.code,
            ValidationCode::Ok,
            "{id} {}: {}",
            &k[..8],
            v.message
        );
    }
}

#[test]
fn surrounding_whitespace_is_trimmed_not_an_error() {
    let k = key("openai");
    for wrapped in [
        format!("{k}\n"),
        format!("  {k}\t"),
        format!("\r\n{k}\r\n"),
        format!("\u{a0}{k}"),
    ] {
        let v = validate("openai", &wrapped);
        assert_eq!(v.code, ValidationCode::Ok);
        assert_eq!(v.normalized.as_deref(), Some(k.as_str()));
    }
}

#[test]
fn inner_whitespace_and_quotes_are_bad_chars() {
    let k = key("groq");
    for (bad, what) in [
        (format!("{} {}", &k[..20], &k[20..]), "a space"),
        (format!("{}\n{}", &k[..20], &k[20..]), "a line break"),
        (format!("\"{k}\""), "a quote"),
        (format!("'{k}'"), "a quote"),
        (
            format!("{}\u{0}{}", &k[..20], &k[20..]),
            "control character",
        ),
    ] {
        let v = validate("groq", &bad);
        assert_eq!(v.code, ValidationCode::BadChars);
        assert!(v.message.contains(what), "{}", v.message);
    }
    let v = validate(
        "groq",
        &format!("gsk_{}!{}", "a".repeat(30), "b".repeat(21)),
    );
    assert_eq!(v.code, ValidationCode::BadChars);
    assert_eq!(
        v.message,
        "Groq keys contain only letters and digits; this one has other characters."
    );
}

#[test]
fn anthropic_key_in_the_openai_box_is_wrong_provider() {
    let v = validate("openai", &key("anthropic"));
    assert_eq!(v.code, ValidationCode::WrongProvider);
    assert_eq!(v.detected, Some("anthropic"));
    assert_eq!(
        v.message,
        "This looks like an Anthropic key, not an OpenAI key."
    );
    let v = validate("anthropic", &key("openai"));
    assert_eq!(
        v.message,
        "This looks like an OpenAI key, not an Anthropic key."
    );
}

#[test]
fn every_prefixed_key_in_another_box_is_wrong_provider() {
    for p in provider_ids() {
        let k = key(p);
        for q in provider_ids() {
            let v = validate(q, &k);
            let prefixed = detect_provider(&k).is_some();
            if p == q {
                assert_eq!(v.code, ValidationCode::Ok);
                // A valid key names the provider it was checked for, prefix or not.
                assert_eq!(v.detected, Some(p), "{p} key in its own box");
            } else if prefixed {
                assert_eq!(v.code, ValidationCode::WrongProvider, "{p} key in {q} box");
                assert_eq!(v.detected, Some(p));
            } else {
                // A key without a prefix (Mistral, Cohere, Exa): detectProvider
                // never claims it, so no box names a provider for it, and it
                // does not have another prefix-less provider's shape either.
                assert!(!v.valid, "{p} key in {q} box: {:?}", v.code);
                assert_ne!(v.code, ValidationCode::WrongProvider, "{p} key in {q} box");
                assert_eq!(v.detected, None, "{p} key in {q} box: {:?}", v.code);
            }
        }
    }
}

#[test]
fn other_codes() {
    assert_eq!(validate("openai", "").code, ValidationCode::Empty);
    assert_eq!(validate("openai", " \n\t").code, ValidationCode::Empty);
    assert_eq!(
        validate("openai", " \n\t").message,
        "Paste an OpenAI key here."
    );
    let v = validate("nope", &key("openai"));
    assert_eq!(v.code, ValidationCode::UnknownProvider);
    assert!(v
        .message
        .starts_with("\"nope\" is not a known provider. Known providers: openai, anthropic"));
    let v = validate("groq", &format!("abc_{}", "a".repeat(52)));
    assert_eq!(v.code, ValidationCode::BadPrefix);
    assert_eq!(v.message, "Groq keys start with \"gsk_\".");
    let v = validate("openai", &key("mistral"));
    assert_eq!(v.code, ValidationCode::BadPrefix);
    let k = key("groq");
    let v = validate("groq", &k[..30]);
    assert_eq!(v.code, ValidationCode::TooShort);
    assert_eq!(
        v.message,
        "This is too short for a Groq key; it may have been cut off while copying."
    );
    let v = validate("groq", &format!("{k}{}", "x".repeat(60)));
    assert_eq!(v.code, ValidationCode::TooLong);
    assert_eq!(
        validate("gemini", &key("gemini")[..38]).code,
        ValidationCode::TooShort
    );
    assert_eq!(
        validate("mistral", &key("mistral")[..31]).code,
        ValidationCode::TooShort
    );
    assert_eq!(
        validate("cohere", &format!("{}x", key("cohere"))).code,
        ValidationCode::TooLong
    );
    assert_eq!(
        validate("exa", &key("exa").replace('-', "a")).code,
        ValidationCode::BadChars
    );
    assert_eq!(
        validate("exa", &key("exa").to_uppercase()).code,
        ValidationCode::BadChars
    );
    assert_eq!(
        validate("openrouter", &format!("sk-or-v1-{}", "A".repeat(64))).code,
        ValidationCode::BadChars
    );
    assert_eq!(
        validate("huggingface", &format!("hf_{}1", "a".repeat(33))).code,
        ValidationCode::BadChars
    );
}

#[test]
fn messages_never_contain_the_key() {
    let mut keys: Vec<String> = provider_ids().iter().map(|p| key(p)).collect();
    keys.extend(other_formats().into_iter().map(|(_, k)| k));
    for k in &keys {
        let variants = [
            k.clone(),
            format!("{k} x"),
            format!("{k}!!"),
            k[..k.len() / 2].to_string(),
        ];
        for p in provider_ids() {
            for variant in &variants {
                let v = validate(p, variant);
                assert_no_window(&v.message, k, "validation message");
                assert_no_window(&format!("{v:?}"), k, "validation Debug");
            }
        }
    }
}

#[test]
fn detect_provider_most_specific() {
    for p in provider_ids() {
        let expected = match p {
            "mistral" | "cohere" | "exa" | "azureopenai" => None,
            p => Some(p),
        };
        assert_eq!(detect_provider(&key(p)).map(|p| p.id), expected, "{p}");
    }
    // "sk-" could still become an OpenAI or a DeepSeek key: neither is named.
    assert_eq!(detect_provider("sk-").map(|p| p.id), None);
    assert_eq!(detect_provider("sk-proj-").map(|p| p.id), Some("openai"));
    assert_eq!(detect_provider("sk-ant-").map(|p| p.id), Some("anthropic"));
    assert_eq!(
        detect_provider(&format!(" {}\n", key("deepseek"))).map(|p| p.id),
        Some("deepseek")
    );
    assert_eq!(detect_provider("hello").map(|p| p.id), None);
}

// ---------------------------------------------------------------- mask

#[test]
fn mask_rules() {
    let k = key("openai");
    let m = mask(&k);
    assert_eq!(m, format!("{}••••••••{}", &k[..4], &k[k.len() - 4..]));
    assert_no_window(&m, &k, "mask");
    for n in [0, 1, 8, 19] {
        let short: String = "abcdefghijklmnopqrstuvwxyz".chars().take(n).collect();
        let m = mask(&short);
        assert!(
            !short.chars().any(|c| m.contains(c)),
            "mask of {n} chars reveals something"
        );
    }
    let lengths: std::collections::HashSet<usize> = (0..400)
        .map(|n| mask(&"x".repeat(n)).chars().count())
        .collect();
    assert_eq!(lengths.len(), 1, "mask length depends on key length");
}

// ---------------------------------------------------------------- crypto

#[test]
fn rfc7914_pbkdf2_sha256_vectors() {
    let text = std::fs::read_to_string("tests/data/pbkdf2-sha256-rfc7914.json").unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let vectors = doc["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 2);
    for v in vectors {
        let pw = v["password"].as_str().unwrap();
        let salt = v["salt"].as_str().unwrap();
        let c = v["iterations"].as_u64().unwrap() as u32;
        let expected = v["dk"].as_str().unwrap();
        let mut out = vec![0u8; v["dkLen"].as_u64().unwrap() as usize];
        pbkdf2::pbkdf2_hmac::<sha2::Sha256>(pw.as_bytes(), salt.as_bytes(), c, &mut out);
        assert_eq!(hex(&out), expected);
        // The crate's own derivation is the first 32 bytes of the same output.
        let key = byok_keyring::crypto::pbkdf2_sha256(pw.as_bytes(), salt.as_bytes(), c);
        let sealed = byok_keyring::crypto::seal(&key, b"x", b"").unwrap();
        let same = byok_keyring::crypto::DerivedKey::from_slice(&out[..32]).unwrap();
        assert!(byok_keyring::crypto::open(&same, &sealed, b"").is_some());
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

// ---------------------------------------------------------------- format

#[test]
fn format_round_trip() {
    let f = created(opts("alice"));
    f.kr.borrow_mut()
        .set(
            "openai",
            &key("openai"),
            SetOptions {
                model: Some("gpt-4o".into()),
                expires_in_ms: Some(60_000),
                base_url: None,
            },
        )
        .unwrap();
    f.kr.borrow_mut()
        .set("groq", &key("groq"), SetOptions::default())
        .unwrap();
    let (name, text) = f.storage.dump().pop().unwrap();
    assert_eq!(name, "byok-keyring:alice");
    let vault = Vault::parse(&text).unwrap();
    assert_eq!(Vault::parse(&vault.to_json().unwrap()).unwrap(), vault);
    assert_eq!(vault.to_json().unwrap(), text);
    assert_eq!(vault.passphrase_kdf().unwrap().iterations, FAST);
    assert_eq!(vault.records.len(), 2);
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(json["v"], 2);
    assert_eq!(
        json["slots"]["passphrase"]["kdf"]["name"],
        "PBKDF2-HMAC-SHA256"
    );
}

#[test]
fn stored_fixture_still_decrypts() {
    // tests/data/vault-v1.json was written by version 0.1.0; every later
    // version must read it (docs/FORMAT.md describes it).
    let fixture: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("tests/data/vault-v1.json").unwrap())
            .unwrap();
    let storage = MemoryStorage::new();
    use byok_keyring::Storage;
    storage
        .write(
            &format!("byok-keyring:{}", fixture["namespace"].as_str().unwrap()),
            &fixture["stored"].to_string(),
        )
        .unwrap();
    let f = keyring_on(&storage, opts(fixture["namespace"].as_str().unwrap()));
    assert_eq!(f.kr.borrow().state(), State::Locked);
    unlock(&f, fixture["passphrase"].as_str().unwrap()).unwrap();
    let got =
        f.kr.borrow_mut()
            .get(fixture["provider"].as_str().unwrap())
            .unwrap()
            .unwrap();
    assert_eq!(got.expose(), fixture["key"].as_str().unwrap());
}

#[test]
fn stored_iterations_out_of_range_are_corrupt_and_untouched() {
    for iterations in [0u64, 1, 99_999, 10_000_001, 4_294_967_295, 1 << 40] {
        let f = created(opts("x"));
        f.kr.borrow_mut()
            .set("groq", &key("groq"), SetOptions::default())
            .unwrap();
        let (name, text) = f.storage.dump().pop().unwrap();
        let hacked = text.replace(
            &format!("\"iterations\":{FAST}"),
            &format!("\"iterations\":{iterations}"),
        );
        use byok_keyring::Storage;
        f.storage.write(&name, &hacked).unwrap();
        let g = keyring_on(&f.storage, opts("x"));
        let err = unlock(&g, PASS).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Corrupt);
        assert!(
            err.message().contains("iteration count"),
            "{}",
            err.message()
        );
        assert_eq!(g.kr.borrow().list().unwrap_err().code(), ErrorCode::Corrupt);
        assert_eq!(f.storage.dump(), vec![(name.clone(), hacked.clone())]);
    }
}

#[test]
fn newer_format_version_is_refused_with_a_message() {
    let s = MemoryStorage::new();
    use byok_keyring::Storage;
    s.write("byok-keyring:default", r#"{"v":7,"future":"stuff"}"#)
        .unwrap();
    let f = keyring_on(
        &s,
        Options {
            iterations: FAST,
            ..Options::default()
        },
    );
    let err = unlock(&f, PASS).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Corrupt);
    assert!(
        err.message()
            .contains("newer version of byok-keyring (format version 7)"),
        "{}",
        err.message()
    );
    // create does not overwrite it either
    let err = pollster::block_on(flows::create(&f.kr, &RustKdf, &PASS.into())).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Corrupt);
    assert_eq!(s.dump()[0].1, r#"{"v":7,"future":"stuff"}"#);
    // reset() is the way out
    f.kr.borrow_mut().reset().unwrap();
    assert!(s.dump().is_empty());
    assert_eq!(f.kr.borrow().state(), State::Empty);
}

// ---------------------------------------------------------------- keyring

#[test]
fn create_set_get_lock_unlock() {
    let f = created(opts("alice"));
    assert_eq!(f.kr.borrow().state(), State::Unlocked);
    let k = key("openai");
    let info =
        f.kr.borrow_mut()
            .set("openai", &format!("{k}\n"), SetOptions::default())
            .unwrap();
    assert_eq!(info.masked, mask(&k));
    assert!(info.enabled);
    assert_eq!(
        f.kr.borrow_mut().get("openai").unwrap().unwrap().expose(),
        k
    );
    assert!(f.kr.borrow_mut().get("groq").unwrap().is_none());
    f.kr.borrow_mut().lock();
    assert_eq!(f.kr.borrow().state(), State::Locked);
    assert_eq!(
        f.kr.borrow_mut().get("openai").unwrap_err().code(),
        ErrorCode::Locked
    );
    assert_eq!(
        f.kr.borrow_mut()
            .set("groq", &key("groq"), SetOptions::default())
            .unwrap_err()
            .code(),
        ErrorCode::Locked
    );
    // list works while locked and never holds the key
    let list = f.kr.borrow().list().unwrap();
    assert_eq!(list.len(), 1);
    assert_no_window(&serde_json::to_string(&list).unwrap(), &k, "list");
    unlock(&f, PASS).unwrap();
    assert_eq!(
        f.kr.borrow_mut().get("openai").unwrap().unwrap().expose(),
        k
    );
}

#[test]
fn get_after_replacing_or_removing_a_key_is_never_stale() {
    let f = created(opts("a"));
    let (k1, k2) = (key_seeded("groq", 1), key_seeded("groq", 2));
    f.kr.borrow_mut()
        .set("groq", &k1, SetOptions::default())
        .unwrap();
    assert_eq!(f.kr.borrow_mut().get("groq").unwrap().unwrap().expose(), k1);
    f.kr.borrow_mut()
        .set("groq", &k2, SetOptions::default())
        .unwrap();
    assert_eq!(f.kr.borrow_mut().get("groq").unwrap().unwrap().expose(), k2);
    // another "tab" replaces it
    let other = keyring_on(&f.storage, opts("a"));
    unlock(&other, PASS).unwrap();
    other
        .kr
        .borrow_mut()
        .set("groq", &k1, SetOptions::default())
        .unwrap();
    f.kr.borrow_mut().reload().unwrap();
    assert_eq!(f.kr.borrow_mut().get("groq").unwrap().unwrap().expose(), k1);
    f.kr.borrow_mut().remove("groq").unwrap();
    assert!(f.kr.borrow_mut().get("groq").unwrap().is_none());
}

#[test]
fn a_reload_is_locked_and_unlock_restores() {
    let f = created(opts("alice"));
    let k = key("anthropic");
    f.kr.borrow_mut()
        .set("anthropic", &k, SetOptions::default())
        .unwrap();
    let reloaded = keyring_on(&f.storage, opts("alice"));
    assert_eq!(reloaded.kr.borrow().state(), State::Locked);
    assert!(!reloaded.kr.borrow().is_byok("anthropic"));
    assert_eq!(reloaded.kr.borrow().source("anthropic"), Source::User);
    unlock(&reloaded, PASS).unwrap();
    assert!(reloaded.kr.borrow().is_byok("anthropic"));
    assert_eq!(
        reloaded
            .kr
            .borrow_mut()
            .get("anthropic")
            .unwrap()
            .unwrap()
            .expose(),
        k
    );
}

#[test]
fn wrong_passphrase_changes_nothing() {
    let f = created(opts("alice"));
    f.kr.borrow_mut()
        .set("openai", &key("openai"), SetOptions::default())
        .unwrap();
    f.kr.borrow_mut().lock();
    let before = f.storage.dump();
    let err = unlock(&f, "not the passphrase").unwrap_err();
    assert_eq!(err.code(), ErrorCode::WrongPassphrase);
    assert_eq!(f.storage.dump(), before);
    assert_eq!(f.kr.borrow().state(), State::Locked);
}

#[test]
fn no_vault_already_exists_weak_passphrase() {
    let f = keyring_on(&MemoryStorage::new(), opts("a"));
    assert_eq!(f.kr.borrow().state(), State::Empty);
    assert_eq!(unlock(&f, PASS).unwrap_err().code(), ErrorCode::NoVault);
    let err = pollster::block_on(flows::create(&f.kr, &RustKdf, &"short".into())).unwrap_err();
    assert_eq!(err.code(), ErrorCode::WeakPassphrase);
    assert_eq!(
        err.message(),
        "Choose a passphrase of at least 8 characters."
    );
    assert!(f.storage.dump().is_empty());
    pollster::block_on(flows::create(&f.kr, &RustKdf, &PASS.into())).unwrap();
    let err = pollster::block_on(flows::create(&f.kr, &RustKdf, &PASS.into())).unwrap_err();
    assert_eq!(err.code(), ErrorCode::AlreadyExists);
}

#[test]
fn set_refuses_invalid_keys_with_details_but_without_the_key() {
    let f = created(opts("a"));
    let k = key("anthropic");
    let err =
        f.kr.borrow_mut()
            .set("openai", &k, SetOptions::default())
            .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidKey);
    let details = err.details().unwrap();
    assert_eq!(details.code, ValidationCode::WrongProvider);
    assert_eq!(details.normalized, None);
    assert_no_window(&format!("{err:?} {err}"), &k, "error");
    assert_eq!(
        f.kr.borrow_mut()
            .set("nope", &k, SetOptions::default())
            .unwrap_err()
            .code(),
        ErrorCode::UnknownProvider
    );
    assert!(f.kr.borrow().list().unwrap().is_empty());
}

#[test]
fn namespaces_are_isolated() {
    let storage = MemoryStorage::new();
    let alice = keyring_on(&storage, opts("alice"));
    pollster::block_on(flows::create(&alice.kr, &RustKdf, &PASS.into())).unwrap();
    alice
        .kr
        .borrow_mut()
        .set("openai", &key("openai"), SetOptions::default())
        .unwrap();
    let bob = keyring_on(&storage, opts("bob"));
    assert_eq!(bob.kr.borrow().state(), State::Empty);
    assert!(!bob.kr.borrow().is_byok("openai"));
    assert_eq!(bob.kr.borrow().source("openai"), Source::None);
    // Even with the same passphrase, a vault copied to bob's item does not open.
    use byok_keyring::Storage;
    let text = storage.read("byok-keyring:alice").unwrap().unwrap();
    storage.write("byok-keyring:bob", &text).unwrap();
    let bob = keyring_on(&storage, opts("bob"));
    assert_eq!(
        unlock(&bob, PASS).unwrap_err().code(),
        ErrorCode::WrongPassphrase
    );
}

#[test]
fn a_record_moved_to_another_provider_is_tampered_and_not_used() {
    let f = created(opts("a"));
    f.kr.borrow_mut()
        .set("openai", &key("openai"), SetOptions::default())
        .unwrap();
    f.kr.borrow_mut()
        .set("groq", &key("groq"), SetOptions::default())
        .unwrap();
    let (name, text) = f.storage.dump().pop().unwrap();
    let mut json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let openai = json["records"]["openai"].clone();
    json["records"]["groq"] = openai;
    use byok_keyring::Storage;
    f.storage.write(&name, &json.to_string()).unwrap();
    f.kr.borrow_mut().reload().unwrap();
    assert!(f.kr.borrow_mut().get("groq").unwrap().is_none());
    assert!(!f.kr.borrow().is_byok("groq"));
    let list = f.kr.borrow().list().unwrap();
    let flags: Vec<(&str, bool)> = list.iter().map(|i| (i.provider, i.tampered)).collect();
    assert_eq!(flags, [("groq", true), ("openai", false)]);
    // The intact key is still used.
    assert!(f.kr.borrow_mut().get("openai").unwrap().is_some());
    assert!(f.kr.borrow().is_byok("openai"));
}

#[test]
fn credit_decisions() {
    let f = created(policy_opts(
        &["deep-analysis", "fix-code"],
        &["openai", "anthropic"],
    ));
    let kr = &f.kr;
    // No key: the platform pays.
    assert!(!kr.borrow().is_byok("openai"));
    assert!(kr.borrow().should_deduct_credits("openai", None));
    assert_eq!(kr.borrow().source("openai"), Source::Platform);
    assert_eq!(kr.borrow().source("groq"), Source::None);
    // A key: the user pays, except for platform-only features.
    kr.borrow_mut()
        .set("openai", &key("openai"), SetOptions::default())
        .unwrap();
    assert!(kr.borrow().is_byok("openai"));
    assert!(!kr.borrow().should_deduct_credits("openai", None));
    assert!(!kr.borrow().should_deduct_credits("openai", Some("chat")));
    assert!(kr
        .borrow()
        .should_deduct_credits("openai", Some("deep-analysis")));
    assert!(kr.borrow().should_deduct_credits("anthropic", None));
    assert!(!kr.borrow().is_byok("nope"));
    assert_eq!(kr.borrow().source("openai"), Source::User);
    // Disabled.
    assert!(kr.borrow_mut().set_enabled("openai", false).unwrap());
    assert!(!kr.borrow().is_byok("openai"));
    assert!(kr.borrow().should_deduct_credits("openai", None));
    assert_eq!(kr.borrow().source("openai"), Source::Platform);
    assert!(kr.borrow_mut().set_enabled("openai", true).unwrap());
    assert!(!kr.borrow_mut().set_enabled("groq", true).unwrap());
    // Locked: the key exists but cannot be used.
    kr.borrow_mut().lock();
    assert!(!kr.borrow().is_byok("openai"));
    assert!(kr.borrow().should_deduct_credits("openai", None));
    assert_eq!(kr.borrow().source("openai"), Source::User);
    unlock(&f, PASS).unwrap();
    // Removed.
    assert!(kr.borrow_mut().remove("openai").unwrap());
    assert!(!kr.borrow_mut().remove("openai").unwrap());
    assert!(!kr.borrow().is_byok("openai"));
    // Expired.
    kr.borrow_mut()
        .set(
            "anthropic",
            &key("anthropic"),
            SetOptions {
                model: None,
                expires_in_ms: Some(1000),
                base_url: None,
            },
        )
        .unwrap();
    assert!(kr.borrow().is_byok("anthropic"));
    f.now.set(f.now.get() + 1000);
    assert!(!kr.borrow().is_byok("anthropic"));
    assert!(kr.borrow().should_deduct_credits("anthropic", None));
    assert!(kr.borrow().list().unwrap()[0].expired);
    assert!(kr.borrow_mut().get("anthropic").unwrap().is_none());
}

fn policy_opts(only: &[&str], providers: &[&str]) -> Options {
    let mut o = opts("a");
    o.policy.platform_only = only.iter().map(|s| s.to_string()).collect();
    o.policy.platform_providers = providers.iter().map(|s| s.to_string()).collect();
    o
}

/// Features that are not exactly a configured one (`deep-analysis`,
/// `fix-code`): prefixes down to the empty string, extensions, case and
/// whitespace variants, pieces.
const NEAR_MISSES: [&str; 16] = [
    "",
    "d",
    "deep",
    "deep-",
    "deep-analysi",
    "deep-analysis-v2",
    "deep-analysiss",
    "deep-analysis ",
    " deep-analysis",
    "Deep-Analysis",
    "DEEP-ANALYSIS",
    "deep_analysis",
    "analysis",
    "fix",
    "fix-code-review",
    "FIX-CODE",
];

#[test]
fn platform_only_features_match_exactly_in_the_credit_decision() {
    let f = created(policy_opts(&["deep-analysis", "fix-code"], &["openai"]));
    let kr = &f.kr;
    kr.borrow_mut()
        .set("openai", &key("openai"), SetOptions::default())
        .unwrap();
    assert!(kr.borrow().is_byok("openai"));
    for feature in ["deep-analysis", "fix-code"] {
        assert!(
            kr.borrow().should_deduct_credits("openai", Some(feature)),
            "{feature:?} is platform-only"
        );
    }
    assert!(!kr.borrow().should_deduct_credits("openai", None));
    for feature in NEAR_MISSES {
        assert!(
            !kr.borrow().should_deduct_credits("openai", Some(feature)),
            "{feature:?} is not configured, yet a call on the user's key is charged"
        );
        // Without a user key the platform pays whatever the feature.
        assert!(kr.borrow().should_deduct_credits("groq", Some(feature)));
    }
    // The configured list itself only holds non-empty names.
    let err = Keyring::new(
        policy_opts(&["deep-analysis", ""], &[]),
        Box::new(MemoryStorage::new()),
        Box::new(|| 0),
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument);
}

#[test]
fn platform_only_features_match_exactly_in_usage_counts() {
    let f = created(policy_opts(&["deep-analysis", "fix-code"], &["openai"]));
    f.kr.borrow_mut()
        .set("openai", &key("openai"), SetOptions::default())
        .unwrap();
    for feature in NEAR_MISSES {
        f.kr.borrow_mut()
            .record_usage("openai", Some(feature))
            .unwrap();
    }
    f.kr.borrow_mut().record_usage("openai", None).unwrap();
    assert_eq!(
        *f.kr.borrow().usage().get("openai").unwrap(),
        byok_keyring::Usage {
            byok: NEAR_MISSES.len() as u64 + 1,
            platform: 0
        },
        "a feature that is not exactly configured was counted as a platform call"
    );
    for feature in ["deep-analysis", "fix-code"] {
        f.kr.borrow_mut()
            .record_usage("openai", Some(feature))
            .unwrap();
    }
    assert_eq!(
        *f.kr.borrow().usage().get("openai").unwrap(),
        byok_keyring::Usage {
            byok: NEAR_MISSES.len() as u64 + 1,
            platform: 2
        }
    );
}

#[test]
fn usage_counts_byok_and_platform_calls() {
    let f = created(policy_opts(&["deep-analysis"], &["openai"]));
    f.kr.borrow_mut().record_usage("openai", None).unwrap();
    f.kr.borrow_mut()
        .set("openai", &key("openai"), SetOptions::default())
        .unwrap();
    f.kr.borrow_mut().record_usage("openai", None).unwrap();
    f.kr.borrow_mut()
        .record_usage("openai", Some("chat"))
        .unwrap();
    f.kr.borrow_mut()
        .record_usage("openai", Some("deep-analysis"))
        .unwrap();
    let usage = f.kr.borrow().usage().clone();
    assert_eq!(
        *usage.get("openai").unwrap(),
        byok_keyring::Usage {
            byok: 2,
            platform: 2
        }
    );
    assert_eq!(
        f.kr.borrow_mut()
            .record_usage("nope", None)
            .unwrap_err()
            .code(),
        ErrorCode::UnknownProvider
    );
}

#[test]
fn auto_lock_after_idle_time() {
    let f = created(Options {
        auto_lock_ms: Some(60_000),
        ..opts("a")
    });
    f.kr.borrow_mut()
        .set("groq", &key("groq"), SetOptions::default())
        .unwrap();
    f.now.set(f.now.get() + 59_999);
    assert!(f.kr.borrow().is_byok("groq"));
    assert!(f.kr.borrow_mut().get("groq").unwrap().is_some()); // use resets the timer
    f.now.set(f.now.get() + 59_999);
    assert_eq!(f.kr.borrow().state(), State::Unlocked);
    f.now.set(f.now.get() + 1);
    assert_eq!(f.kr.borrow().state(), State::Locked);
    assert!(!f.kr.borrow().is_byok("groq"));
    assert_eq!(
        f.kr.borrow_mut().get("groq").unwrap_err().code(),
        ErrorCode::Locked
    );
    assert!(f
        .kr
        .borrow_mut()
        .take_events()
        .iter()
        .any(|e| e.kind == ChangeKind::Locked));
}

#[test]
fn change_passphrase_reencrypts_in_one_write() {
    let f = created(opts("a"));
    let k = key("xai");
    f.kr.borrow_mut()
        .set("xai", &k, SetOptions::default())
        .unwrap();
    let before = f.storage.dump();
    let err = pollster::block_on(flows::change_passphrase(
        &f.kr,
        &RustKdf,
        &"wrong one!".into(),
        &"new passphrase".into(),
    ))
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::WrongPassphrase);
    assert_eq!(f.storage.dump(), before);
    let err = pollster::block_on(flows::change_passphrase(
        &f.kr,
        &RustKdf,
        &PASS.into(),
        &"short".into(),
    ))
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::WeakPassphrase);
    pollster::block_on(flows::change_passphrase(
        &f.kr,
        &RustKdf,
        &PASS.into(),
        &"new passphrase".into(),
    ))
    .unwrap();
    assert_ne!(f.storage.dump(), before);
    let g = keyring_on(&f.storage, opts("a"));
    assert_eq!(
        unlock(&g, PASS).unwrap_err().code(),
        ErrorCode::WrongPassphrase
    );
    unlock(&g, "new passphrase").unwrap();
    assert_eq!(g.kr.borrow_mut().get("xai").unwrap().unwrap().expose(), k);
}

#[test]
fn unlock_upgrades_a_vault_with_fewer_iterations() {
    let f = created(opts("a"));
    let k = key("gemini");
    f.kr.borrow_mut()
        .set("gemini", &k, SetOptions::default())
        .unwrap();
    let stronger = keyring_on(
        &f.storage,
        Options {
            iterations: 150_000,
            ..opts("a")
        },
    );
    unlock(&stronger, PASS).unwrap();
    let vault = Vault::parse(&f.storage.dump()[0].1).unwrap();
    assert_eq!(vault.passphrase_kdf().unwrap().iterations, 150_000);
    assert_eq!(
        stronger
            .kr
            .borrow_mut()
            .get("gemini")
            .unwrap()
            .unwrap()
            .expose(),
        k
    );
    let again = keyring_on(&f.storage, opts("a"));
    unlock(&again, PASS).unwrap();
    assert_eq!(
        again
            .kr
            .borrow_mut()
            .get("gemini")
            .unwrap()
            .unwrap()
            .expose(),
        k
    );
    // A weaker configuration never downgrades.
    assert_eq!(
        Vault::parse(&f.storage.dump()[0].1)
            .unwrap()
            .passphrase_kdf()
            .unwrap()
            .iterations,
        150_000
    );
}

/// A stand-in for PBKDF2 where only what reaches storage is under test: a
/// hash of (iterations, salt, passphrase), so a vault "upgraded" to ten times
/// the iterations costs nothing to derive. Vaults made with it open only with
/// it.
struct CheapKdf;

impl byok_keyring::kdf::Kdf for CheapKdf {
    fn backend(&self) -> &'static str {
        "cheap"
    }
    fn derive<'a>(
        &'a self,
        passphrase: &'a byok_keyring::Passphrase,
        params: &'a format::KdfParams,
    ) -> byok_keyring::kdf::DeriveFuture<'a> {
        use sha2::Digest;
        let mut h = sha2::Sha256::new();
        h.update(params.iterations.to_be_bytes());
        h.update(params.salt);
        h.update(passphrase.as_bytes());
        let key = byok_keyring::crypto::DerivedKey::from_bytes(h.finalize().into());
        Box::pin(std::future::ready(Ok(key)))
    }
}

/// A copy of `from` whose quota is exactly what it holds: any write that
/// makes the total one byte larger is refused.
fn exactly_full(from: &MemoryStorage) -> MemoryStorage {
    use byok_keyring::Storage;
    let items = from.dump();
    let total = items.iter().map(|(k, v)| k.len() + v.len()).sum();
    let full = MemoryStorage::with_quota(total);
    for (k, v) in &items {
        full.write(k, v).unwrap();
    }
    assert_eq!(full.dump(), items);
    full
}

/// Runs `op`, which must be refused with `storage_full`, and checks that it
/// changed nothing: storage byte-for-byte as it was right before (alice's
/// Groq key, bob's vault), the same `list()`, the Groq key still usable, no
/// change event.
fn assert_refused_as_full<T: std::fmt::Debug>(
    f: &Fixture,
    groq: &str,
    what: &str,
    op: impl FnOnce() -> byok_keyring::Result<T>,
) {
    let before = f.storage.dump();
    let list_before = f.kr.borrow().list().unwrap();
    f.kr.borrow_mut().take_events();
    let err = op().expect_err(what);
    assert_eq!(err.code(), ErrorCode::StorageFull, "{what}: {err:?}");
    assert_eq!(f.storage.dump(), before, "{what}: storage changed");
    assert_eq!(f.kr.borrow().list().unwrap(), list_before, "{what}: list()");
    assert!(f.kr.borrow().is_byok("groq"), "{what}");
    assert_eq!(
        f.kr.borrow_mut().get("groq").unwrap().unwrap().expose(),
        groq,
        "{what}"
    );
    assert_eq!(f.kr.borrow_mut().take_events(), [], "{what}: events");
}

#[test]
fn storage_full_changes_nothing() {
    use byok_keyring::Storage;
    let pass = || byok_keyring::Passphrase::from(PASS);
    let roomy = MemoryStorage::new();
    // bob's vault shares the storage; alice has a Groq key.
    let bob = keyring_on(&roomy, opts("bob"));
    pollster::block_on(flows::create(&bob.kr, &CheapKdf, &pass())).unwrap();
    bob.kr
        .borrow_mut()
        .set("openai", &key_seeded("openai", 7), SetOptions::default())
        .unwrap();
    let alice = keyring_on(&roomy, opts("alice"));
    pollster::block_on(flows::create(&alice.kr, &CheapKdf, &pass())).unwrap();
    let groq = key("groq");
    alice
        .kr
        .borrow_mut()
        .set("groq", &groq, SetOptions::default())
        .unwrap();
    let storage = exactly_full(&roomy);
    let f = keyring_on(&storage, opts("alice"));
    pollster::block_on(flows::unlock(&f.kr, &CheapKdf, &pass())).unwrap();
    assert_eq!(storage.dump(), roomy.dump(), "an unlock wrote");
    let refused = |what: &str, op: &dyn Fn() -> byok_keyring::Result<String>| {
        assert_refused_as_full(&f, &groq, what, op)
    };
    let set =
        |p: &str, k: &str, o: SetOptions| f.kr.borrow_mut().set(p, k, o).map(|i| format!("{i:?}"));
    refused("a new key", &|| {
        set("anthropic", &key("anthropic"), SetOptions::default())
    });
    refused("a second new key", &|| {
        set("openai", &key("openai"), SetOptions::default())
    });
    refused("the Groq key replaced, with a model", &|| {
        let o = SetOptions {
            model: Some("llama-3.3-70b-versatile".into()),
            expires_in_ms: None,
            base_url: None,
        };
        set("groq", &key_seeded("groq", 2), o)
    });
    refused("the Groq key given an expiry", &|| {
        let o = SetOptions {
            model: None,
            expires_in_ms: Some(60_000),
            base_url: None,
        };
        set("groq", &groq, o)
    });
    refused(
        "the Groq key disabled (\"enabled\":false is a byte longer)",
        &|| {
            f.kr.borrow_mut()
                .set_enabled("groq", false)
                .map(|b| b.to_string())
        },
    );
    let plain = MemoryStorage::new();
    plain.write("anthropic_key", &key("anthropic")).unwrap();
    let plain_before = plain.dump();
    refused("a plaintext key imported", &|| {
        f.kr.borrow_mut()
            .import_plaintext("anthropic", &plain, "anthropic_key")
            .map(|i| format!("{i:?}"))
    });
    assert_eq!(plain.dump(), plain_before, "the plaintext copy was removed");

    // A keyring asking for ten times the iterations: the upgrade on unlock
    // (one byte longer) is refused; the unlock itself succeeds.
    let stronger = keyring_on(
        &storage,
        Options {
            iterations: 1_000_000,
            ..opts("alice")
        },
    );
    let before = storage.dump();
    pollster::block_on(flows::unlock(&stronger.kr, &CheapKdf, &pass())).unwrap();
    assert_eq!(storage.dump(), before, "a refused upgrade changed storage");
    assert_eq!(stronger.kr.borrow().state(), State::Unlocked);
    assert_eq!(
        stronger
            .kr
            .borrow_mut()
            .get("groq")
            .unwrap()
            .unwrap()
            .expose(),
        groq
    );
    // Changing the passphrase re-encrypts at the configured count: refused too.
    assert_refused_as_full(&stronger, &groq, "a passphrase change", || {
        pollster::block_on(flows::change_passphrase(
            &stronger.kr,
            &CheapKdf,
            &pass(),
            &"another passphrase".into(),
        ))
    });
    // The old passphrase still opens everything, the new one does not.
    let reloaded = keyring_on(&storage, opts("alice"));
    assert_eq!(
        pollster::block_on(flows::unlock(
            &reloaded.kr,
            &CheapKdf,
            &"another passphrase".into()
        ))
        .unwrap_err()
        .code(),
        ErrorCode::WrongPassphrase
    );
    pollster::block_on(flows::unlock(&reloaded.kr, &CheapKdf, &pass())).unwrap();
    assert_eq!(
        reloaded
            .kr
            .borrow_mut()
            .get("groq")
            .unwrap()
            .unwrap()
            .expose(),
        groq
    );
    assert_eq!(
        storage.dump(),
        roomy.dump(),
        "storage differs from the start"
    );
}

#[test]
fn two_keyrings_on_one_storage_do_not_lose_updates() {
    // Like two tabs: each re-reads before writing, so both keys survive.
    let (a, b) = two_tabs();
    a.kr.borrow_mut()
        .set("openai", &key("openai"), SetOptions::default())
        .unwrap();
    b.kr.borrow_mut()
        .set("groq", &key("groq"), SetOptions::default())
        .unwrap();
    a.kr.borrow_mut().reload().unwrap();
    let ids = |f: &Fixture| {
        f.kr.borrow()
            .list()
            .unwrap()
            .iter()
            .map(|i| i.provider)
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&a), ["groq", "openai"]);
    assert_eq!(ids(&b), ["groq", "openai"]);
}

#[test]
fn events_are_reported_without_secrets() {
    let f = created(opts("a"));
    let (openai, groq) = (key("openai"), key("groq"));
    f.kr.borrow_mut()
        .set("openai", &openai, SetOptions::default())
        .unwrap();
    f.kr.borrow_mut()
        .set("groq", &groq, SetOptions::default())
        .unwrap();
    f.kr.borrow_mut().set_enabled("openai", false).unwrap();
    f.kr.borrow_mut().remove("openai").unwrap();
    f.kr.borrow_mut().lock();
    unlock(&f, PASS).unwrap();
    pollster::block_on(flows::change_passphrase(
        &f.kr,
        &RustKdf,
        &PASS.into(),
        &"another passphrase".into(),
    ))
    .unwrap();
    f.kr.borrow_mut().lock();
    f.kr.borrow_mut().reset().unwrap();
    let events = f.kr.borrow_mut().take_events();
    use ChangeKind::*;
    let event = |kind, provider| byok_keyring::ChangeEvent { kind, provider };
    assert_eq!(
        events,
        [
            event(Created, None),
            event(Set, Some("openai")),
            event(Set, Some("groq")),
            event(Enabled, Some("openai")),
            event(Removed, Some("openai")),
            event(Locked, None),
            event(Unlocked, None),
            event(Rekeyed, None),
            event(Locked, None),
            event(Reset, None),
        ]
    );
    // What onChange receives (the JSON form) and what a log would print.
    let json = serde_json::to_string(&events).unwrap();
    assert_eq!(
        json,
        concat!(
            r#"[{"type":"created"},{"type":"set","provider":"openai"},"#,
            r#"{"type":"set","provider":"groq"},{"type":"enabled","provider":"openai"},"#,
            r#"{"type":"removed","provider":"openai"},{"type":"locked"},{"type":"unlocked"},"#,
            r#"{"type":"rekeyed"},{"type":"locked"},{"type":"reset"}]"#
        )
    );
    let debug = format!("{events:?}");
    assert!(
        debug.contains(r#"kind: Set, provider: Some("groq")"#),
        "{debug}"
    );
    for text in [&json, &debug] {
        for secret in [openai.as_str(), groq.as_str(), PASS, "another passphrase"] {
            assert_no_window(text, secret, "change events");
        }
    }
    assert!(f.kr.borrow_mut().take_events().is_empty(), "taken twice");
}

#[test]
fn no_secret_in_any_error_debug_or_list() {
    let mut seen = String::new();
    let pass = "q7#Zx!vB2 wombat Lp0-Kr";
    let keys: Vec<String> = provider_ids().iter().map(|p| key(p)).collect();
    let f = keyring_on(&MemoryStorage::new(), opts("a"));
    let mut note = |r: String| seen.push_str(&r);
    note(format!(
        "{:?}",
        pollster::block_on(flows::create(&f.kr, &RustKdf, &pass.into()))
    ));
    for (p, k) in provider_ids().iter().zip(&keys) {
        note(format!(
            "{:?}",
            f.kr.borrow_mut().set(p, k, SetOptions::default())
        ));
        note(format!(
            "{:?}",
            f.kr.borrow_mut()
                .set("openai", &format!("{k} x"), SetOptions::default())
        ));
        note(format!("{:?}", f.kr.borrow_mut().get(p)));
        if let Ok(Some(k)) = f.kr.borrow_mut().get(p) {
            note(format!("{k:?}"));
        }
    }
    note(format!("{:?}", f.kr.borrow().list()));
    note(serde_json::to_string(&f.kr.borrow().list().unwrap()).unwrap());
    note(format!("{:?}", f.kr.borrow()));
    note(format!("{:?}", f.kr.borrow_mut().take_events()));
    f.kr.borrow_mut().lock();
    note(format!("{:?}", unlock(&f, "q7#Zx!vB2 wombat Lp0-KX")));
    note(format!("{:?}", f.kr.borrow_mut().get("openai")));
    note(format!(
        "{:?}",
        pollster::block_on(flows::change_passphrase(
            &f.kr,
            &RustKdf,
            &pass.into(),
            &"x".into()
        ))
    ));
    note(format!("{:?}", byok_keyring::Passphrase::from(pass)));
    assert!(seen.len() > 1000);
    assert_no_window(&seen, pass, "output");
    for k in &keys {
        assert_no_window(&seen, k, "output");
    }
    // and nothing of the passphrase, or a key window, in storage
    let f_dump = format!("{:?}", f.kr.borrow().list());
    assert_no_window(&f_dump, pass, "list");
}

#[test]
fn a_key_in_the_provider_position_is_never_echoed() {
    let f = created(opts("a"));
    let mut seen = String::new();
    for p in provider_ids() {
        let k = key(p);
        // Arguments swapped: the key where the provider id goes.
        let v = validate(&k, p);
        assert_eq!(v.code, ValidationCode::UnknownProvider);
        assert_eq!(v.provider, "(not shown)");
        seen.push_str(&format!("{v:?}{}", v.message));
        let mut kr = f.kr.borrow_mut();
        let errors = [
            kr.set(&k, p, SetOptions::default()).unwrap_err(),
            kr.get(&k).unwrap_err(),
            kr.remove(&k).unwrap_err(),
            kr.set_enabled(&k, true).unwrap_err(),
        ];
        drop(kr);
        for e in errors {
            assert_eq!(e.code(), ErrorCode::UnknownProvider);
            seen.push_str(&format!("{e:?}{e}"));
        }
        assert_no_window(&seen, &k, "messages");
    }
    // An id that looks like one is still named, so a typo is easy to see.
    assert!(validate("opneai", "x").message.contains("\"opneai\""));
    assert_eq!(validate("opneai", "x").provider, "opneai");
}

#[test]
fn raw_storage_never_holds_plaintext() {
    let f = created(opts("a"));
    let keys: Vec<String> = provider_ids().iter().map(|p| key(p)).collect();
    for (p, k) in provider_ids().iter().zip(&keys) {
        f.kr.borrow_mut().set(p, k, SetOptions::default()).unwrap();
    }
    let dump = format!("{:?}", f.storage.dump());
    for k in &keys {
        assert_no_window(&dump, k, "storage");
    }
    assert_no_window(&dump, PASS, "storage");
    // The stored ciphertext does not reveal a key's exact length.
    let vault = Vault::parse(&f.storage.dump()[0].1).unwrap();
    assert!(vault
        .records
        .values()
        .all(|r| (r.sealed.ciphertext.len() - 16) % format::PAD_TO == 0));
}

#[test]
fn repeated_wrong_passphrases_slow_down_and_a_right_one_resets() {
    let f = created(opts("a"));
    f.kr.borrow_mut().lock();
    for i in 1..=4 {
        let e = unlock(&f, "wrong wrong").unwrap_err();
        assert_eq!(e.code(), ErrorCode::WrongPassphrase);
        assert_eq!(e.retry_after_ms(), None, "attempt {i}");
    }
    let mut expected = [1_000u64, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000].into_iter();
    let e = unlock(&f, "wrong wrong").unwrap_err();
    assert_eq!(e.retry_after_ms(), expected.next());
    // An attempt during the delay is refused without checking, even the right one.
    let refused = unlock(&f, PASS).unwrap_err();
    assert_eq!(refused.code(), ErrorCode::WrongPassphrase);
    assert_eq!(refused.retry_after_ms(), Some(1_000));
    assert!(
        refused.message().contains("Try again in 1 s"),
        "{}",
        refused.message()
    );
    for want in expected {
        f.now.set(f.now.get() + 30_000);
        let e = unlock(&f, "wrong wrong").unwrap_err();
        assert_eq!(e.retry_after_ms(), Some(want));
    }
    f.now.set(f.now.get() + 30_000);
    unlock(&f, PASS).unwrap();
    f.kr.borrow_mut().lock();
    let e = unlock(&f, "wrong wrong").unwrap_err();
    assert_eq!(
        e.retry_after_ms(),
        None,
        "a right passphrase resets the count"
    );
}

#[test]
fn import_plaintext_removes_the_plain_copy_only_after_the_encrypted_write() {
    use byok_keyring::Storage;
    let f = created(opts("a"));
    let plain = MemoryStorage::new();
    let k = key("openai");
    plain.write("openai_api_key", &format!("\"{k}\"")).unwrap(); // JSON.stringify'd
    let info =
        f.kr.borrow_mut()
            .import_plaintext("openai", &plain, "openai_api_key")
            .unwrap();
    assert_eq!(info.masked, mask(&k));
    assert!(plain.dump().is_empty());
    assert_eq!(
        f.kr.borrow_mut().get("openai").unwrap().unwrap().expose(),
        k
    );
    // An invalid key, a locked keyring or a full storage leaves the plaintext where it was.
    plain.write("bad", &key("anthropic")).unwrap();
    assert_eq!(
        f.kr.borrow_mut()
            .import_plaintext("openai", &plain, "bad")
            .unwrap_err()
            .code(),
        ErrorCode::InvalidKey
    );
    f.kr.borrow_mut().lock();
    plain.write("groq", &key("groq")).unwrap();
    assert_eq!(
        f.kr.borrow_mut()
            .import_plaintext("groq", &plain, "groq")
            .unwrap_err()
            .code(),
        ErrorCode::Locked
    );
    assert_eq!(plain.dump().len(), 2);
    assert_eq!(
        f.kr.borrow_mut()
            .import_plaintext("groq", &plain, "missing")
            .unwrap_err()
            .code(),
        ErrorCode::InvalidArgument
    );
    // Room for an empty vault, not for one with a key.
    let tiny = MemoryStorage::with_quota(600);
    let g = keyring_on(&tiny, opts("b"));
    pollster::block_on(flows::create(&g.kr, &RustKdf, &PASS.into())).unwrap();
    let err =
        g.kr.borrow_mut()
            .import_plaintext("groq", &plain, "groq")
            .unwrap_err();
    assert_eq!(err.code(), ErrorCode::StorageFull);
    assert_eq!(plain.read("groq").unwrap(), Some(key("groq")));
}

#[test]
fn export_and_import_move_the_encrypted_vault() {
    let f = created(opts("alice"));
    let k = key("gemini");
    f.kr.borrow_mut()
        .set("gemini", &k, SetOptions::default())
        .unwrap();
    let export = f.kr.borrow_mut().export_vault().unwrap();
    assert_no_window(&export, &k, "export");
    assert_no_window(&export, PASS, "export");
    assert_eq!(Keyring::export_namespace(&export).as_deref(), Some("alice"));
    // another browser
    let other = keyring_on(&MemoryStorage::new(), opts("alice"));
    other.kr.borrow_mut().import_vault(&export).unwrap();
    assert_eq!(other.kr.borrow().state(), State::Locked);
    assert_eq!(other.kr.borrow().list().unwrap().len(), 1);
    unlock(&other, PASS).unwrap();
    assert_eq!(
        other
            .kr
            .borrow_mut()
            .get("gemini")
            .unwrap()
            .unwrap()
            .expose(),
        k
    );
    // not over an existing vault, not into another namespace, not garbage
    assert_eq!(
        other
            .kr
            .borrow_mut()
            .import_vault(&export)
            .unwrap_err()
            .code(),
        ErrorCode::AlreadyExists
    );
    let bob = keyring_on(&MemoryStorage::new(), opts("bob"));
    assert_eq!(
        bob.kr
            .borrow_mut()
            .import_vault(&export)
            .unwrap_err()
            .code(),
        ErrorCode::InvalidArgument
    );
    assert_eq!(
        bob.kr.borrow_mut().import_vault("{}").unwrap_err().code(),
        ErrorCode::InvalidArgument
    );
    // (the vault is a JSON string inside the export, so its quotes are escaped)
    let tampered = export.replace(r#"\"iterations\":100000"#, r#"\"iterations\":5"#);
    assert_ne!(tampered, export);
    let carol = keyring_on(&MemoryStorage::new(), opts("alice"));
    assert_eq!(
        carol
            .kr
            .borrow_mut()
            .import_vault(&tampered)
            .unwrap_err()
            .code(),
        ErrorCode::Corrupt
    );
    assert!(carol.storage.dump().is_empty());
}

#[test]
fn simultaneous_writes_in_two_tabs_converge_through_reconcile() {
    // Both tabs read the same vault, then write without seeing each other's
    // change (as Chromium hands localStorage between tabs asynchronously).
    let (a, b) = two_tabs();
    let base = a.storage.dump()[0].1.clone();
    a.kr.borrow_mut()
        .set("openai", &key("openai"), SetOptions::default())
        .unwrap();
    let after_a = a.storage.dump()[0].1.clone();
    lose_writes(&a, &base); // B has not seen A's write yet
    b.kr.borrow_mut()
        .set("groq", &key("groq"), SetOptions::default())
        .unwrap();
    let _ = after_a;
    // A's write is lost in storage; A's storage event arrives:
    assert!(a.kr.borrow_mut().reload().unwrap());
    assert!(
        a.kr.borrow_mut().reconcile().unwrap(),
        "A re-applies its lost write"
    );
    b.kr.borrow_mut().reload().unwrap();
    assert!(
        !b.kr.borrow_mut().reconcile().unwrap(),
        "B's write is there: nothing to do"
    );
    let ids = |f: &Fixture| {
        f.kr.borrow()
            .list()
            .unwrap()
            .iter()
            .map(|i| i.provider)
            .collect::<Vec<_>>()
    };
    assert_eq!(ids(&a), ["groq", "openai"]);
    assert_eq!(ids(&b), ["groq", "openai"]);
    assert_eq!(
        b.kr.borrow_mut().get("openai").unwrap().unwrap().expose(),
        key("openai")
    );
    // A removal made later elsewhere is not undone once the window has passed.
    a.now.set(a.now.get() + 2_000);
    b.kr.borrow_mut().remove("openai").unwrap();
    a.kr.borrow_mut().reload().unwrap();
    assert!(!a.kr.borrow_mut().reconcile().unwrap());
    assert_eq!(ids(&a), ["groq"]);
}

#[test]
fn of_two_simultaneous_writes_of_one_provider_the_later_wins_in_both_tabs() {
    // Tab A writes after tab B (by each tab's clock), but B's write, made
    // without seeing A's, is what storage kept. Then each tab's storage
    // event arrives: both must end on the later key, whichever tab wrote it.
    for a_is_later in [true, false] {
        let (a, b) = two_tabs();
        let (key_a, key_b) = (key_seeded("openai", 1), key_seeded("openai", 2));
        let base = a.storage.dump()[0].1.clone();
        let t = a.now.get();
        a.now.set(if a_is_later { t + 5 } else { t - 5 });
        a.kr.borrow_mut()
            .set("openai", &key_a, SetOptions::default())
            .unwrap();
        lose_writes(&a, &base); // B has not seen A's write
        b.now.set(t);
        b.kr.borrow_mut()
            .set("openai", &key_b, SetOptions::default())
            .unwrap();
        a.kr.borrow_mut().reload().unwrap();
        assert_eq!(
            a.kr.borrow_mut().reconcile().unwrap(),
            a_is_later,
            "A re-applies its write only when it is the later one (A later: {a_is_later})"
        );
        b.kr.borrow_mut().reload().unwrap();
        assert!(
            !b.kr.borrow_mut().reconcile().unwrap(),
            "B has nothing to re-apply (A later: {a_is_later})"
        );
        let later = if a_is_later { &key_a } else { &key_b };
        for (tab, f) in [("A", &a), ("B", &b)] {
            assert_eq!(
                f.kr.borrow_mut().get("openai").unwrap().unwrap().expose(),
                later.as_str(),
                "tab {tab} (A later: {a_is_later})"
            );
        }
    }
}

#[test]
fn a_removal_and_a_write_of_one_provider_at_the_same_moment_in_two_tabs_end_removed() {
    // Tab A writes a key and tab B removes it at the same millisecond, each
    // without seeing the other; whichever change storage kept, once both
    // tabs' storage events have arrived the removal has won in both.
    for storage_kept_the_write in [false, true] {
        let (a, b) = two_tabs();
        a.kr.borrow_mut()
            .set("openai", &key_seeded("openai", 1), SetOptions::default())
            .unwrap();
        b.kr.borrow_mut().reload().unwrap();
        let base = a.storage.dump()[0].1.clone();
        let t = a.now.get() + 1_000;
        a.now.set(t);
        b.now.set(t);
        let write = || {
            a.kr.borrow_mut()
                .set("openai", &key_seeded("openai", 2), SetOptions::default())
                .unwrap();
        };
        let remove = || assert!(b.kr.borrow_mut().remove("openai").unwrap());
        if storage_kept_the_write {
            remove();
            lose_writes(&a, &base); // A has not seen it
            write();
        } else {
            write();
            lose_writes(&a, &base); // B has not seen it
            remove();
        }
        // Which tab writes again: only B, to re-apply a removal storage lost.
        let wrote: Vec<bool> = [&a, &b, &a, &b]
            .iter()
            .map(|f| {
                f.kr.borrow_mut().reload().unwrap();
                f.kr.borrow_mut().reconcile().unwrap()
            })
            .collect();
        assert_eq!(wrote, [false, storage_kept_the_write, false, false]);
        for (tab, f) in [("A", &a), ("B", &b)] {
            assert!(
                f.kr.borrow_mut().get("openai").unwrap().is_none(),
                "tab {tab} (storage kept the write: {storage_kept_the_write})"
            );
            assert!(!f.kr.borrow().is_byok("openai"));
        }
    }
}

#[test]
fn a_key_set_after_a_removal_stamped_ahead_of_this_tabs_clock_is_kept() {
    // Another tab, whose clock runs 10 s ahead, removed the key; this tab
    // then stores a new one. Its write must count as later than that
    // removal, or the new key would be hidden as soon as it is stored.
    let (a, b) = two_tabs();
    a.kr.borrow_mut()
        .set("openai", &key_seeded("openai", 1), SetOptions::default())
        .unwrap();
    b.kr.borrow_mut().reload().unwrap();
    b.now.set(a.now.get() + 10_000);
    assert!(b.kr.borrow_mut().remove("openai").unwrap());
    a.kr.borrow_mut().reload().unwrap();
    let fresh = key_seeded("openai", 2);
    a.kr.borrow_mut()
        .set("openai", &fresh, SetOptions::default())
        .unwrap();
    // B's storage event: B re-applies its own recent removal only if it
    // is later than the write.
    b.kr.borrow_mut().on_external_change().unwrap();
    a.kr.borrow_mut().on_external_change().unwrap();
    for (tab, f) in [("A", &a), ("B", &b)] {
        assert_eq!(
            f.kr.borrow_mut()
                .get("openai")
                .unwrap()
                .map(|k| k.expose().to_string()),
            Some(fresh.clone()),
            "tab {tab}"
        );
    }
}

#[test]
fn an_enable_that_storage_lost_is_written_again_as_an_enable() {
    let (a, b) = two_tabs();
    a.kr.borrow_mut()
        .set("openai", &key("openai"), SetOptions::default())
        .unwrap();
    a.kr.borrow_mut().set_enabled("openai", false).unwrap();
    let base = a.storage.dump()[0].1.clone();
    a.now.set(a.now.get() + 1_000);
    a.kr.borrow_mut().set_enabled("openai", true).unwrap();
    lose_writes(&a, &base); // another tab's write won
    assert!(a.kr.borrow_mut().on_external_change().unwrap());
    b.kr.borrow_mut().reload().unwrap();
    for (tab, f) in [("A", &a), ("B", &b)] {
        assert!(f.kr.borrow().is_byok("openai"), "tab {tab}");
    }
}

#[test]
fn every_provider_written_in_the_window_is_written_again_when_storage_lost_it() {
    let a = created(opts("a"));
    let base = a.storage.dump()[0].1.clone();
    for p in ["openai", "groq", "anthropic"] {
        a.kr.borrow_mut()
            .set(p, &key(p), SetOptions::default())
            .unwrap();
    }
    a.kr.borrow_mut().remove("groq").unwrap();
    lose_writes(&a, &base); // another tab's write won
    assert!(a.kr.borrow_mut().on_external_change().unwrap());
    let b = keyring_on(&a.storage, opts("a"));
    unlock(&b, PASS).unwrap();
    for (p, kept) in [("openai", true), ("groq", false), ("anthropic", true)] {
        assert_eq!(b.kr.borrow().is_byok(p), kept, "{p}");
    }
}

#[test]
fn a_lost_write_is_written_again_only_within_the_reconcile_window() {
    use byok_keyring::limits::RECONCILE_WINDOW_MS;
    for (later, again) in [
        (RECONCILE_WINDOW_MS - 1, true),
        (RECONCILE_WINDOW_MS, false),
    ] {
        let a = created(opts("a"));
        let base = a.storage.dump()[0].1.clone();
        a.kr.borrow_mut()
            .set("openai", &key("openai"), SetOptions::default())
            .unwrap();
        lose_writes(&a, &base); // another tab's write won
        a.now.set(a.now.get() + later);
        assert!(a.kr.borrow_mut().on_external_change().unwrap());
        assert_eq!(a.kr.borrow().is_byok("openai"), again, "{later} ms later");
    }
}

#[test]
fn a_disable_made_while_locked_that_storage_lost_is_written_again() {
    let a = created(opts("a"));
    a.kr.borrow_mut()
        .set("openai", &key("openai"), SetOptions::default())
        .unwrap();
    a.kr.borrow_mut().lock();
    let base = a.storage.dump()[0].1.clone();
    a.now.set(a.now.get() + 10);
    a.kr.borrow_mut().set_enabled("openai", false).unwrap();
    lose_writes(&a, &base); // another tab's write won
    assert!(a.kr.borrow_mut().on_external_change().unwrap());
    let b = keyring_on(&a.storage, opts("a"));
    unlock(&b, PASS).unwrap();
    assert!(!b.kr.borrow().is_byok("openai"));
}

#[test]
fn an_export_of_another_format_or_a_corrupt_vault_is_refused_by_name() {
    let a = created(opts("a"));
    let export = a.kr.borrow_mut().export_vault().unwrap();
    let other = export.replace("byok-keyring-export/1", "byok-keyring-export/2");
    assert_ne!(other, export);
    let fresh = keyring_on(&MemoryStorage::new(), opts("a"));
    assert_eq!(
        fresh
            .kr
            .borrow_mut()
            .import_vault(&other)
            .unwrap_err()
            .code(),
        ErrorCode::InvalidArgument
    );
    fresh.kr.borrow_mut().import_vault(&export).unwrap();
    let corrupt = keyring_on(&MemoryStorage::new(), opts("a"));
    byok_keyring::Storage::write(&corrupt.storage, "byok-keyring:a", "{\"v\":2}").unwrap();
    assert_eq!(
        corrupt.kr.borrow_mut().export_vault().unwrap_err().code(),
        ErrorCode::Corrupt
    );
}

#[test]
fn another_tabs_change_is_reported_once_and_an_unchanged_item_not_at_all() {
    let (a, b) = two_tabs();
    a.kr.borrow_mut().take_events();
    assert!(
        !a.kr.borrow_mut().on_external_change().unwrap(),
        "nothing changed"
    );
    assert_eq!(a.kr.borrow_mut().take_events(), []);
    b.kr.borrow_mut()
        .set("groq", &key("groq"), SetOptions::default())
        .unwrap();
    assert!(a.kr.borrow_mut().on_external_change().unwrap());
    let kinds: Vec<_> =
        a.kr.borrow_mut()
            .take_events()
            .iter()
            .map(|e| e.kind)
            .collect();
    assert_eq!(kinds, [ChangeKind::External]);
    assert!(a.kr.borrow().is_byok("groq"));
    assert!(
        !a.kr.borrow_mut().on_external_change().unwrap(),
        "already read"
    );
}

#[test]
fn each_kind_of_character_inside_a_key_is_named() {
    let k = key("groq");
    let (head, tail) = k.split_at(10);
    for (inside, named) in [
        ("\t", "a tab"),
        ("\n", "a line break"),
        ("\r", "a line break"),
        (" ", "a space"),
        ("\u{a0}", "a space"),
        ("\"", "a quote"),
        ("\u{201C}", "a quote"),
        ("`", "a quote"),
        ("\u{7}", "an invisible control character"),
    ] {
        let v = validate("groq", &format!("{head}{inside}{tail}"));
        assert_eq!(v.code, ValidationCode::BadChars, "{inside:?}");
        assert!(
            v.message.contains(named),
            "{inside:?} should be called {named}: {}",
            v.message
        );
    }
}

#[test]
fn source_counts_a_key_only_until_it_expires_even_while_locked() {
    let mut o = opts("source-expiry");
    o.policy.platform_providers = vec!["groq".into()];
    let f = created(o);
    let expiring = SetOptions {
        expires_in_ms: Some(1_000),
        ..SetOptions::default()
    };
    f.kr.borrow_mut()
        .set("groq", &key("groq"), expiring)
        .unwrap();
    f.kr.borrow_mut().lock();
    let start = f.now.get();
    for (after, want) in [
        (0, Source::User),
        (999, Source::User),
        (1_000, Source::Platform),
        (5_000, Source::Platform),
    ] {
        f.now.set(start + after);
        assert_eq!(f.kr.borrow().source("groq"), want, "{after} ms after set");
    }
}

#[test]
fn a_time_beyond_what_the_vault_can_store_is_refused_and_nothing_is_written() {
    // Stored moments are whole numbers up to 2^53 - 1 (what a JS number
    // holds exactly); a clock beyond that must not replace the vault.
    let f = created(opts("clock"));
    let groq = key("groq");
    f.kr.borrow_mut()
        .set("groq", &groq, SetOptions::default())
        .unwrap();
    let before = f.storage.dump();
    f.now.set(1 << 53);
    let err =
        f.kr.borrow_mut()
            .set("openai", &key("openai"), SetOptions::default())
            .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidArgument, "{err:?}");
    assert!(err.message().contains("Nothing was changed"), "{err:?}");
    assert_eq!(f.storage.dump(), before, "the vault was rewritten");
    f.now.set(1_700_000_000_000);
    assert_eq!(
        f.kr.borrow_mut().get("groq").unwrap().unwrap().expose(),
        groq
    );
    assert!(f.kr.borrow_mut().get("openai").unwrap().is_none());
    f.kr.borrow_mut().lock();
    unlock(&f, PASS).unwrap();
    assert_eq!(
        f.kr.borrow_mut().get("groq").unwrap().unwrap().expose(),
        groq
    );
}
