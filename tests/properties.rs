//! Property tests of the stored format, mask and validate: `cargo test --test properties`.
//!
//! - the stored format: serialize → parse is the identity; parse never
//!   panics, on arbitrary bytes, on vault texts with random edits, and on JSON
//!   of the vault's shape with hostile values; whatever it accepts satisfies
//!   the documented limits and round-trips;
//! - `mask`: always 16 characters, reveals at most the first and last 4
//!   characters of the trimmed key and nothing of a key under 20;
//! - `validate`: never panics; `normalized` is always the trimmed input;
//!   surrounding whitespace never changes the verdict.
//!
//! `PROPTEST_CASES=10000 cargo test --test properties` runs longer.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use byok_keyring::crypto::Sealed;
use byok_keyring::format::{self, KdfParams, Record, Vault};
use byok_keyring::{detect_provider, mask, validate, ValidationCode, PROVIDERS};
use common::assert_no_window;
use proptest::prelude::*;
use serde_json::{json, Map, Value};

fn ids() -> Vec<&'static str> {
    PROVIDERS.iter().map(|p| p.id).collect()
}

fn cases(n: u32) -> ProptestConfig {
    // PROPTEST_CASES, when set, overrides the per-test default.
    let n = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(n);
    ProptestConfig {
        cases: n,
        // A failure prints its minimal input; nothing is written to the tree.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

// ---------------------------------------------------------------- strategies

fn sealed(min: usize, max: usize) -> impl Strategy<Value = Sealed> {
    (
        any::<[u8; 12]>(),
        prop::collection::vec(any::<u8>(), min..=max),
    )
        .prop_map(|(nonce, ciphertext)| Sealed { nonce, ciphertext })
}

fn chars(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(any::<char>(), 0..=max).prop_map(String::from_iter)
}

/// A record ciphertext: the tag and 1 to 9 blocks of padded key.
fn record_sealed() -> impl Strategy<Value = Sealed> {
    (any::<[u8; 12]>(), 1usize..=9).prop_flat_map(|(nonce, blocks)| {
        prop::collection::vec(any::<u8>(), 16 + blocks * format::PAD_TO)
            .prop_map(move |ciphertext| Sealed { nonce, ciphertext })
    })
}

fn record() -> impl Strategy<Value = Record> {
    (
        record_sealed(),
        chars(16),
        // at most 64 characters of at most 4 bytes: within MAX_MODEL_LEN
        // (an empty model is stored as no model)
        prop::option::of(chars(64)).prop_map(|m| m.filter(|m| !m.is_empty())),
        prop::option::of("https://[a-z]{1,20}\\.example/v1"),
        any::<bool>(),
        moment(),
        moment(),
        prop::option::of(moment()),
    )
        .prop_map(
            |(sealed, masked, model, base_url, enabled, created_at, updated_at, expires_at)| {
                Record {
                    sealed,
                    masked,
                    model,
                    base_url,
                    enabled,
                    created_at,
                    updated_at,
                    expires_at,
                }
            },
        )
}

fn provider_map<T: std::fmt::Debug>(
    value: impl Strategy<Value = T>,
) -> impl Strategy<Value = litemap::LiteMap<String, T>> {
    prop::collection::btree_map(
        prop::sample::select(ids()).prop_map(String::from),
        value,
        0..5,
    )
    .prop_map(|m| m.into_iter().collect())
}

/// A passkey slot under a slot id of the shape this version writes.
fn passkey_slot() -> impl Strategy<Value = (String, format::Slot)> {
    (
        "[0-9a-f]{12}",
        prop::collection::vec(any::<u8>(), 1..=64),
        any::<[u8; 32]>(),
        "[^\\p{C}]{0,64}",
        prop::option::of("[a-z0-9-]{1,20}(\\.[a-z0-9-]{1,20}){0,2}"),
        moment(),
        sealed(48, 48),
    )
        .prop_map(
            |(suffix, credential, salt, name, rp_id, created_at, wrapped)| {
                let kind = format::SlotKind::Passkey(format::Passkey {
                    credential,
                    salt,
                    name,
                    rp_id,
                    created_at,
                });
                (
                    [format::PASSKEY_SLOT_PREFIX, &suffix].concat(),
                    format::Slot { kind, wrapped },
                )
            },
        )
}

/// Any vault this version may write.
fn vault() -> impl Strategy<Value = Vault> {
    (
        (
            any::<[u8; 16]>(),
            any::<[u8; 16]>(),
            format::MIN_ITERATIONS..=format::MAX_ITERATIONS,
            sealed(48, 48),
            any::<[u8; 32]>(),
        ),
        provider_map(record()),
        provider_map(any::<[u8; 32]>()),
        provider_map(moment()),
        provider_map(moment()),
        (any::<bool>(), prop::collection::vec(passkey_slot(), 0..3)),
    )
        .prop_map(
            |(
                (id, salt, iterations, wrapped, mac),
                records,
                macs,
                removed,
                disabled,
                (with_passphrase, passkeys),
            )| {
                let slot = format::Slot {
                    kind: format::SlotKind::Passphrase(KdfParams { salt, iterations }),
                    wrapped,
                };
                // At least one slot: a passphrase, passkeys, or both.
                let passphrase = (with_passphrase || passkeys.is_empty())
                    .then(|| (format::PASSPHRASE_SLOT.to_string(), slot));
                Vault {
                    id,
                    slots: passphrase.into_iter().chain(passkeys).collect(),
                    records,
                    macs,
                    removed,
                    disabled,
                    mac,
                    legacy: None,
                }
            },
        )
}

/// A hostile JSON scalar: wrong types, extreme numbers, odd strings.
fn scalar() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        prop::collection::vec(any::<u8>(), 0..40).prop_map(|b| Value::from(B64.encode(b))),
        any::<String>().prop_map(Value::from),
        Just(json!([])),
        Just(json!({})),
    ]
    .boxed()
}

/// Nearly always `valid` (for the parts of a shape that must all be valid
/// for the whole to be accepted).
fn nearly(valid: impl Strategy<Value = Value> + 'static) -> BoxedStrategy<Value> {
    prop_oneof![30 => valid, 1 => scalar()].boxed()
}

/// Usually `valid`, sometimes hostile.
fn mostly(valid: impl Strategy<Value = Value> + 'static) -> BoxedStrategy<Value> {
    prop_oneof![5 => valid, 1 => scalar()].boxed()
}

fn b64_of(n: usize) -> impl Strategy<Value = Value> {
    prop::collection::vec(any::<u8>(), n..=n).prop_map(|b| Value::from(B64.encode(b)))
}

fn b64_range(min: usize, max: usize) -> impl Strategy<Value = Value> {
    prop::collection::vec(any::<u8>(), min..=max).prop_map(|b| Value::from(B64.encode(b)))
}

fn object(fields: Vec<(&'static str, Option<Value>)>, extra: Option<(String, Value)>) -> Value {
    let mut m = Map::new();
    for (k, v) in fields {
        if let Some(v) = v {
            m.insert(k.to_string(), v);
        }
    }
    if let Some((k, v)) = extra {
        m.insert(k, v);
    }
    Value::Object(m)
}

/// A record ciphertext: usually a valid length (the tag and whole blocks of
/// padded key), sometimes any length.
fn record_ct() -> BoxedStrategy<Value> {
    prop_oneof![
        3 => (1usize..=4).prop_flat_map(|blocks| b64_of(16 + blocks * format::PAD_TO)),
        1 => b64_range(0, 300),
    ]
    .boxed()
}

/// `version` 1 records have no `baseUrl`.
fn record_json(version: u8) -> impl Strategy<Value = Value> {
    (
        (
            prop::option::weighted(0.95, mostly(b64_of(12))),
            prop::option::weighted(0.95, mostly(record_ct())),
            prop::option::weighted(0.95, mostly(chars(20).prop_map(Value::from))),
            prop::option::of(mostly(chars(80).prop_map(Value::from))),
            prop::option::weighted(
                if version == 2 { 0.3 } else { 0.02 },
                mostly("https://[a-z]{1,10}\\.example".prop_map(Value::from)),
            ),
        ),
        prop::option::weighted(0.95, mostly(any::<bool>().prop_map(Value::from))),
        prop::option::weighted(0.95, mostly(any::<u64>().prop_map(Value::from))),
        prop::option::weighted(0.95, mostly(any::<u64>().prop_map(Value::from))),
        prop::option::of(mostly(any::<u64>().prop_map(Value::from))),
        prop::option::weighted(0.05, ("[a-zA-Z]{1,8}", scalar())),
    )
        .prop_map(
            |((nonce, ct, masked, model, base_url), enabled, c, u, e, extra)| {
                object(
                    vec![
                        ("nonce", nonce),
                        ("ct", ct),
                        ("masked", masked),
                        ("model", model),
                        ("baseUrl", base_url),
                        ("enabled", enabled),
                        ("createdAt", c),
                        ("updatedAt", u),
                        ("expiresAt", e),
                    ],
                    extra,
                )
            },
        )
}

fn kdf_json() -> impl Strategy<Value = Value> {
    (
        prop::option::weighted(0.95, mostly(Just(Value::from(format::KDF_NAME)))),
        prop::option::weighted(
            0.95,
            prop_oneof![
                3 => (format::MIN_ITERATIONS..=format::MAX_ITERATIONS).prop_map(Value::from),
                1 => (0u64..=u64::MAX).prop_map(Value::from),
                1 => scalar(),
            ],
        ),
        prop::option::weighted(0.95, mostly(b64_of(16))),
    )
        .prop_map(|(name, iterations, salt)| {
            object(
                vec![("name", name), ("iterations", iterations), ("salt", salt)],
                None,
            )
        })
}

/// An object keyed by provider ids (sometimes any string).
fn by_provider(value: BoxedStrategy<Value>) -> impl Strategy<Value = Value> {
    prop::collection::btree_map(
        prop_oneof![
            12 => prop::sample::select(ids()).prop_map(String::from),
            1 => any::<String>(),
        ],
        value,
        0..4,
    )
    .prop_map(|m| Value::Object(m.into_iter().collect()))
}

/// JSON of the version 1 shape, with hostile values in random places.
fn vault_v1_json() -> impl Strategy<Value = Value> {
    let check = (
        prop::option::weighted(0.95, mostly(b64_of(12))),
        prop::option::weighted(
            0.95,
            mostly(prop_oneof![3 => b64_of(16), 1 => b64_range(0, 40)]),
        ),
    )
        .prop_map(|(nonce, ct)| object(vec![("nonce", nonce), ("ct", ct)], None));
    (
        prop::option::weighted(0.97, prop_oneof![8 => Just(Value::from(1)), 1 => scalar()]),
        prop::option::weighted(0.97, mostly(kdf_json())),
        prop::option::weighted(0.97, mostly(check)),
        prop::option::of(mostly(by_provider(record_json(1).boxed()))),
        prop::option::weighted(0.03, ("[a-zA-Z]{1,8}", scalar())),
    )
        .prop_map(|(v, kdf, check, records, extra)| {
            object(
                vec![
                    ("v", v),
                    ("kdf", kdf),
                    ("check", check),
                    ("records", records),
                ],
                extra,
            )
        })
}

/// JSON of the version 2 shape, with hostile values in random places.
fn vault_v2_json() -> impl Strategy<Value = Value> {
    let slot = (
        prop::option::weighted(0.99, nearly(Just(Value::from("passphrase")))),
        prop::option::weighted(0.99, nearly(kdf_json())),
        prop::option::weighted(0.99, nearly(b64_of(12))),
        prop::option::weighted(
            0.99,
            nearly(prop_oneof![8 => b64_of(48), 1 => b64_range(0, 80)]),
        ),
    )
        .prop_map(|(kind, kdf, nonce, key)| {
            object(
                vec![("kind", kind), ("kdf", kdf), ("nonce", nonce), ("key", key)],
                None,
            )
        });
    let slots = prop::collection::btree_map(
        prop_oneof![12 => Just("passphrase".to_string()), 1 => any::<String>()],
        slot,
        0..3,
    )
    .prop_map(|m| Value::Object(m.into_iter().collect()));
    let time = || mostly(any::<u64>().prop_map(Value::from));
    (
        (
            prop::option::weighted(0.99, prop_oneof![20 => Just(Value::from(2)), 1 => scalar()]),
            prop::option::weighted(0.99, nearly(b64_of(16))),
            prop::option::weighted(0.99, nearly(slots)),
            prop::option::weighted(0.99, nearly(b64_of(32))),
        ),
        prop::option::of(mostly(by_provider(record_json(2).boxed()))),
        prop::option::weighted(0.5, mostly(by_provider(mostly(b64_of(32))))),
        prop::option::weighted(0.3, mostly(by_provider(time()))),
        prop::option::weighted(0.3, mostly(by_provider(time()))),
        prop::option::weighted(0.03, ("[a-zA-Z]{1,8}", scalar())),
    )
        .prop_map(
            |((v, id, slots, mac), records, macs, removed, disabled, extra)| {
                object(
                    vec![
                        ("v", v),
                        ("id", id),
                        ("slots", slots),
                        ("records", records),
                        ("macs", macs),
                        ("removed", removed),
                        ("disabled", disabled),
                        ("mac", mac),
                    ],
                    extra,
                )
            },
        )
}

/// JSON of either version's shape, with hostile values in random places.
fn vault_json() -> impl Strategy<Value = Value> {
    prop_oneof![vault_v1_json(), vault_v2_json()]
}

/// An edit of a text: (where, how much to delete, what to insert).
fn edits() -> impl Strategy<Value = Vec<(prop::sample::Index, usize, String)>> {
    prop::collection::vec(
        (
            any::<prop::sample::Index>(),
            0usize..4,
            prop_oneof![
                Just(String::new()),
                "[\\[\\]{}\":,0-9a-zA-Z+/= .-]{1,3}",
                any::<char>().prop_map(String::from),
            ],
        ),
        1..4,
    )
}

fn apply(text: &str, edits: &[(prop::sample::Index, usize, String)]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for (at, del, ins) in edits {
        let i = if chars.is_empty() {
            0
        } else {
            at.index(chars.len() + 1)
        };
        let end = (i + del).min(chars.len());
        chars.splice(i..end, ins.chars());
    }
    chars.into_iter().collect()
}

/// What every accepted vault must satisfy (docs/FORMAT.md), and that
/// writing it back and reading it again gives the same vault.
fn check_accepted(text: &str) -> Result<(), TestCaseError> {
    if let Ok(v) = Vault::parse(text) {
        prop_assert!(text.len() <= format::MAX_VAULT_BYTES);
        if let Some(kdf) = v.passphrase_kdf() {
            prop_assert!(
                (format::MIN_ITERATIONS..=format::MAX_ITERATIONS).contains(&kdf.iterations)
            );
        }
        if let Some(legacy) = &v.legacy {
            prop_assert_eq!(legacy.check.ciphertext.len(), 16);
        } else {
            prop_assert!(!v.slots.is_empty());
            for s in v.slots.values() {
                prop_assert_eq!(s.wrapped.ciphertext.len(), 48);
            }
        }
        for (p, r) in &v.records {
            // A provider id (built in, or one an app defines).
            prop_assert!(byok_keyring::validate::shown_id(p) == p, "record for {p:?}");
            prop_assert!(r.sealed.ciphertext.len() >= format::PAD_TO + 16);
            prop_assert!(r.sealed.ciphertext.len() <= format::MAX_RECORD_CIPHERTEXT);
            prop_assert!(r.masked.chars().count() <= 16);
            prop_assert!(r.model.as_ref().is_none_or(|m| m.len() <= 256));
        }
        let again = v.to_json().unwrap();
        prop_assert_eq!(Vault::parse(&again), Ok(v));
    }
    Ok(())
}

/// A stored moment: a whole number of milliseconds that a JavaScript number
/// holds exactly (docs/FORMAT.md), the range the format accepts.
fn moment() -> impl Strategy<Value = u64> {
    0..=(1u64 << 53) - 1
}

// ---------------------------------------------------------------- format

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn serialize_then_parse_is_the_identity(v in vault()) {
        let text = v.to_json().unwrap();
        let parsed = Vault::parse(&text);
        prop_assert_eq!(parsed.as_ref(), Ok(&v));
        // and the text is stable: what is read is written back unchanged
        prop_assert_eq!(parsed.unwrap().to_json().unwrap(), text);
    }

    #[test]
    fn parse_survives_edits_of_a_real_vault(v in vault(), e in edits()) {
        let text = apply(&v.to_json().unwrap(), &e);
        check_accepted(&text)?;
    }
}

proptest! {
    #![proptest_config(cases(2000))]

    #[test]
    fn parse_never_panics_on_arbitrary_bytes(b in prop::collection::vec(any::<u8>(), 0..600)) {
        check_accepted(&String::from_utf8_lossy(&b))?;
    }

    #[test]
    fn parse_never_panics_on_arbitrary_text(s in any::<String>()) {
        check_accepted(&s)?;
    }

    /// The strength estimate runs on every keystroke of a passphrase field,
    /// on whatever a person (or a script) types: no input makes it panic,
    /// and the score is 0..=4 with a warning exactly when it is 0.
    #[test]
    fn passphrase_strength_never_panics(p in any::<String>(), ns in prop::option::of(any::<String>())) {
        let s = byok_keyring::passphrase_strength(&p, ns.as_deref());
        prop_assert!(s.score <= 4);
        if s.score == 0 {
            prop_assert!(s.warning.is_some());
        }
    }

    #[test]
    fn parse_never_panics_on_hostile_json_of_the_vault_shape(j in vault_json()) {
        check_accepted(&j.to_string())?;
    }
}

#[test]
fn hostile_json_generator_reaches_accepted_vaults() {
    // The shaped generator must produce vaults parse accepts, or the property
    // above would test only the refusals.
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let strategy = vault_json();
    let (mut ok, mut refused) = ([0, 0], 0);
    for _ in 0..2000 {
        let j = strategy.new_tree(&mut runner).unwrap().current();
        match Vault::parse(&j.to_string()) {
            Ok(v) => ok[usize::from(v.legacy.is_none())] += 1,
            Err(_) => refused += 1,
        }
    }
    eprintln!("shaped JSON: accepted {ok:?} (version 1, version 2), refused {refused}");
    assert!(
        ok[0] >= 20 && ok[1] >= 20 && refused >= 20,
        "accepted {ok:?}, refused {refused}"
    );
}

// ---------------------------------------------------------------- mask

const DOT: char = '•';

/// What JavaScript's `String.prototype.trim` removes, written out from the
/// ECMAScript specification (WhiteSpace: TAB, VT, FF, ZWNBSP and the Zs
/// category of Unicode 15; LineTerminator: LF, CR, LS, PS), independently of
/// the crate's own table.
const JS_WHITESPACE: &[char] = &[
    '\u{9}', '\u{b}', '\u{c}', '\u{feff}', '\u{20}', '\u{a0}', '\u{1680}', '\u{2000}', '\u{2001}',
    '\u{2002}', '\u{2003}', '\u{2004}', '\u{2005}', '\u{2006}', '\u{2007}', '\u{2008}', '\u{2009}',
    '\u{200a}', '\u{202f}', '\u{205f}', '\u{3000}', '\u{a}', '\u{d}', '\u{2028}', '\u{2029}',
];

/// `s.trim()` as JavaScript computes it.
fn js_trim(s: &str) -> &str {
    s.trim_matches(|c| JS_WHITESPACE.contains(&c))
}

/// Every character that Rust or JavaScript counts as whitespace.
fn any_whitespace() -> impl Strategy<Value = char> {
    prop_oneof![
        prop::sample::select(JS_WHITESPACE),
        prop::sample::select(
            (0..=0x10ffffu32)
                .filter_map(char::from_u32)
                .filter(|c| c.is_whitespace())
                .collect::<Vec<_>>()
        ),
    ]
}

/// Strings people paste: key-like text with whitespace around, plus anything.
fn pasted() -> impl Strategy<Value = String> {
    prop_oneof![
        (
            "[ \t\r\n]{0,3}",
            "[A-Za-z0-9_+/=.-]{0,300}",
            "[ \t\r\n]{0,3}"
        )
            .prop_map(|(a, k, b)| format!("{a}{k}{b}")),
        any::<String>(),
        chars(40),
    ]
}

proptest! {
    #![proptest_config(cases(1000))]

    #[test]
    fn mask_and_validate_trim_exactly_what_javascript_trims(
        ws in prop::collection::vec(any_whitespace(), 1..4),
        p in prop::sample::select(byok_keyring::PROVIDERS.iter().map(|p| p.id).collect::<Vec<_>>()),
        seed in any::<u64>(),
    ) {
        let key = common::key_seeded(p, seed);
        let pad: String = ws.iter().collect();
        let padded = format!("{pad}{key}{pad}");
        // mask sees the key JavaScript's trim() leaves, whatever the character.
        let expected = mask(js_trim(&padded));
        prop_assert_eq!(mask(&padded), expected.clone());
        let normalized = validate(p, &padded).normalized.clone();
        if ws.iter().all(|c| JS_WHITESPACE.contains(c)) {
            prop_assert_eq!(expected, mask(&key));
            prop_assert_eq!(normalized.as_deref(), Some(key.as_str()));
        } else {
            // A character only Rust calls whitespace (U+0085) stays part of
            // the key, so the key is not the bare key any more.
            prop_assert_ne!(normalized.as_deref(), Some(key.as_str()));
        }
    }

    #[test]
    fn mask_reveals_at_most_the_first_and_last_four(s in pasted()) {
        let m: Vec<char> = mask(&s).chars().collect();
        prop_assert_eq!(m.len(), 16);
        prop_assert!(m[4..12].iter().all(|c| *c == DOT));
        let k: Vec<char> = js_trim(&s).chars().collect();
        if k.len() < 20 {
            prop_assert!(m.iter().all(|c| *c == DOT), "a key of {} characters revealed", k.len());
        } else {
            prop_assert_eq!(&m[..4], &k[..4]);
            prop_assert_eq!(&m[12..], &k[k.len() - 4..]);
        }
        // so at most 8 characters of the key appear, and never 9 in a row
        prop_assert!(m.iter().filter(|c| **c != DOT).count() <= 8);
        if !s.contains(DOT) {
            assert_no_window(&m.iter().collect::<String>(), &s, "mask");
        }
    }

    #[test]
    fn mask_length_does_not_depend_on_the_input(a in pasted(), b in pasted()) {
        prop_assert_eq!(mask(&a).chars().count(), mask(&b).chars().count());
    }
}

// ---------------------------------------------------------------- validate

fn provider_arg() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(ids()).prop_map(String::from),
        1 => any::<String>(),
        1 => "[a-z]{0,12}",
    ]
}

/// Key-like input built on a provider's prefix, and anything else.
fn key_arg() -> impl Strategy<Value = String> {
    let prefixes: Vec<&'static str> = PROVIDERS.iter().flat_map(|p| p.prefixes()).collect();
    prop_oneof![
        (prop::sample::select(prefixes), "[A-Za-z0-9_-]{0,200}")
            .prop_map(|(p, b)| format!("{p}{b}")),
        pasted(),
    ]
}

proptest! {
    #![proptest_config(cases(1000))]

    #[test]
    fn validate_never_panics_and_normalized_is_the_trimmed_input(
        p in provider_arg(),
        k in key_arg(),
        before in "[ \t\r\n\u{a0}]{0,3}",
        after in "[ \t\r\n\u{a0}]{0,3}",
    ) {
        let v = validate(&p, &k);
        let known = byok_keyring::providers::find(&p).is_some();
        match &v.normalized {
            Some(n) => prop_assert_eq!(n.as_str(), js_trim(&k)),
            None => prop_assert!(!known || js_trim(&k).is_empty()),
        }
        prop_assert_eq!(
            v.valid,
            matches!(v.code, ValidationCode::Ok | ValidationCode::UnrecognizedFormat)
        );
        prop_assert!(!v.message.is_empty());
        // The message never echoes the key (the provider id may be echoed).
        if !p.contains(js_trim(&k)) {
            assert_no_window(&v.message, &k, "validation message");
            assert_no_window(&format!("{v:?}"), &k, "validation Debug");
        }
        // Surrounding whitespace changes nothing but the input.
        let w = validate(&p, &format!("{before}{k}{after}"));
        prop_assert_eq!(
            (w.valid, w.code, &w.message, w.detected, &w.normalized),
            (v.valid, v.code, &v.message, v.detected, &v.normalized)
        );
        prop_assert_eq!(detect_provider(&format!("{before}{k}{after}")).map(|d| d.id), detect_provider(&k).map(|d| d.id));
    }

    #[test]
    fn realistic_keys_with_whitespace_are_valid_and_normalized(
        i in 0..PROVIDERS.len(),
        seed in any::<u64>(),
        before in "[ \t\r\n]{0,3}",
        after in "[ \t\r\n]{0,3}",
    ) {
        let p = PROVIDERS[i].id;
        let k = common::key_seeded(p, seed);
        let v = validate(p, &format!("{before}{k}{after}"));
        prop_assert!(v.valid, "{}: {}", p, v.message);
        prop_assert_eq!(v.normalized.as_deref(), Some(k.as_str()));
    }

    #[test]
    fn pad_then_unpad_is_the_identity(k in "[^\\x00]{0,300}") {
        let p = format::pad(k.as_bytes());
        prop_assert!(p.len() >= format::PAD_TO && p.len() % format::PAD_TO == 0);
        prop_assert_eq!(format::unpad(&p), k.as_bytes());
    }
}
