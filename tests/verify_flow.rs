//! Checking a key with its provider, natively, through a fake transport
//! that records what it was asked to send: the request of every provider
//! (from the provider table, and against the documented endpoints), the
//! reading of every answer, and verify-then-store (`set(..., { verify })`):
//! what is refused before anything is sent, what is stored, what is not.

mod common;

use byok_keyring::providers::{find, Check, PROVIDERS};
use byok_keyring::verify::{
    self, check, plan, set_verified, Answer, Plan, Request, SendFuture, Transport, VerifyCode,
    VerifyError, VerifyOptions, DEFAULT_TIMEOUT_MS, MAX_BODY_INSPECTED, MAX_TIMEOUT_MS,
};
use byok_keyring::{
    flows, ChangeKind, ErrorCode, KeyInfo, Keyring, MemoryStorage, Options, RustKdf, SetOptions,
    State,
};
use std::cell::{Cell, RefCell};
use std::rc::Rc;

// ---------------------------------------------------------------- fixtures

/// What the fake transport was asked to send.
#[derive(Clone, Debug, PartialEq)]
struct Sent {
    method: &'static str,
    url: String,
    headers: Vec<(String, String)>,
    timeout_ms: u32,
    body_statuses: Option<(u16, u16)>,
}

/// A transport that records each request and gives a scripted answer,
/// optionally running `during` while the request is out.
struct Fake<'a> {
    answer: Answer,
    sent: RefCell<Vec<Sent>>,
    during: Option<Box<dyn Fn() + 'a>>,
}

impl<'a> Fake<'a> {
    fn answering(answer: Answer) -> Self {
        Fake {
            answer,
            sent: RefCell::new(Vec::new()),
            during: None,
        }
    }

    fn status(status: u16) -> Self {
        Self::answering(Answer::Response { status, body: None })
    }

    fn body(status: u16, body: &str) -> Self {
        Self::answering(Answer::Response {
            status,
            body: Some(body.to_string()),
        })
    }

    fn while_out(mut self, f: impl Fn() + 'a) -> Self {
        self.during = Some(Box::new(f));
        self
    }

    fn sent(&self) -> Vec<Sent> {
        self.sent.borrow().clone()
    }
}

impl Transport for Fake<'_> {
    fn send<'s>(&'s self, request: &'s Request) -> SendFuture<'s> {
        self.sent.borrow_mut().push(Sent {
            method: request.method.as_str(),
            url: request.url.clone(),
            headers: request
                .headers
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            timeout_ms: request.timeout_ms,
            body_statuses: request.body_statuses,
        });
        Box::pin(async move {
            if let Some(f) = &self.during {
                f();
            }
            self.answer.clone()
        })
    }
}

/// A keyring on shared memory storage (its clone shows what is stored).
struct Fixture {
    kr: RefCell<Keyring>,
    storage: MemoryStorage,
    now: Rc<Cell<u64>>,
}

fn fixture(auto_lock_ms: Option<u64>) -> Fixture {
    let storage = MemoryStorage::new();
    let now = Rc::new(Cell::new(1_700_000_000_000));
    let clock = now.clone();
    let opts = Options {
        iterations: 100_000,
        auto_lock_ms,
        ..Options::default()
    };
    let kr = Keyring::new(
        opts,
        Box::new(storage.clone()),
        Box::new(move || clock.get()),
    )
    .unwrap();
    Fixture {
        kr: RefCell::new(kr),
        storage,
        now,
    }
}

/// An unlocked keyring with a vault.
fn unlocked() -> Fixture {
    let f = fixture(None);
    pollster::block_on(flows::create(&f.kr, &RustKdf, &"correct horse".into())).unwrap();
    f
}

fn opts_at(base_url: &str) -> VerifyOptions {
    VerifyOptions {
        base_url: Some(base_url.to_string()),
        ..VerifyOptions::default()
    }
}

fn run_check(t: &Fake, provider: &str, key: &str, opts: &VerifyOptions) -> verify::Verification {
    pollster::block_on(check(t, provider, key, opts)).unwrap()
}

fn store(
    f: &Fixture,
    t: &Fake,
    provider: &str,
    key: &str,
    set: SetOptions,
) -> Result<(KeyInfo, verify::Verification), VerifyError> {
    pollster::block_on(set_verified(
        &f.kr,
        t,
        provider,
        key,
        set,
        &VerifyOptions::default(),
    ))
}

fn stored(f: &Fixture, provider: &str) -> Option<String> {
    f.kr.borrow_mut()
        .get(provider)
        .unwrap()
        .map(|k| k.expose().to_string())
}

fn refused_code(r: Result<impl std::fmt::Debug, VerifyError>) -> ErrorCode {
    match r {
        Err(VerifyError::Refused(e)) => e.code(),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

/// The headers the table's auth scheme gives `key`, as (name, value).
fn table_headers(provider: &str, key: &str) -> Vec<(String, String)> {
    let auth = find(provider).unwrap().auth;
    let value = format!("{}{key}", auth.scheme);
    let mut out = vec![(auth.key_header.to_string(), value)];
    out.extend(
        auth.fixed
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string())),
    );
    out
}

// ------------------------------------------------------- request planning

#[test]
fn every_providers_request_comes_from_its_table_entry() {
    for p in PROVIDERS {
        let key = common::key(p.id);
        let fake = Fake::status(200);
        let v = run_check(&fake, p.id, &key, &VerifyOptions::default());
        match p.check {
            Check::Request(e) => {
                let sent = fake.sent();
                assert_eq!(sent.len(), 1, "{}", p.id);
                let s = &sent[0];
                assert_eq!(s.method, e.method.as_str(), "{}", p.id);
                assert_eq!(s.url, e.base_url_in(None) + e.path, "{}", p.id);
                assert!(
                    s.url.starts_with("https://") && !s.url.contains('{'),
                    "{}",
                    p.id
                );
                assert!(!s.url.contains(&key), "{}: the key is in the URL", p.id);
                assert_eq!(s.headers, table_headers(p.id, &key), "{}", p.id);
                assert_eq!(s.timeout_ms, DEFAULT_TIMEOUT_MS);
                assert_eq!(
                    s.body_statuses,
                    p.rejection.map(|r| (r.first_status, r.last_status)),
                    "{}",
                    p.id
                );
                assert_eq!(v.code, VerifyCode::Valid, "{}", p.id);
                assert_eq!(v.status, Some(200));
            }
            // Without an endpoint of the key's own: nothing to send.
            Check::Unsupported(why) | Check::AtBaseUrl(_, _, why) => {
                assert!(fake.sent().is_empty(), "{}: something was sent", p.id);
                assert_eq!(v.code, VerifyCode::Unsupported);
                assert_eq!((v.ok, v.status), (false, None));
                assert!(v.message.contains(why), "{}", p.id);
            }
        }
        assert_eq!(v.provider, p.id);
        assert!(!v.message.contains(&key));
    }
}

#[test]
fn the_documented_endpoints_and_headers() {
    // Written from docs/VERIFY.md, independently of the provider table.
    let request = |id: &str| {
        let fake = Fake::status(200);
        let key = common::key(id);
        run_check(&fake, id, &key, &VerifyOptions::default());
        match fake.sent().first() {
            Some(s) => {
                let names: Vec<&str> = s.headers.iter().map(|(n, _)| n.as_str()).collect();
                format!("{} {} {}", s.method, s.url, names.join(","))
            }
            None => "unsupported".to_string(),
        }
    };
    let bearer = |m: &str, url: &str| format!("{m} {url} authorization");
    assert_eq!(
        request("openai"),
        bearer("GET", "https://api.openai.com/v1/models")
    );
    assert_eq!(
        request("anthropic"),
        "GET https://api.anthropic.com/v1/models \
         x-api-key,anthropic-version,anthropic-dangerous-direct-browser-access"
    );
    assert_eq!(
        request("gemini"),
        "GET https://generativelanguage.googleapis.com/v1beta/models x-goog-api-key"
    );
    assert_eq!(
        request("groq"),
        bearer("GET", "https://api.groq.com/openai/v1/models")
    );
    assert_eq!(
        request("openrouter"),
        bearer("GET", "https://openrouter.ai/api/v1/key")
    );
    assert_eq!(
        request("perplexity"),
        bearer("GET", "https://api.perplexity.ai/async/chat/completions")
    );
    assert_eq!(
        request("mistral"),
        bearer("GET", "https://api.mistral.ai/v1/models")
    );
    assert_eq!(request("xai"), bearer("GET", "https://api.x.ai/v1/models"));
    assert_eq!(
        request("deepseek"),
        bearer("GET", "https://api.deepseek.com/models")
    );
    assert_eq!(
        request("together"),
        bearer("GET", "https://api.together.xyz/v1/models")
    );
    assert_eq!(
        request("fireworks"),
        bearer("GET", "https://api.fireworks.ai/inference/v1/models")
    );
    assert_eq!(
        request("cohere"),
        bearer("POST", "https://api.cohere.com/v1/check-api-key")
    );
    assert_eq!(
        request("huggingface"),
        bearer("GET", "https://huggingface.co/api/whoami-v2")
    );
    assert_eq!(
        request("bedrock"),
        bearer(
            "GET",
            "https://bedrock.us-east-1.amazonaws.com/foundation-models"
        )
    );
    assert_eq!(request("exa"), "unsupported");
    assert_eq!(request("copilotkit"), "unsupported");

    // The exact values, for each kind of scheme.
    let anthropic = verify::auth_headers(find("anthropic").unwrap(), "K");
    let pairs: Vec<(&str, &str)> = anthropic.iter().collect();
    assert_eq!(
        pairs,
        [
            ("x-api-key", "K"),
            ("anthropic-version", "2023-06-01"),
            ("anthropic-dangerous-direct-browser-access", "true"),
        ]
    );
    let pairs = |id: &str| -> Vec<(String, String)> {
        verify::auth_headers(find(id).unwrap(), "K")
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    };
    let one = |n: &str, v: &str| vec![(n.to_string(), v.to_string())];
    assert_eq!(pairs("openai"), one("authorization", "Bearer K"));
    assert_eq!(pairs("bedrock"), one("authorization", "Bearer K"));
    assert_eq!(pairs("gemini"), one("x-goog-api-key", "K"));
    assert_eq!(pairs("exa"), one("x-api-key", "K"));
    assert_eq!(
        pairs("copilotkit"),
        one("x-copilotcloud-public-api-key", "K")
    );
}

#[test]
fn base_url_region_and_timeout_shape_the_request() {
    let key = common::key("bedrock");
    let url = |opts: VerifyOptions| {
        let fake = Fake::status(200);
        run_check(&fake, "bedrock", &key, &opts);
        fake.sent()[0].url.clone()
    };
    let region = |r: &str| VerifyOptions {
        region: Some(r.to_string()),
        ..VerifyOptions::default()
    };
    assert_eq!(
        url(region("eu-west-3")),
        "https://bedrock.eu-west-3.amazonaws.com/foundation-models"
    );
    assert_eq!(
        url(VerifyOptions {
            base_url: Some("http://127.0.0.1:9/bedrock/".into()),
            ..region("eu-west-3")
        }),
        "http://127.0.0.1:9/bedrock/foundation-models"
    );
    let fake = Fake::status(200);
    let key = common::key("openai");
    run_check(
        &fake,
        "openai",
        &format!("  {key}\n"),
        &VerifyOptions {
            base_url: Some("/api/proxy/openai/".into()),
            timeout_ms: Some(250),
            ..VerifyOptions::default()
        },
    );
    let sent = fake.sent();
    assert_eq!(sent[0].url, "/api/proxy/openai/v1/models");
    assert_eq!(sent[0].timeout_ms, 250);
    assert_eq!(
        sent[0].headers,
        table_headers("openai", &key),
        "the key is trimmed"
    );
}

#[test]
fn bad_arguments_are_refused_and_nothing_is_sent() {
    let key = common::key("openai");
    let with = |o: VerifyOptions| o;
    let cases: Vec<(&str, String, VerifyOptions, ErrorCode)> = vec![
        (
            "nope",
            key.clone(),
            VerifyOptions::default(),
            ErrorCode::UnknownProvider,
        ),
        (
            "openai",
            "sk-short".into(),
            VerifyOptions::default(),
            ErrorCode::InvalidKey,
        ),
        (
            "openai",
            common::key("anthropic"),
            VerifyOptions::default(),
            ErrorCode::InvalidKey,
        ),
        (
            "openai",
            key.clone(),
            with(VerifyOptions {
                timeout_ms: Some(0),
                ..Default::default()
            }),
            ErrorCode::InvalidArgument,
        ),
        (
            "openai",
            key.clone(),
            with(VerifyOptions {
                timeout_ms: Some(MAX_TIMEOUT_MS + 1),
                ..Default::default()
            }),
            ErrorCode::InvalidArgument,
        ),
        (
            "openai",
            key.clone(),
            with(VerifyOptions {
                region: Some("us-east-1".into()),
                ..Default::default()
            }),
            ErrorCode::InvalidArgument,
        ),
        (
            "exa",
            common::key("exa"),
            with(VerifyOptions {
                region: Some("us-east-1".into()),
                ..Default::default()
            }),
            ErrorCode::InvalidArgument,
        ),
        (
            "bedrock",
            common::key("bedrock"),
            with(VerifyOptions {
                region: Some("x.evil.com/".into()),
                ..Default::default()
            }),
            ErrorCode::InvalidArgument,
        ),
        (
            "openai",
            key.clone(),
            opts_at("http://example.com"),
            ErrorCode::InvalidArgument,
        ),
        (
            "openai",
            key.clone(),
            opts_at("https://x.com/?key=1"),
            ErrorCode::InvalidArgument,
        ),
    ];
    for (provider, k, opts, code) in cases {
        let fake = Fake::status(200);
        let r = pollster::block_on(check(&fake, provider, &k, &opts));
        assert_eq!(refused_code(r), code, "{provider} {opts:?}");
        assert!(
            fake.sent().is_empty(),
            "{provider} {opts:?}: something was sent"
        );
    }
    // A format failure carries the validation, without the key.
    let Err(VerifyError::Refused(e)) = pollster::block_on(check(
        &Fake::status(200),
        "openai",
        "sk-short",
        &VerifyOptions::default(),
    )) else {
        panic!()
    };
    assert_eq!(e.details().unwrap().normalized, None);
    // The limits named in messages are the real ones.
    let e = plan(
        "openai",
        &key,
        &VerifyOptions {
            timeout_ms: Some(0),
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(
        e.message().contains(&MAX_TIMEOUT_MS.to_string()),
        "{}",
        e.message()
    );
}

// ------------------------------------------------------ reading the answer

#[test]
fn every_answer_becomes_its_code() {
    let key = common::key("groq");
    let cases = [
        (
            Answer::Response {
                status: 200,
                body: None,
            },
            VerifyCode::Valid,
            Some(200),
        ),
        (
            Answer::Response {
                status: 204,
                body: None,
            },
            VerifyCode::Valid,
            Some(204),
        ),
        (
            Answer::Response {
                status: 401,
                body: None,
            },
            VerifyCode::InvalidKey,
            Some(401),
        ),
        (
            Answer::Response {
                status: 402,
                body: None,
            },
            VerifyCode::Forbidden,
            Some(402),
        ),
        (
            Answer::Response {
                status: 403,
                body: None,
            },
            VerifyCode::Forbidden,
            Some(403),
        ),
        (
            Answer::Response {
                status: 429,
                body: None,
            },
            VerifyCode::RateLimited,
            Some(429),
        ),
        (
            Answer::Response {
                status: 500,
                body: None,
            },
            VerifyCode::ProviderError,
            Some(500),
        ),
        (
            Answer::Response {
                status: 404,
                body: None,
            },
            VerifyCode::ProviderError,
            Some(404),
        ),
        (
            Answer::Response {
                status: 307,
                body: None,
            },
            VerifyCode::ProviderError,
            Some(307),
        ),
        (
            Answer::Response {
                status: 0,
                body: None,
            },
            VerifyCode::NetworkError,
            None,
        ),
        (
            Answer::Response {
                status: 700,
                body: None,
            },
            VerifyCode::NetworkError,
            None,
        ),
        (Answer::NoAnswer, VerifyCode::NetworkError, None),
        (Answer::TimedOut, VerifyCode::Timeout, None),
    ];
    for (answer, code, status) in cases {
        let fake = Fake::answering(answer.clone());
        let opts = VerifyOptions {
            timeout_ms: Some(300),
            ..VerifyOptions::default()
        };
        let v = run_check(&fake, "groq", &key, &opts);
        assert_eq!((v.code, v.status), (code, status), "{answer:?}");
        assert_eq!(v.ok, code == VerifyCode::Valid);
        assert_eq!(v.provider, "groq");
        if code == VerifyCode::Timeout {
            assert!(v.message.contains("300 ms"), "{}", v.message);
        }
    }
    let fake = Fake::answering(Answer::Aborted);
    let r = pollster::block_on(check(&fake, "groq", &key, &VerifyOptions::default()));
    assert_eq!(r, Err(VerifyError::Aborted));
    assert_eq!(fake.sent().len(), 1);
}

#[test]
fn each_providers_own_bad_key_answer_reads_the_body_it_asked_for() {
    let gemini = r#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"reason":"API_KEY_INVALID"}]}}"#;
    let bedrock = r#"{"Message":"Authentication failed: Please make sure your API Key is valid."}"#;
    let not_allowed = r#"{"Message":"User: arn:aws:iam::0:user/x is not authorized to perform: bedrock:ListFoundationModels"}"#;
    let cases = [
        ("gemini", 400, gemini, VerifyCode::InvalidKey),
        (
            "gemini",
            400,
            r#"{"error":{"status":"INVALID_ARGUMENT"}}"#,
            VerifyCode::ProviderError,
        ),
        ("bedrock", 403, bedrock, VerifyCode::InvalidKey),
        ("bedrock", 403, not_allowed, VerifyCode::Forbidden),
        ("cohere", 200, r#"{"valid":false}"#, VerifyCode::InvalidKey),
        (
            "cohere",
            200,
            r#"{"valid":true,"owner_id":"o"}"#,
            VerifyCode::Valid,
        ),
        // Other providers do not ask for the body: what a transport hands
        // over anyway changes nothing.
        ("openai", 400, gemini, VerifyCode::ProviderError),
        ("openai", 403, bedrock, VerifyCode::Forbidden),
        ("mistral", 200, r#"{"valid":false}"#, VerifyCode::Valid),
    ];
    for (provider, status, body, code) in cases {
        let fake = Fake::body(status, body);
        let v = run_check(
            &fake,
            provider,
            &common::key(provider),
            &VerifyOptions::default(),
        );
        assert_eq!(v.code, code, "{provider} {status} {body}");
        assert_eq!(v.status, Some(status));
    }
    // What each request says about its body.
    let wants = |provider: &str, status: u16| {
        let Plan::Send(r) =
            plan(provider, &common::key(provider), &VerifyOptions::default()).unwrap()
        else {
            panic!("{provider}")
        };
        r.wants_body(status)
    };
    assert!(wants("cohere", 200) && wants("cohere", 204));
    assert!(wants("gemini", 400) && !wants("gemini", 200));
    assert!(wants("bedrock", 403) && !wants("bedrock", 401));
    assert!(!wants("openai", 200) && !wants("openai", 400));
}

#[test]
fn the_browser_transport_sends_as_the_core_expects() {
    // js/transport.js is tested in the browser (tests/js/verify.test.mjs);
    // these are the constants the two sides share.
    let js =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/js/transport.js")).unwrap();
    assert!(js.contains(&format!("slice(0, {MAX_BODY_INSPECTED})")));
    for needle in [
        "credentials: \"omit\"",
        "referrerPolicy: \"no-referrer\"",
        "redirect: \"error\"",
    ] {
        assert!(js.contains(needle), "js/transport.js lacks {needle}");
    }
}

// ------------------------------------------------------ verify, then store

#[test]
fn a_locked_keyring_or_no_vault_sends_nothing_and_stores_nothing() {
    let key = common::key("openai");
    let f = fixture(None);
    let fake = Fake::status(200);
    assert_eq!(
        refused_code(store(&f, &fake, "openai", &key, SetOptions::default())),
        ErrorCode::NoVault
    );
    assert!(fake.sent().is_empty());
    assert!(f.storage.dump().is_empty());

    let f = unlocked();
    f.kr.borrow_mut().lock();
    let before = f.storage.dump();
    let fake = Fake::status(200);
    assert_eq!(
        refused_code(store(&f, &fake, "openai", &key, SetOptions::default())),
        ErrorCode::Locked
    );
    assert!(fake.sent().is_empty());
    assert_eq!(f.storage.dump(), before);

    // Auto-lock due before the call counts as locked.
    let f = fixture(Some(60_000));
    pollster::block_on(flows::create(&f.kr, &RustKdf, &"correct horse".into())).unwrap();
    f.now.set(f.now.get() + 60_001);
    let fake = Fake::status(200);
    assert_eq!(
        refused_code(store(&f, &fake, "openai", &key, SetOptions::default())),
        ErrorCode::Locked
    );
    assert!(fake.sent().is_empty());
    assert_eq!(f.kr.borrow().state(), State::Locked);
    // It really locked (the derived key is dropped), and says so to onChange.
    let events = f.kr.borrow_mut().take_events();
    assert!(
        events.iter().any(|e| e.kind == ChangeKind::Locked),
        "{events:?}"
    );
}

#[test]
fn a_bad_key_or_a_bad_option_sends_nothing_and_stores_nothing() {
    let f = unlocked();
    let before = f.storage.dump();
    let key = common::key("openai");
    let long_model = SetOptions {
        model: Some("m".repeat(257)),
        ..SetOptions::default()
    };
    let never = SetOptions {
        expires_in_ms: Some(0),
        ..SetOptions::default()
    };
    let cases: Vec<(&str, String, SetOptions, VerifyOptions, ErrorCode)> = vec![
        (
            "nope",
            key.clone(),
            SetOptions::default(),
            VerifyOptions::default(),
            ErrorCode::UnknownProvider,
        ),
        (
            "openai",
            "sk-short".into(),
            SetOptions::default(),
            VerifyOptions::default(),
            ErrorCode::InvalidKey,
        ),
        (
            "openai",
            key.clone(),
            long_model,
            VerifyOptions::default(),
            ErrorCode::InvalidArgument,
        ),
        (
            "openai",
            key.clone(),
            never,
            VerifyOptions::default(),
            ErrorCode::InvalidArgument,
        ),
        (
            "openai",
            key.clone(),
            SetOptions::default(),
            opts_at("ftp://x"),
            ErrorCode::InvalidArgument,
        ),
        (
            "openai",
            key.clone(),
            SetOptions::default(),
            VerifyOptions {
                timeout_ms: Some(0),
                ..Default::default()
            },
            ErrorCode::InvalidArgument,
        ),
    ];
    for (provider, k, set, opts, code) in cases {
        let fake = Fake::status(200);
        let r = pollster::block_on(set_verified(&f.kr, &fake, provider, &k, set, &opts));
        assert_eq!(refused_code(r), code, "{provider} {opts:?}");
        assert!(fake.sent().is_empty(), "{provider}: something was sent");
    }
    assert_eq!(f.storage.dump(), before);
    assert_eq!(stored(&f, "openai"), None);
}

#[test]
fn set_options_are_refused_exactly_as_keyring_set_refuses_them() {
    // verify-then-store checks set()'s options before sending; both must
    // agree on what is refused.
    let key = common::key("groq");
    let options = [
        (Some("m".repeat(256)), None),
        (Some("m".repeat(257)), None),
        (Some("a\u{7}b".to_string()), None),
        (Some("   ".to_string()), None),
        (None, Some(0)),
        (None, Some(1)),
        (None, Some(byok_keyring::limits::MAX_EXPIRES_IN_MS)),
        (None, Some(byok_keyring::limits::MAX_EXPIRES_IN_MS + 1)),
    ];
    for (model, expires_in_ms) in options {
        let set = || SetOptions {
            model: model.clone(),
            expires_in_ms,
            base_url: None,
        };
        let plain = unlocked();
        let direct = plain.kr.borrow_mut().set("groq", &key, set()).map(|_| ());
        let verified = unlocked();
        let fake = Fake::status(200);
        let via = store(&verified, &fake, "groq", &key, set()).map(|_| ());
        match (direct, via) {
            (Ok(()), Ok(())) => assert_eq!(fake.sent().len(), 1),
            (Err(a), Err(VerifyError::Refused(b))) => {
                assert_eq!(
                    (a.code(), a.message()),
                    (b.code(), b.message()),
                    "{model:?}"
                );
                assert!(fake.sent().is_empty());
            }
            (a, b) => panic!("{model:?} {expires_in_ms:?}: set gives {a:?}, verified set {b:?}"),
        }
    }
}

#[test]
fn a_rejected_key_is_not_stored_and_storage_stays_byte_identical() {
    let f = unlocked();
    // An earlier key of each provider, which a rejected one must not replace.
    for id in ["groq", "gemini", "bedrock", "cohere"] {
        f.kr.borrow_mut()
            .set(id, &common::key_seeded(id, 7), SetOptions::default())
            .unwrap();
    }
    let before = f.storage.dump();
    let gemini = r#"{"error":{"code":400,"details":[{"reason":"API_KEY_INVALID"}]}}"#;
    let bedrock = r#"{"Message":"Authentication failed: Please make sure your API Key is valid."}"#;
    for (provider, fake) in [
        ("groq", Fake::status(401)),
        ("gemini", Fake::body(400, gemini)),
        ("bedrock", Fake::body(403, bedrock)),
        ("cohere", Fake::body(200, r#"{"valid": false}"#)),
        ("openai", Fake::status(401)),
    ] {
        let key = common::key(provider);
        let r = store(&f, &fake, provider, &key, SetOptions::default());
        let Err(e) = r else {
            panic!("{provider}: a rejected key was stored")
        };
        assert_eq!(e.code(), Some(ErrorCode::InvalidKey), "{provider}");
        let VerifyError::Rejected(v) = &e else {
            panic!("{provider}: {e:?}")
        };
        assert_eq!(
            (v.code, v.ok, v.provider),
            (VerifyCode::InvalidKey, false, provider)
        );
        assert!(v.status.is_some());
        assert_eq!(e.message(), v.message);
        assert!(e.message().contains("rejected this key"));
        assert_eq!(fake.sent().len(), 1);
        let kept = stored(&f, provider);
        assert_ne!(kept.as_deref(), Some(key.as_str()), "{provider}");
    }
    assert_eq!(f.storage.dump(), before, "storage changed");
    assert_eq!(stored(&f, "groq"), Some(common::key_seeded("groq", 7)));
    assert_eq!(stored(&f, "openai"), None);
}

#[test]
fn live_and_unverifiable_outcomes_store_the_key_and_say_so() {
    let f = unlocked();
    let cases = [
        (
            "openai",
            Answer::Response {
                status: 200,
                body: None,
            },
            VerifyCode::Valid,
        ),
        (
            "anthropic",
            Answer::Response {
                status: 403,
                body: None,
            },
            VerifyCode::Forbidden,
        ),
        (
            "groq",
            Answer::Response {
                status: 402,
                body: None,
            },
            VerifyCode::Forbidden,
        ),
        (
            "deepseek",
            Answer::Response {
                status: 429,
                body: None,
            },
            VerifyCode::RateLimited,
        ),
        (
            "fireworks",
            Answer::Response {
                status: 500,
                body: None,
            },
            VerifyCode::ProviderError,
        ),
        (
            "together",
            Answer::Response {
                status: 404,
                body: None,
            },
            VerifyCode::ProviderError,
        ),
        ("xai", Answer::NoAnswer, VerifyCode::NetworkError),
        ("perplexity", Answer::TimedOut, VerifyCode::Timeout),
        (
            "exa",
            Answer::Response {
                status: 200,
                body: None,
            },
            VerifyCode::Unsupported,
        ),
    ];
    for (provider, answer, code) in cases {
        let key = common::key(provider);
        let fake = Fake::answering(answer);
        let set = SetOptions {
            model: Some("the-model".into()),
            ..SetOptions::default()
        };
        let (info, v) = store(&f, &fake, provider, &format!("{key}\n"), set)
            .unwrap_or_else(|e| panic!("{provider}: {e:?}"));
        assert_eq!(v.code, code, "{provider}");
        assert_eq!(v.ok, code == VerifyCode::Valid);
        assert_eq!(v.provider, provider);
        assert_eq!(info.provider, provider);
        assert_eq!(info.model.as_deref(), Some("the-model"));
        assert!(info.enabled && !info.expired);
        assert_eq!(
            stored(&f, provider),
            Some(key.clone()),
            "{provider}: stored trimmed"
        );
        assert!(f.kr.borrow().is_byok(provider));
        let expected_sends = usize::from(code != VerifyCode::Unsupported);
        assert_eq!(fake.sent().len(), expected_sends, "{provider}");
    }
    // What is stored is encrypted: no run of the key in storage.
    let text = format!("{:?}", f.storage.dump());
    assert!(!text.contains(&common::key("openai")[10..30]));
}

#[test]
fn an_abort_stores_nothing() {
    let f = unlocked();
    let before = f.storage.dump();
    let fake = Fake::answering(Answer::Aborted);
    let r = store(
        &f,
        &fake,
        "openai",
        &common::key("openai"),
        SetOptions::default(),
    );
    assert_eq!(r.unwrap_err(), VerifyError::Aborted);
    assert_eq!(fake.sent().len(), 1);
    assert_eq!(f.storage.dump(), before);
    assert_eq!(stored(&f, "openai"), None);
}

#[test]
fn the_keyring_is_usable_while_the_request_is_out() {
    // No borrow is held across the request: the page may list keys, or
    // lock, meanwhile. A lock in the meantime means nothing is stored.
    let f = unlocked();
    let listed = Cell::new(usize::MAX);
    let fake = Fake::status(200).while_out(|| {
        let kr =
            f.kr.try_borrow_mut()
                .expect("the keyring is borrowed during the request");
        listed.set(kr.list().unwrap().len());
    });
    let key = common::key("openai");
    store(&f, &fake, "openai", &key, SetOptions::default()).unwrap();
    assert_eq!(listed.get(), 0);
    assert_eq!(stored(&f, "openai"), Some(key));

    let locker = Fake::status(200).while_out(|| f.kr.borrow_mut().lock());
    let groq = common::key("groq");
    let r = store(&f, &locker, "groq", &groq, SetOptions::default());
    assert_eq!(refused_code(r), ErrorCode::Locked);
    pollster::block_on(flows::unlock(&f.kr, &RustKdf, &"correct horse".into())).unwrap();
    assert_eq!(stored(&f, "groq"), None);
}

#[test]
fn the_key_never_appears_in_debug_output_or_errors() {
    let f = unlocked();
    let mut texts = Vec::new();
    for p in PROVIDERS {
        let key = common::key(p.id);
        let plan = plan(p.id, &format!(" {key} "), &VerifyOptions::default()).unwrap();
        texts.push((key.clone(), format!("{plan:?}")));
        if let Plan::Send(req) = &plan {
            texts.push((key.clone(), format!("{req:?} {:?}", req.headers)));
            assert!(format!("{req:?}").contains("<redacted>"));
        }
        for answer in [
            Answer::Response {
                status: 200,
                body: None,
            },
            Answer::Response {
                status: 401,
                body: None,
            },
            Answer::Response {
                status: 200,
                body: Some(r#"{"valid":false}"#.into()),
            },
            Answer::NoAnswer,
            Answer::TimedOut,
            Answer::Aborted,
        ] {
            let fake = Fake::answering(answer);
            let r = store(&f, &fake, p.id, &key, SetOptions::default());
            let text = match &r {
                Ok((info, v)) => format!("{info:?} {v:?} {}", v.message),
                Err(e) => format!("{e:?} {e} {}", e.message()),
            };
            texts.push((key.clone(), text));
        }
        // Refusals, with the key in the arguments.
        f.kr.borrow_mut().lock();
        for (k, opts) in [
            (key.clone(), VerifyOptions::default()),
            (format!("{key}x\"y"), VerifyOptions::default()),
            (key.clone(), opts_at("http://example.com")),
        ] {
            let e = pollster::block_on(set_verified(
                &f.kr,
                &Fake::status(200),
                p.id,
                &k,
                SetOptions::default(),
                &opts,
            ))
            .unwrap_err();
            texts.push((key.clone(), format!("{e:?} {e}")));
        }
        pollster::block_on(flows::unlock(&f.kr, &RustKdf, &"correct horse".into())).unwrap();
    }
    for (key, text) in texts {
        // No 9-character window of the key (the mask shows at most 4+4).
        for w in key.as_bytes().windows(9) {
            let w = std::str::from_utf8(w).unwrap();
            assert!(!text.contains(w), "{w:?} of a key in: {text}");
        }
    }
}

// ------------------------------------------------- a key with its endpoint

/// The endpoint of an Azure OpenAI resource, as a person pastes it.
const AZURE: &str = "https://my-resource.openai.azure.com/";

fn set_with_endpoint(f: &Fixture, provider: &str, key: &str, base_url: &str) -> KeyInfo {
    let opts = SetOptions {
        base_url: Some(base_url.to_string()),
        ..SetOptions::default()
    };
    f.kr.borrow_mut().set(provider, key, opts).unwrap()
}

fn verify_stored(
    f: &Fixture,
    t: &Fake,
    provider: &str,
    opts: &VerifyOptions,
) -> Option<verify::Verification> {
    pollster::block_on(verify::verify_stored(&f.kr, t, provider, opts)).unwrap()
}

#[test]
fn azure_openai_is_checked_at_its_endpoint_and_only_there() {
    let key = common::key("azureopenai");
    let fake = Fake::status(200);
    let v = run_check(&fake, "azureopenai", &key, &opts_at(AZURE));
    assert_eq!(v.code, VerifyCode::Valid);
    let sent = fake.sent();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].method, "GET");
    assert_eq!(
        sent[0].url,
        "https://my-resource.openai.azure.com/openai/v1/models"
    );
    assert_eq!(sent[0].headers, vec![("api-key".to_string(), key.clone())]);
    // Without an endpoint there is nowhere to ask: nothing is sent.
    let fake = Fake::status(200);
    let v = run_check(&fake, "azureopenai", &key, &VerifyOptions::default());
    assert_eq!(v.code, VerifyCode::Unsupported);
    assert!(v.message.contains("endpoint"), "{}", v.message);
    assert!(fake.sent().is_empty());
    // The https/loopback rules of verify's baseUrl.
    let fake = Fake::status(200);
    let r = pollster::block_on(check(
        &fake,
        "azureopenai",
        &key,
        &opts_at("http://my-resource.openai.azure.com"),
    ));
    assert_eq!(refused_code(r), ErrorCode::InvalidArgument);
    assert!(fake.sent().is_empty());
}

#[test]
fn a_stored_endpoint_round_trips_and_is_used_by_verify() {
    let f = unlocked();
    let key = common::key("azureopenai");
    let info = set_with_endpoint(&f, "azureopenai", &key, AZURE);
    // Stored without the trailing slash, as verify would send it.
    let endpoint = "https://my-resource.openai.azure.com";
    assert_eq!(info.base_url.as_deref(), Some(endpoint));
    let listed = |f: &Fixture| f.kr.borrow_mut().list().unwrap()[0].base_url.clone();
    assert_eq!(listed(&f).as_deref(), Some(endpoint));
    assert_eq!(
        f.kr.borrow_mut()
            .get_with_endpoint("azureopenai")
            .unwrap()
            .map(|(k, u)| (k.expose().to_string(), u)),
        Some((key.clone(), Some(endpoint.to_string())))
    );
    // Another keyring on the same storage reads it back, locked and unlocked.
    let kr2 = Keyring::new(
        Options {
            iterations: 100_000,
            ..Options::default()
        },
        Box::new(f.storage.clone()),
        Box::new(|| 1_700_000_000_000),
    )
    .unwrap();
    let f2 = Fixture {
        kr: RefCell::new(kr2),
        storage: f.storage.clone(),
        now: f.now.clone(),
    };
    assert_eq!(listed(&f2).as_deref(), Some(endpoint));
    pollster::block_on(flows::unlock(&f2.kr, &RustKdf, &"correct horse".into())).unwrap();
    let info = &f2.kr.borrow_mut().list().unwrap()[0];
    assert_eq!(
        (info.base_url.as_deref(), info.tampered),
        (Some(endpoint), false)
    );
    // verify of the stored key goes to its endpoint...
    let fake = Fake::status(401);
    let v = verify_stored(&f2, &fake, "azureopenai", &VerifyOptions::default()).unwrap();
    assert_eq!(v.code, VerifyCode::InvalidKey);
    assert_eq!(fake.sent()[0].url, format!("{endpoint}/openai/v1/models"));
    // ...unless the caller names another.
    let fake = Fake::status(200);
    verify_stored(
        &f2,
        &fake,
        "azureopenai",
        &opts_at("http://localhost:8080/proxy"),
    )
    .unwrap();
    assert_eq!(
        fake.sent()[0].url,
        "http://localhost:8080/proxy/openai/v1/models"
    );
    // No key stored: nothing to check, nothing sent.
    let fake = Fake::status(200);
    assert_eq!(
        verify_stored(&f2, &fake, "openai", &VerifyOptions::default()),
        None
    );
    assert!(fake.sent().is_empty());
}

#[test]
fn a_gateway_endpoint_replaces_the_providers_api_for_its_key() {
    let f = unlocked();
    let key = common::key("openai");
    set_with_endpoint(&f, "openai", &key, "https://gateway.example.com/v1/openai");
    let fake = Fake::status(200);
    verify_stored(&f, &fake, "openai", &VerifyOptions::default()).unwrap();
    assert_eq!(
        fake.sent()[0].url,
        "https://gateway.example.com/v1/openai/v1/models"
    );
    // A key saved without one is checked at the provider itself.
    f.kr.borrow_mut()
        .set("openai", &key, SetOptions::default())
        .unwrap();
    assert_eq!(f.kr.borrow_mut().list().unwrap()[0].base_url, None);
    let fake = Fake::status(200);
    verify_stored(&f, &fake, "openai", &VerifyOptions::default()).unwrap();
    assert_eq!(fake.sent()[0].url, "https://api.openai.com/v1/models");
}

#[test]
fn set_with_an_endpoint_and_verify_checks_there_and_stores_it() {
    let f = unlocked();
    let key = common::key("azureopenai");
    let fake = Fake::status(200);
    let set = SetOptions {
        base_url: Some(AZURE.into()),
        ..SetOptions::default()
    };
    let (info, v) = store(&f, &fake, "azureopenai", &key, set).unwrap();
    assert_eq!(v.code, VerifyCode::Valid);
    assert_eq!(
        fake.sent()[0].url,
        "https://my-resource.openai.azure.com/openai/v1/models"
    );
    assert_eq!(
        info.base_url.as_deref(),
        Some("https://my-resource.openai.azure.com")
    );
    // A rejected key is not stored, endpoint or not.
    let other = common::key_seeded("azureopenai", 9);
    let set = SetOptions {
        base_url: Some(AZURE.into()),
        ..SetOptions::default()
    };
    let r = store(&f, &Fake::status(401), "azureopenai", &other, set);
    assert!(matches!(r, Err(VerifyError::Rejected(_))));
    assert_eq!(stored(&f, "azureopenai"), Some(key));
}

#[test]
fn an_endpoint_outside_the_baseurl_rules_is_refused_and_nothing_is_stored() {
    let f = unlocked();
    let key = common::key("azureopenai");
    for bad in [
        "http://my-resource.openai.azure.com",
        "https://user@host",
        "https://h/?q",
        "ftp://h",
        "",
    ] {
        let opts = SetOptions {
            base_url: Some(bad.into()),
            ..SetOptions::default()
        };
        let e =
            f.kr.borrow_mut()
                .set("azureopenai", &key, opts)
                .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidArgument, "{bad}");
        assert!(
            e.message().starts_with("baseUrl "),
            "{bad}: {}",
            e.message()
        );
        let fake = Fake::status(200);
        let set = SetOptions {
            base_url: Some(bad.into()),
            ..SetOptions::default()
        };
        assert_eq!(
            refused_code(store(&f, &fake, "azureopenai", &key, set)),
            ErrorCode::InvalidArgument
        );
        assert!(fake.sent().is_empty(), "{bad}");
    }
    assert_eq!(stored(&f, "azureopenai"), None);
    // Loopback and same-site paths are fine, as for verify.
    for good in [
        "http://localhost:11434",
        "http://127.0.0.1:8080/v1",
        "/api/azure",
    ] {
        assert_eq!(
            set_with_endpoint(&f, "azureopenai", &key, good)
                .base_url
                .as_deref(),
            Some(good)
        );
    }
}
