//! Providers an app defines (a company gateway, a local Ollama, any
//! OpenAI-compatible endpoint): the definition is checked field by field;
//! keys are judged by the declared shape (or, with none, any non-empty key
//! without whitespace); the provider works in a keyring (set/get/isByok/
//! shouldDeductCredits, the decision snapshot), in `verify` and in
//! `authHeaders`; and a vault holding such a key survives a page that does
//! not know the provider.

mod common;

use byok_keyring::custom::define;
use byok_keyring::providers::{self, all_info, find};
use byok_keyring::verify::{
    auth_headers, check, Answer, Request, SendFuture, Transport, VerifyCode, VerifyOptions,
};
use byok_keyring::{
    flows, mask, validate, ErrorCode, Keyring, MemoryStorage, Options, ProviderDef, RustKdf,
    SetOptions, Storage, ValidationCode,
};
use common::{assert_no_window, chars, key};
use std::cell::RefCell;

const PASS: &str = "correct horse battery";
const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/// A gateway with a declared shape: `acme_` + 35 letters and digits.
fn acme() -> ProviderDef {
    ProviderDef {
        id: "acme".into(),
        name: "Acme Gateway".into(),
        prefixes: vec!["acme_".into()],
        lengths: vec![40],
        alphabet: Some("alnum".into()),
        key_url: Some("https://acme.example/keys".into()),
        default_model: Some("acme-large".into()),
        base_url: "https://gateway.acme.example/v1/".into(),
        auth_header: "Authorization".into(),
        auth_scheme: Some("Bearer".into()),
        check: Some(("GET".into(), "/models".into())),
    }
}

fn acme_key(seed: u64) -> String {
    format!("acme_{}", chars(ALNUM, 35, seed))
}

/// A local Ollama: no shape, the key in `x-api-key`, no check.
fn ollama() -> ProviderDef {
    ProviderDef {
        id: "ollama-local".into(),
        name: "Ollama".into(),
        base_url: "http://localhost:11434".into(),
        auth_header: "x-api-key".into(),
        ..ProviderDef::default()
    }
}

fn code(v: &byok_keyring::Validation) -> ValidationCode {
    v.code
}

// ---------------------------------------------------------------- definitions

#[test]
fn a_declared_shape_is_checked_like_a_built_in_one() {
    define(&acme()).unwrap();
    for seed in 0..5 {
        let k = acme_key(seed);
        let v = validate("acme", &k);
        assert_eq!(code(&v), ValidationCode::Ok, "{v:?}");
        assert!(v.valid);
        assert_eq!(v.message, "Looks like a valid Acme Gateway key.");
        // Cut off, pasted twice, a bad character, another prefix.
        assert_eq!(validate("acme", &k[..39]).code, ValidationCode::TooShort);
        assert_eq!(
            validate("acme", &format!("{k}x")).code,
            ValidationCode::TooLong
        );
        assert_eq!(
            validate("acme", &[&k, &k[..]].concat()).code,
            ValidationCode::TooLong
        );
        let bad = format!("{}!{}", &k[..20], &k[21..]);
        assert_eq!(validate("acme", &bad).code, ValidationCode::BadChars);
        assert_eq!(
            validate("acme", &k.replacen("acme_", "acne_", 1)).code,
            ValidationCode::BadPrefix
        );
        for v in [validate("acme", &k[..39]), validate("acme", &bad)] {
            assert_no_window(&v.message, &k, "a message");
        }
    }
    // Keys of other providers, in the gateway's box and the other way round.
    let openai = key("openai");
    let v = validate("acme", &openai);
    assert_eq!(v.code, ValidationCode::WrongProvider);
    assert_eq!(v.detected, Some("openai"));
    let v = validate("openai", &acme_key(1));
    assert_eq!(v.code, ValidationCode::WrongProvider);
    assert_eq!(v.detected, Some("acme"));
    assert_eq!(
        byok_keyring::detect_provider(&acme_key(2)).map(|p| p.id),
        Some("acme")
    );
    // Masked like any key.
    let k = acme_key(3);
    assert_eq!(mask(&k), format!("acme••••••••{}", &k[36..]));
}

#[test]
fn without_a_shape_any_key_without_whitespace_is_accepted() {
    define(&ollama()).unwrap();
    for k in ["ollama", "x", "sk-anything-at-all_42", "a.b/c+d=e"] {
        let v = validate("ollama-local", k);
        assert_eq!(v.code, ValidationCode::Ok, "{k}: {v:?}");
    }
    assert_eq!(
        validate("ollama-local", "  padded\n").normalized.as_deref(),
        Some("padded")
    );
    assert_eq!(validate("ollama-local", " \n").code, ValidationCode::Empty);
    for k in ["two words", "tab\there", "new\nline"] {
        assert_eq!(validate("ollama-local", k).code, ValidationCode::BadChars);
    }
    assert_eq!(
        validate("ollama-local", &"k".repeat(4097)).code,
        ValidationCode::TooLong
    );
}

#[test]
fn providers_lists_defined_providers_after_the_built_in_ones() {
    define(&acme()).unwrap();
    let info = all_info();
    let n = providers::PROVIDERS.len();
    assert_eq!(
        info[..n].iter().map(|i| i.id).collect::<Vec<_>>(),
        providers::PROVIDERS
            .iter()
            .map(|p| p.id)
            .collect::<Vec<_>>()
    );
    let acme = info.iter().find(|i| i.id == "acme").unwrap();
    assert_eq!(acme.name, "Acme Gateway");
    assert_eq!(acme.key_label, "an Acme Gateway key");
    assert_eq!(acme.prefixes, vec!["acme_"]);
    assert_eq!(acme.key_url, "https://acme.example/keys");
    assert_eq!(acme.default_model, "acme-large");
    // The base URL without its trailing slash: the check's origin.
    assert_eq!(
        acme.check_origin.as_deref(),
        Some("https://gateway.acme.example/v1")
    );
    assert!(providers::index_of("acme").unwrap() >= n);
    assert!(providers::index_of("acme").unwrap() < 64);
}

fn refused(def: &ProviderDef) -> String {
    let e = define(def).expect_err("the definition must be refused");
    assert_eq!(e.code(), ErrorCode::InvalidArgument, "{e:?}");
    e.message().to_string()
}

#[test]
fn a_built_in_id_or_a_different_redefinition_is_refused_naming_the_id() {
    for id in ["openai", "anthropic", "azureopenai"] {
        let m = refused(&ProviderDef {
            id: id.into(),
            ..acme()
        });
        assert!(m.contains("id") && m.contains("built-in"), "{m}");
    }
    let first = define(&ProviderDef {
        id: "twice".into(),
        prefixes: vec!["twice_".into()],
        ..acme()
    })
    .unwrap();
    // The same definition again: the same provider, nothing new.
    let again = define(&ProviderDef {
        id: "twice".into(),
        prefixes: vec!["twice_".into()],
        ..acme()
    })
    .unwrap();
    assert!(std::ptr::eq(first, again));
    let m = refused(&ProviderDef {
        id: "twice".into(),
        name: "Another".into(),
        prefixes: vec!["twice_".into()],
        ..acme()
    });
    assert!(m.contains("id") && m.contains("already defined"), "{m}");
    assert_eq!(find("twice").unwrap().name, "Acme Gateway");
}

#[test]
fn a_malformed_definition_is_refused_naming_the_field() {
    let groq = key("groq");
    let cases: Vec<(&str, ProviderDef)> = vec![
        (
            "id",
            ProviderDef {
                id: "Bad Id".into(),
                ..acme()
            },
        ),
        (
            "id",
            ProviderDef {
                id: "".into(),
                ..acme()
            },
        ),
        (
            "id",
            ProviderDef {
                id: "x".repeat(33),
                ..acme()
            },
        ),
        (
            "name",
            ProviderDef {
                id: "m1".into(),
                name: " ".into(),
                ..acme()
            },
        ),
        (
            "name",
            ProviderDef {
                id: "m2".into(),
                name: groq.clone(),
                ..acme()
            },
        ),
        (
            "name",
            ProviderDef {
                id: "m3".into(),
                name: "a\u{7}b".into(),
                ..acme()
            },
        ),
        (
            "prefixes",
            ProviderDef {
                id: "m4".into(),
                prefixes: vec!["".into()],
                ..acme()
            },
        ),
        (
            "prefixes",
            ProviderDef {
                id: "m5".into(),
                prefixes: vec![groq.clone()],
                ..acme()
            },
        ),
        (
            "prefixes",
            ProviderDef {
                id: "m6".into(),
                prefixes: vec!["a b".into()],
                ..acme()
            },
        ),
        (
            "prefixes",
            ProviderDef {
                id: "m7".into(),
                prefixes: vec!["p".into(); 9],
                ..acme()
            },
        ),
        (
            "lengths",
            ProviderDef {
                id: "m8".into(),
                lengths: vec![0],
                ..acme()
            },
        ),
        (
            "lengths",
            ProviderDef {
                id: "m9".into(),
                lengths: vec![5],
                ..acme()
            },
        ),
        (
            "lengths",
            ProviderDef {
                id: "m10".into(),
                lengths: vec![5000],
                ..acme()
            },
        ),
        (
            "alphabet",
            ProviderDef {
                id: "m11".into(),
                alphabet: Some("klingon".into()),
                ..acme()
            },
        ),
        (
            "keyUrl",
            ProviderDef {
                id: "m12".into(),
                key_url: Some("http://acme.example".into()),
                ..acme()
            },
        ),
        (
            "defaultModel",
            ProviderDef {
                id: "m13".into(),
                default_model: Some(groq.clone()),
                ..acme()
            },
        ),
        (
            "baseUrl",
            ProviderDef {
                id: "m14".into(),
                base_url: "http://gateway.acme.example".into(),
                ..acme()
            },
        ),
        (
            "baseUrl",
            ProviderDef {
                id: "m15".into(),
                base_url: "".into(),
                ..acme()
            },
        ),
        (
            "auth.header",
            ProviderDef {
                id: "m16".into(),
                auth_header: "bad header".into(),
                ..acme()
            },
        ),
        (
            "auth.header",
            ProviderDef {
                id: "m17".into(),
                auth_header: groq.clone(),
                ..acme()
            },
        ),
        (
            "auth.scheme",
            ProviderDef {
                id: "m18".into(),
                auth_scheme: Some("Bear er".into()),
                ..acme()
            },
        ),
        (
            "check.method",
            ProviderDef {
                id: "m19".into(),
                check: Some(("DELETE".into(), "/models".into())),
                ..acme()
            },
        ),
        (
            "check.path",
            ProviderDef {
                id: "m20".into(),
                check: Some(("GET".into(), "models".into())),
                ..acme()
            },
        ),
        (
            "check.path",
            ProviderDef {
                id: "m21".into(),
                check: Some(("GET".into(), "/../admin".into())),
                ..acme()
            },
        ),
    ];
    for (field, def) in cases {
        let m = refused(&def);
        assert!(m.contains(field), "{field}: {m}");
        assert_no_window(&m, &groq, field);
        assert!(find(&def.id).is_none(), "{field}: {} was defined", def.id);
    }
}

// ---------------------------------------------------------------- keyring

/// A keyring on `storage` with these definitions, unlocked (created when
/// the storage is empty).
fn keyring(storage: &MemoryStorage, providers: Vec<ProviderDef>) -> RefCell<Keyring> {
    let opts = Options {
        namespace: "custom".into(),
        iterations: 100_000,
        providers,
        ..Options::default()
    };
    let kr = RefCell::new(
        Keyring::new(
            opts,
            Box::new(storage.clone()),
            Box::new(|| 1_700_000_000_000),
        )
        .unwrap(),
    );
    let exists = storage.read("byok-keyring:custom").unwrap().is_some();
    let r = if exists {
        pollster::block_on(flows::unlock(&kr, &RustKdf, &PASS.into()))
    } else {
        pollster::block_on(flows::create(&kr, &RustKdf, &PASS.into()))
    };
    r.unwrap();
    kr
}

#[test]
fn a_keyring_stores_and_uses_a_defined_providers_key() {
    let storage = MemoryStorage::new();
    let kr = keyring(&storage, vec![acme(), ollama()]);
    let k = acme_key(7);
    let mut kr = kr.borrow_mut();
    assert!(!kr.is_byok("acme"));
    assert!(kr.should_deduct_credits("acme", None));
    let info = kr
        .set("acme", &format!("{k}\n"), SetOptions::default())
        .unwrap();
    assert_eq!((info.provider, info.name), ("acme", "Acme Gateway"));
    assert_eq!(kr.get("acme").unwrap().unwrap().expose(), k);
    assert!(kr.is_byok("acme"));
    assert!(!kr.should_deduct_credits("acme", None));
    // The snapshot the JavaScript fast path answers from has it.
    let snap = kr.snapshot();
    assert!(
        snap.keys.iter().any(|(id, _)| *id == "acme"),
        "{:?}",
        snap.keys
    );
    assert!(snap.is_byok("acme", 1_700_000_000_000));
    assert!(kr.list().unwrap().iter().any(|i| i.provider == "acme"));
    // A key of the wrong shape is refused like any other.
    let e = kr.set("acme", &k[..30], SetOptions::default()).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidKey);
    assert_eq!(e.details().unwrap().code, ValidationCode::TooShort);
    // Disabled: not the user's key any more.
    kr.set_enabled("acme", false).unwrap();
    assert!(!kr.is_byok("acme"));
    assert!(!kr.snapshot().is_byok("acme", 1_700_000_000_000));
    // A shapeless provider's key.
    kr.set("ollama-local", "local-secret", SetOptions::default())
        .unwrap();
    assert!(kr.is_byok("ollama-local"));
}

#[test]
fn a_malformed_definition_in_the_options_refuses_the_keyring() {
    let opts = Options {
        providers: vec![ProviderDef {
            id: "openai".into(),
            ..acme()
        }],
        ..Options::default()
    };
    let e = Keyring::new(opts, Box::new(MemoryStorage::new()), Box::new(|| 0)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidArgument);
    assert!(e.message().contains("id"));
}

#[test]
fn auth_headers_follow_the_definition() {
    define(&acme()).unwrap();
    define(&ollama()).unwrap();
    let k = acme_key(4);
    let h = auth_headers(find("acme").unwrap(), &k);
    let pairs: Vec<(&str, &str)> = h.iter().collect();
    assert_eq!(pairs, vec![("authorization", &*format!("Bearer {k}"))]);
    let h = auth_headers(find("ollama-local").unwrap(), "local-secret");
    assert_eq!(
        h.iter().collect::<Vec<_>>(),
        vec![("x-api-key", "local-secret")]
    );
}

// ---------------------------------------------------------------- verify

/// What was sent: method, URL, headers.
type Sent = (String, String, Vec<(String, String)>);

/// A transport that records what it was asked to send and answers `status`.
struct Fake {
    status: u16,
    sent: RefCell<Vec<Sent>>,
}

impl Transport for Fake {
    fn send<'s>(&'s self, request: &'s Request) -> SendFuture<'s> {
        self.sent.borrow_mut().push((
            request.method.as_str().to_string(),
            request.url.clone(),
            request
                .headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        ));
        let status = self.status;
        Box::pin(async move { Answer::Response { status, body: None } })
    }
}

fn fake(status: u16) -> Fake {
    Fake {
        status,
        sent: RefCell::new(Vec::new()),
    }
}

#[test]
fn verify_sends_the_defined_check_and_reads_the_answer() {
    define(&acme()).unwrap();
    let k = acme_key(5);
    let t = fake(200);
    let v = pollster::block_on(check(&t, "acme", &k, &VerifyOptions::default())).unwrap();
    assert_eq!(v.code, VerifyCode::Valid);
    assert_eq!(v.provider, "acme");
    assert_eq!(
        t.sent.borrow().clone(),
        vec![(
            "GET".to_string(),
            "https://gateway.acme.example/v1/models".to_string(),
            vec![("authorization".to_string(), format!("Bearer {k}"))]
        )]
    );
    let t = fake(401);
    let v = pollster::block_on(check(&t, "acme", &k, &VerifyOptions::default())).unwrap();
    assert_eq!(v.code, VerifyCode::InvalidKey);
    assert_no_window(&v.message, &k, "a message");
    // A POST check, at a local Ollama-compatible server.
    define(&ProviderDef {
        id: "local-post".into(),
        name: "Local".into(),
        base_url: "http://127.0.0.1:11434".into(),
        auth_header: "authorization".into(),
        auth_scheme: Some("Token".into()),
        check: Some(("post".into(), "/api/check".into())),
        ..ProviderDef::default()
    })
    .unwrap();
    let t = fake(200);
    let v =
        pollster::block_on(check(&t, "local-post", "s3cret", &VerifyOptions::default())).unwrap();
    assert_eq!(v.code, VerifyCode::Valid);
    assert_eq!(
        t.sent.borrow()[0],
        (
            "POST".to_string(),
            "http://127.0.0.1:11434/api/check".to_string(),
            vec![("authorization".to_string(), "Token s3cret".to_string())]
        )
    );
}

#[test]
fn without_a_check_verify_is_unsupported_and_sends_nothing() {
    define(&ollama()).unwrap();
    let t = fake(200);
    let v = pollster::block_on(check(&t, "ollama-local", "k", &VerifyOptions::default())).unwrap();
    assert_eq!(v.code, VerifyCode::Unsupported);
    assert!(t.sent.borrow().is_empty());
}

// ---------------------------------------------------------------- a page without the definition

fn keep_key() -> String {
    format!("keep_{}", chars(ALNUM, 35, 9))
}

const CHILD_VAULT: &str = "BYOK_TEST_VAULT_WITHOUT_DEFINITION";

/// Runs in a child process (a process in which "keep" was never defined),
/// started by the test below: opens the vault, checks that the unknown
/// provider's record is not used, writes a key of its own, saves the vault.
#[test]
fn child_opens_a_vault_without_the_definition() {
    let Ok(path) = std::env::var(CHILD_VAULT) else {
        return; // Only in the child process.
    };
    assert!(find("keep").is_none(), "keep is defined in the child");
    let storage = MemoryStorage::new();
    let text = std::fs::read_to_string(&path).unwrap();
    storage.write("byok-keyring:custom", &text).unwrap();
    let kr = keyring(&storage, Vec::new());
    let mut kr = kr.borrow_mut();
    let listed: Vec<&str> = kr.list().unwrap().iter().map(|i| i.provider).collect();
    assert_eq!(listed, vec!["groq"]);
    assert_eq!(
        kr.get("keep").unwrap_err().code(),
        ErrorCode::UnknownProvider
    );
    assert!(!kr.is_byok("keep"));
    assert!(kr.is_byok("groq"));
    kr.set("openai", &key("openai"), SetOptions::default())
        .unwrap();
    let saved = storage.read("byok-keyring:custom").unwrap().unwrap();
    std::fs::write(&path, saved).unwrap();
}

#[test]
fn a_vault_keeps_the_key_of_a_provider_the_page_did_not_define() {
    if std::env::var(CHILD_VAULT).is_ok() {
        return;
    }
    let keep = ProviderDef {
        id: "keep".into(),
        prefixes: vec!["keep_".into()],
        ..acme()
    };
    let storage = MemoryStorage::new();
    {
        let kr = keyring(&storage, vec![keep.clone()]);
        let mut kr = kr.borrow_mut();
        kr.set("keep", &keep_key(), SetOptions::default()).unwrap();
        kr.set("groq", &key("groq"), SetOptions::default()).unwrap();
    }
    let path = std::env::temp_dir().join(format!("byok-custom-{}.json", std::process::id()));
    std::fs::write(&path, storage.read("byok-keyring:custom").unwrap().unwrap()).unwrap();
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "child_opens_a_vault_without_the_definition",
            "--test-threads=1",
        ])
        .env(CHILD_VAULT, &path)
        .output()
        .unwrap();
    assert!(
        out.status.success() && String::from_utf8_lossy(&out.stdout).contains("1 passed"),
        "the child failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Back in a page that knows the provider: its key is intact, next to
    // the one the other page wrote.
    let text = std::fs::read_to_string(&path).unwrap();
    let _ = std::fs::remove_file(&path);
    let storage = MemoryStorage::new();
    storage.write("byok-keyring:custom", &text).unwrap();
    let kr = keyring(&storage, vec![keep]);
    let mut kr = kr.borrow_mut();
    assert_eq!(kr.get("keep").unwrap().unwrap().expose(), keep_key());
    assert_eq!(kr.get("openai").unwrap().unwrap().expose(), key("openai"));
    assert_eq!(kr.get("groq").unwrap().unwrap().expose(), key("groq"));
    assert!(kr.is_byok("keep"));
}
