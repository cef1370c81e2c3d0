//! The TypeScript declarations (`src/wasm/types.rs`, shipped in the
//! package's `.d.ts`) list exactly what the Rust code produces: the provider
//! ids of the table and the string forms of the enums. A provider or a code
//! added on one side only fails here.

use byok_keyring::keyring::{ChangeKind, State};
use byok_keyring::verify::VerifyCode;
use byok_keyring::{ErrorCode, Source, ValidationCode, PROVIDERS};

fn declarations() -> String {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/wasm/types.rs"))
        .expect("src/wasm/types.rs");
    // The TypeScript is in raw strings: r#" ... "#.
    let ts: Vec<&str> = text
        .split("r#\"")
        .skip(1)
        .map(|s| &s[..s.find("\"#").expect("a raw string ends with \"#")])
        .collect();
    assert!(!ts.is_empty(), "no TypeScript found in src/wasm/types.rs");
    strip_comments(&ts.join("\n"))
}

/// The text without `/* ... */` and `// ...` comments (outside strings).
fn strip_comments(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("/*") {
            rest = after.find("*/").map_or("", |i| &after[i + 2..]);
        } else if rest.starts_with("//") {
            rest = rest.find('\n').map_or("", |i| &rest[i..]);
        } else if rest.starts_with('"') {
            let end = rest[1..].find('"').map_or(rest.len(), |i| i + 2);
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// The string literals of the union declared after `head` (up to its `;`).
fn union_after(decls: &str, head: &str) -> Vec<String> {
    let start = decls
        .find(head)
        .unwrap_or_else(|| panic!("no `{head}` in src/wasm/types.rs"));
    let body = &decls[start + head.len()..];
    let body = &body[..body.find(';').expect("the union ends with ;")];
    let mut out = Vec::new();
    for (i, part) in body.split('"').enumerate() {
        if i % 2 == 1 {
            out.push(part.to_string());
        } else {
            assert!(
                part.chars().all(|c| c.is_whitespace() || c == '|'),
                "`{head}` is not a plain union of strings: {part:?}"
            );
        }
    }
    out
}

fn union(decls: &str, name: &str) -> Vec<String> {
    union_after(decls, &format!("export type {name} ="))
}

fn strings(v: impl IntoIterator<Item = &'static str>) -> Vec<String> {
    v.into_iter().map(String::from).collect()
}

#[test]
fn provider_ids_are_the_table() {
    assert_eq!(
        union(&declarations(), "BuiltinProviderId"),
        strings(PROVIDERS.iter().map(|p| p.id))
    );
}

#[test]
fn validation_codes() {
    assert_eq!(
        union(&declarations(), "ValidationCode"),
        strings(ValidationCode::ALL.map(ValidationCode::as_str))
    );
}

#[test]
fn keyring_error_codes() {
    let mut expected = strings(ErrorCode::ALL.map(ErrorCode::as_str));
    // The one code not from Rust: thrown by the package entry before init().
    expected.push("not_initialized".into());
    assert_eq!(union(&declarations(), "KeyringErrorCode"), expected);
    let index = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/js/index.js"))
        .expect("js/index.js");
    assert!(index.contains("\"not_initialized\""));
}

#[test]
fn verification_codes() {
    assert_eq!(
        union(&declarations(), "VerificationCode"),
        strings(VerifyCode::ALL.map(VerifyCode::as_str))
    );
}

#[test]
fn sources() {
    // Every variant (the match fails to compile when one is added).
    let all = [Source::User, Source::Platform, Source::None];
    for s in all {
        match s {
            Source::User | Source::Platform | Source::None => {}
        }
    }
    assert_eq!(
        union(&declarations(), "Source"),
        strings(all.map(Source::as_str))
    );
}

#[test]
fn keyring_states() {
    let all = [State::Empty, State::Locked, State::Unlocked];
    for s in all {
        match s {
            State::Empty | State::Locked | State::Unlocked => {}
        }
    }
    assert_eq!(
        union(&declarations(), "KeyringState"),
        strings(all.map(State::as_str))
    );
}

#[test]
fn change_event_types() {
    use ChangeKind::*;
    let all = [
        Created,
        Unlocked,
        Locked,
        Set,
        Removed,
        Enabled,
        Rekeyed,
        Reset,
        External,
        UpgradeFailed,
    ];
    for k in all {
        match k {
            Created | Unlocked | Locked | Set | Removed | Enabled | Rekeyed | Reset | External
            | UpgradeFailed => {}
        }
    }
    // serde's snake_case names, as JSON strings.
    let expected: Vec<String> = all
        .iter()
        .map(|k| {
            serde_json::to_value(k)
                .unwrap()
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let decls = declarations();
    let event = &decls[decls
        .find("export interface ChangeEvent")
        .expect("ChangeEvent")..];
    assert_eq!(union_after(event, "type:"), expected);
}

#[test]
fn the_parser_reads_what_it_should() {
    let decls = strip_comments(
        "/** a \"quoted\" */ export type X =\n  | \"a\" /* b */ | \"c\" // \"d\"\n  | \"e\";",
    );
    assert_eq!(union(&decls, "X"), ["a", "c", "e"]);
}
