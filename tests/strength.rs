//! Passphrase strength (`cargo test --test strength`): what
//! `passphrase_strength` says, and that `create` and `changePassphrase`
//! refuse a trivial passphrase without writing anything.

use byok_keyring::strength::{self, passphrase_strength, strength_with};
use byok_keyring::{flows, ErrorCode, Keyring, MemoryStorage, Options, RustKdf, State};
use std::cell::RefCell;

const PASS: &str = "correct horse battery";
const FAST: u32 = 100_000; // the minimum accepted; keeps tests quick

fn keyring(storage: &MemoryStorage, namespace: &str) -> RefCell<Keyring> {
    let o = Options {
        namespace: namespace.into(),
        iterations: FAST,
        ..Options::default()
    };
    RefCell::new(
        Keyring::new(o, Box::new(storage.clone()), Box::new(|| 1_700_000_000_000)).unwrap(),
    )
}

/// Trivial passphrases, the namespace of the keyring, and the warning.
const TRIVIAL: &[(&str, &str, &str)] = &[
    ("password", "default", strength::COMMON),
    ("baseball", "default", strength::COMMON),
    ("Password1234", "default", strength::COMMON_VARIANT),
    ("sunshine!!", "default", strength::COMMON_VARIANT),
    ("2024Football", "default", strength::COMMON_VARIANT),
    ("p@ssw0rd", "default", strength::COMMON_VARIANT),
    ("5unsh1ne", "default", strength::COMMON_VARIANT),
    ("aaaaaaaaaa", "default", strength::REPEATED_CHARACTER),
    ("########", "default", strength::REPEATED_CHARACTER),
    ("abcabcabc", "default", strength::REPEATED_PART),
    ("xq7!xq7!xq7!", "default", strength::REPEATED_PART),
    ("abcdefgh", "default", strength::SEQUENCE),
    ("12345678", "default", strength::SEQUENCE),
    ("87654321", "default", strength::SEQUENCE),
    ("ZYXWVUTSRQ", "default", strength::SEQUENCE),
    ("qwertyuiop", "default", strength::KEYBOARD),
    ("asdfghjkl", "default", strength::KEYBOARD),
    ("mnbvcxzlkjhgf", "default", strength::PATTERNS),
    ("1qaz2wsx", "default", strength::PATTERNS),
    ("qwerty123456", "default", strength::PATTERNS),
    ("alice2024!", "alice@example.com", strength::ACCOUNT_NAME),
    ("Zorblax-2024", "zorblax", strength::ACCOUNT_NAME),
    ("zorblaxzorblax", "zorblax", strength::ACCOUNT_NAME),
];

#[test]
fn each_trivial_pattern_is_score_zero_with_its_warning() {
    for &(p, ns, warning) in TRIVIAL {
        let s = passphrase_strength(p, Some(ns));
        assert_eq!(s.score, 0, "{p}");
        assert_eq!(s.warning, Some(warning), "{p}");
        assert!(!s.suggestions.is_empty(), "{p}");
    }
}

#[test]
fn create_refuses_each_trivial_pattern_and_writes_nothing() {
    for &(p, ns, warning) in TRIVIAL {
        let storage = MemoryStorage::new();
        let kr = keyring(&storage, ns);
        let err = pollster::block_on(flows::create(&kr, &RustKdf, &p.into())).unwrap_err();
        assert_eq!(err.code(), ErrorCode::WeakPassphrase, "{p}");
        assert_eq!(err.code().as_str(), "weak_passphrase");
        assert_eq!(err.message(), format!("{warning} Choose another."), "{p}");
        assert!(storage.dump().is_empty(), "{p}: something was written");
        assert_eq!(kr.borrow().state(), State::Empty);
    }
}

#[test]
fn change_passphrase_refuses_each_trivial_pattern_and_writes_nothing() {
    for &(p, ns, warning) in TRIVIAL {
        let storage = MemoryStorage::new();
        let kr = keyring(&storage, ns);
        pollster::block_on(flows::create(&kr, &RustKdf, &PASS.into())).unwrap();
        let before = storage.dump();
        let err = pollster::block_on(flows::change_passphrase(
            &kr,
            &RustKdf,
            &PASS.into(),
            &p.into(),
        ))
        .unwrap_err();
        assert_eq!(err.code(), ErrorCode::WeakPassphrase, "{p}");
        assert_eq!(err.message(), format!("{warning} Choose another."), "{p}");
        assert_eq!(storage.dump(), before, "{p}: the vault was rewritten");
        // The old passphrase still opens the vault.
        kr.borrow_mut().lock();
        pollster::block_on(flows::unlock(&kr, &RustKdf, &PASS.into())).unwrap();
    }
}

#[test]
fn strong_passphrases_are_accepted_by_create_and_change() {
    for (p, next) in [
        (
            "correct horse battery staple",
            "violet tugboat under seven lamps",
        ),
        ("Tr0ub4dor&3-gallop", "kdjwhqpx-mzrt-vlfn"),
        (
            "alice walks her llama at noon",
            "quiet llamas of alice lane",
        ),
    ] {
        assert!(passphrase_strength(p, None).score >= 3, "{p}");
        let storage = MemoryStorage::new();
        let kr = keyring(&storage, "alice@example.com");
        pollster::block_on(flows::create(&kr, &RustKdf, &p.into())).unwrap();
        pollster::block_on(flows::change_passphrase(
            &kr,
            &RustKdf,
            &p.into(),
            &next.into(),
        ))
        .unwrap();
        kr.borrow_mut().lock();
        pollster::block_on(flows::unlock(&kr, &RustKdf, &next.into())).unwrap();
    }
}

#[test]
fn scores_grow_with_length_and_variety() {
    let ladder = [
        "password",
        "kdjwhqpx",
        "kdjwhqpxmz",
        "kdjwhqpxmzrtv",
        "kdjwhqpx mzrt vlfn gsob",
    ];
    let scores: Vec<u8> = ladder
        .iter()
        .map(|p| passphrase_strength(p, None).score)
        .collect();
    assert_eq!(scores, [0, 2, 3, 4, 4]);
    // Variety adds to the same length.
    assert!(
        passphrase_strength("kdjw7q#X", None).score > passphrase_strength("kdjwhqpx", None).score
    );
    // Four or more different words score 4; the same word four times does not.
    assert_eq!(passphrase_strength("tuba lamp gravel otter", None).score, 4);
    assert_eq!(
        passphrase_strength("sunshine sunshine sunshine sunshine", None).score,
        0
    );
    // A run inside counts for little.
    assert!(
        passphrase_strength("kdjw12345678", None).score
            < passphrase_strength("kdjwhqpxmzrt", None).score
    );
    // Suggestions stop once the score is 3.
    assert!(passphrase_strength("kdjwhqpxmzrtv", None)
        .suggestions
        .is_empty());
    assert!(!passphrase_strength("kdjwhqpx", None).suggestions.is_empty());
}

#[test]
fn account_name_counts_for_nothing() {
    let ns = Some("alice@example.com");
    assert_eq!(passphrase_strength("alice2024!", ns).score, 0);
    assert_eq!(passphrase_strength("Alice-Alice", ns).score, 0);
    // Without the namespace the same text is not trivial.
    assert!(passphrase_strength("alice2024!", None).score > 0);
    // With enough besides the name it is fine.
    assert!(passphrase_strength("alice rides a purple tractor", ns).score >= 3);
    // The part after "@" is not the account name.
    assert!(passphrase_strength("example.com42x", ns).score > 0);
}

/// The messages are fixed sentences: two passphrases of the same kind get
/// the same words, and none holds a part of the passphrase.
#[test]
fn warnings_and_suggestions_never_contain_the_passphrase() {
    let samples = [
        ("zqxvzqxvzqxv", None),
        ("zzzzzzzzzz", None),
        ("vwxyz{|}", None),
        ("lkjhgfdsa", None),
        ("trustno1", None),
        ("Qu1ckZebraJ0gs", None),
        ("kdjwhqpxmzrtvl", None),
        ("qzvb", None),
        ("ghostly", None),
        ("mxyzptlk99!", Some("mxyzptlk")),
        ("xyzzy plugh frotz gnusto", None),
    ];
    for (p, ns) in samples {
        let s = passphrase_strength(p, ns);
        let lower = p.to_lowercase();
        let chars: Vec<char> = lower.chars().collect();
        for text in s.warning.iter().chain(s.suggestions) {
            let text = text.to_lowercase();
            for w in chars.windows(4) {
                let part: String = w.iter().collect();
                assert!(!text.contains(&part), "{p:?}: {text:?} holds {part:?}");
            }
        }
    }
    for kind in [
        ["password", "baseball"],
        ["aaaaaaaa", "99999999"],
        ["abcdefghij", "98765432"],
    ] {
        let a = passphrase_strength(kind[0], None);
        let b = passphrase_strength(kind[1], None);
        assert_eq!((a.warning, a.suggestions), (b.warning, b.suggestions));
    }
}

#[test]
fn min_passphrase_length_below_eight_is_refused() {
    for (n, ok) in [(7, false), (0, false), (8, true), (64, true)] {
        let o = Options {
            min_passphrase_length: n,
            ..Options::default()
        };
        let r = Keyring::new(o, Box::new(MemoryStorage::new()), Box::new(|| 0));
        assert_eq!(r.is_ok(), ok, "{n}");
        if let Err(e) = r {
            assert_eq!(e.code(), ErrorCode::InvalidArgument);
            assert!(e.message().contains("minPassphraseLength"));
        }
    }
}

/// The list: sorted, lowercase, unique, at least 8 characters (shorter ones
/// the length rule refuses), each entry refused and needed (an entry that
/// another rule or entry already refuses is bytes every user downloads for
/// nothing).
#[test]
fn the_common_list_is_sorted_and_every_entry_is_needed() {
    let data = include_str!("../src/strength/common-passwords.txt");
    let (header, list) = data.split_once("\n\n").unwrap();
    assert!(header.contains("MIT"));
    let entries: Vec<&str> = list.lines().collect();
    assert!(entries.len() >= 150, "{}", entries.len());
    for pair in entries.windows(2) {
        assert!(pair[0] < pair[1], "not sorted: {pair:?}");
    }
    for e in &entries {
        assert!(e.chars().count() >= 8, "{e}");
        assert_eq!(e.to_lowercase(), *e);
        assert!(strength::is_common(e.as_bytes()), "{e}");
        assert_eq!(
            passphrase_strength(e, None).warning,
            Some(strength::COMMON),
            "{e}"
        );
        let without = strength_with(e, None, &|s| s != e.as_bytes() && strength::is_common(s));
        assert_ne!(without.score, 0, "{e} is refused without its entry");
    }
    assert!(!strength::is_common(b"correct horse battery"));
    assert!(!strength::is_common(b""));
}

/// Regenerates src/strength/common-passwords.txt:
/// `npm pack @zxcvbn-ts/language-common@4.1.3`, unpack it, then
/// `ZXCVBN_PASSWORDS=package/src/passwords.json cargo test --test strength -- --ignored`.
#[test]
#[ignore = "needs the zxcvbn-ts list; see the doc comment"]
fn regenerate_common_list() {
    const TOP: usize = 1000;
    let path = std::env::var("ZXCVBN_PASSWORDS").expect("ZXCVBN_PASSWORDS");
    let ranked: Vec<String> =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let mut candidates: Vec<String> = ranked[..TOP]
        .iter()
        .map(|p| p.to_lowercase())
        .filter(|p| p.len() >= 8 && p.bytes().all(|b| b.is_ascii_graphic()))
        .collect();
    candidates.sort();
    candidates.dedup();
    let all: std::collections::HashSet<&[u8]> = candidates.iter().map(|s| s.as_bytes()).collect();
    let kept: std::collections::HashSet<&[u8]> = all
        .iter()
        .copied()
        .filter(|e| {
            let e = std::str::from_utf8(e).unwrap();
            strength_with(e, None, &|s| s != e.as_bytes() && all.contains(s)).score != 0
        })
        .collect();
    for e in &candidates {
        let s = strength_with(e, None, &|s| kept.contains(s));
        assert_eq!(s.score, 0, "{e} is accepted by the pruned list");
    }
    let mut kept: Vec<&str> = kept
        .into_iter()
        .map(|e| std::str::from_utf8(e).unwrap())
        .collect();
    kept.sort();
    let text = format!(
        "# Common passwords for src/strength.rs: the first {TOP} of passwords.json in\n\
         # @zxcvbn-ts/language-common 4.1.3 (npm; MIT, (c) Dan Wheeler, Dropbox, zxcvbn-ts)\n\
         # of 8+ ASCII characters, lowercased, less those other rules refuse; sorted.\n\
         # Made by regenerate_common_list in tests/strength.rs.\n\n{}\n",
        kept.join("\n")
    );
    std::fs::write(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/src/strength/common-passwords.txt"
        ),
        text,
    )
    .unwrap();
    eprintln!("{} of {} candidates kept", kept.len(), candidates.len());
}
