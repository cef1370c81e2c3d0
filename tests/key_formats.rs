//! The offline check against a corpus built independently of the provider
//! table: `tests/data/key-formats/variants.json` describes every key format
//! from public secret-scanner rules (each with its sources), and this test
//! builds well-formed synthetic keys and the mistakes people make with them
//! from a fixed seed, then checks what `validate` and `detectProvider` say.
//! A failure lists, per format, every case that came out wrong.

use byok_keyring::{detect_provider, validate, ValidationCode, RULES_VERSION};
use serde_json::Value;
use std::collections::BTreeMap;

const CORPUS: &str = include_str!("data/key-formats/variants.json");

/// A small deterministic generator (xorshift64*), so every run builds the
/// same keys.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn pick(&mut self, chars: &[u8]) -> char {
        chars[(self.next() % chars.len() as u64) as usize] as char
    }
}

fn chars_of(alphabet: &str) -> Vec<u8> {
    let range = |a: u8, b: u8| (a..=b).collect::<Vec<u8>>();
    let mut out = Vec::new();
    match alphabet {
        "urlsafe" | "alnum" | "letters" | "base64" => {
            out.extend(range(b'A', b'Z'));
            out.extend(range(b'a', b'z'));
            if alphabet != "letters" {
                out.extend(range(b'0', b'9'));
            }
            match alphabet {
                "urlsafe" => out.extend(b"-_"),
                // '=' only pads the end of real base64, so never inside.
                "base64" => out.extend(b"+/"),
                _ => {}
            }
        }
        "loweralnum" => {
            out.extend(range(b'a', b'z'));
            out.extend(range(b'0', b'9'));
        }
        "lowerhex" | "uuid" => {
            out.extend(range(b'0', b'9'));
            out.extend(range(b'a', b'f'));
        }
        "hex" => {
            out.extend(range(b'0', b'9'));
            out.extend(range(b'a', b'f'));
            out.extend(range(b'A', b'F'));
        }
        other => panic!("unknown alphabet {other} in the corpus"),
    }
    out
}

/// `prefix` + random characters of `alphabet` up to `len` in total, with
/// `marker` at its place and `ending` at the end.
fn build(
    rng: &mut Rng,
    prefix: &str,
    len: usize,
    alphabet: &str,
    marker: Option<(&str, usize)>,
    ending: &str,
) -> String {
    let chars = chars_of(alphabet);
    let mut key = String::from(prefix);
    while key.len() < len - ending.len() {
        match marker {
            Some((text, at)) if key.len() == at => key.push_str(text),
            _ if alphabet == "uuid" && matches!(key.len(), 8 | 13 | 18 | 23) => key.push('-'),
            _ => key.push(rng.pick(&chars)),
        }
    }
    key.push_str(ending);
    assert_eq!(key.len(), len, "recipe for {prefix}… does not add up");
    key
}

struct Variant {
    id: String,
    provider: String,
    prefix: String,
    lengths: (usize, usize),
    alphabet: String,
    marker: Option<(String, usize)>,
    ending: String,
    box_: String,
    expect: BTreeMap<String, String>,
}

fn variants(corpus: &Value) -> Vec<Variant> {
    let s = |v: &Value, k: &str| v[k].as_str().unwrap_or("").to_string();
    corpus["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let lengths = match &v["length"] {
                Value::Array(a) => (
                    a[0].as_u64().unwrap() as usize,
                    a[1].as_u64().unwrap() as usize,
                ),
                n => (n.as_u64().unwrap() as usize, n.as_u64().unwrap() as usize),
            };
            let provider = s(v, "provider");
            let box_ = match v["box"].as_str() {
                Some(b) => b.to_string(),
                None if provider == "groq" => "openai".into(),
                None => "groq".into(),
            };
            assert!(
                !v["sources"].as_array().unwrap().is_empty(),
                "{}: no source",
                s(v, "id")
            );
            Variant {
                id: s(v, "id"),
                provider,
                prefix: s(v, "prefix"),
                lengths,
                alphabet: s(v, "alphabet"),
                marker: v["marker"].as_array().map(|m| {
                    (
                        m[0].as_str().unwrap().to_string(),
                        m[1].as_u64().unwrap() as usize,
                    )
                }),
                ending: s(v, "ending"),
                box_,
                expect: v["expect"]
                    .as_object()
                    .map(|o| {
                        o.iter()
                            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                            .collect()
                    })
                    .unwrap_or_default(),
            }
        })
        .collect()
}

impl Variant {
    fn key(&self, rng: &mut Rng, len: usize) -> String {
        let marker = self.marker.as_ref().map(|(t, at)| (t.as_str(), *at));
        build(rng, &self.prefix, len, &self.alphabet, marker, &self.ending)
    }

    /// The well-formed keys: three of the shortest length, and for a range
    /// also the longest and one in between.
    fn good_keys(&self, rng: &mut Rng) -> Vec<String> {
        let (min, max) = self.lengths;
        let mut lens = vec![min, min, min];
        if max > min {
            lens.extend([max, (min + max) / 2]);
        }
        lens.into_iter().map(|n| self.key(rng, n)).collect()
    }

    /// The mistakes made with `key` (of the shortest length): name, what
    /// is pasted, the box it goes into, the code it must get by default.
    fn mistakes(&self, key: &str) -> Vec<(&'static str, String, String, &'static str)> {
        let own = || self.provider.clone();
        let n = key.len();
        let mid = self.prefix.len() + (n - self.prefix.len()) / 2;
        let wrong_box = if self.prefix.is_empty() {
            "bad_prefix"
        } else {
            "wrong_provider"
        };
        let mut out = vec![
            ("cut1", key[..n - 1].to_string(), own(), "too_short"),
            ("cut5", key[..n - 5].to_string(), own(), "too_short"),
            ("doubled", [key, key].concat(), own(), "too_long"),
            ("wrongBox", key.to_string(), self.box_.clone(), wrong_box),
            (
                "innerSpace",
                [&key[..mid], " ", &key[mid..]].concat(),
                own(),
                "bad_chars",
            ),
            (
                "innerNewline",
                [&key[..mid], "\n", &key[mid..]].concat(),
                own(),
                "bad_chars",
            ),
            ("quotes", ["\"", key, "\""].concat(), own(), "bad_chars"),
            ("singleQuotes", ["'", key, "'"].concat(), own(), "bad_chars"),
            (
                "longer",
                [key, &key[n - 3..]].concat(),
                own(),
                "unrecognized_format",
            ),
        ];
        if !self.ending.is_empty() {
            let cut = key[..n - self.ending.len()].to_string();
            out.push(("noEnding", cut.clone(), own(), "too_short"));
            // The right length, but not the ending every such key has.
            let other = "x".repeat(self.ending.len());
            out.push(("endingChanged", cut + &other, own(), "unrecognized_format"));
        }
        if let Some((text, at)) = &self.marker {
            out.push((
                "cutBeforeMarker",
                key[..*at].to_string(),
                own(),
                "too_short",
            ));
            let other: String = text.chars().rev().collect::<String>().replace('T', "x");
            let altered = [&key[..*at], &other, &key[at + text.len()..]].concat();
            out.push(("markerChanged", altered, own(), "unrecognized_format"));
        }
        out
    }
}

/// Every 9-character window of `secret` that `said` contains.
fn leaked(said: &str, secret: &str) -> Option<String> {
    let b = secret.as_bytes();
    (0..b.len().saturating_sub(8))
        .filter_map(|i| secret.get(i..i + 9))
        .find(|w| said.contains(w))
        .map(str::to_string)
}

#[test]
fn the_corpus_is_for_these_rules() {
    let corpus: Value = serde_json::from_str(CORPUS).unwrap();
    assert_eq!(corpus["rulesVersion"], RULES_VERSION);
    // Every built-in provider has at least one format in the corpus.
    let all = variants(&corpus);
    for p in byok_keyring::PROVIDERS {
        assert!(
            all.iter().any(|v| v.provider == p.id),
            "{} has no format in tests/data/key-formats/variants.json",
            p.id
        );
    }
}

#[test]
fn every_format_and_every_mistake_gets_its_code() {
    let corpus: Value = serde_json::from_str(CORPUS).unwrap();
    let mut rng = Rng(0x5eed_0fc0_ffee);
    let mut wrong: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut cases = 0;
    let all = variants(&corpus);
    let mut keys_of: BTreeMap<String, String> = BTreeMap::new();
    for v in &all {
        let mut fail = |what: String| wrong.entry(v.id.clone()).or_default().push(what);
        let good = v.good_keys(&mut rng);
        assert!(good.len() >= 3);
        keys_of.insert(v.id.clone(), good[0].clone());
        for (i, key) in good.iter().enumerate() {
            cases += 1;
            let r = validate(&v.provider, key);
            if r.code != ValidationCode::Ok || !r.valid {
                fail(format!("well-formed #{i}: {:?} ({})", r.code, r.message));
            }
            let expected = (!v.prefix.is_empty()).then_some(v.provider.as_str());
            let detected = detect_provider(key).map(|p| p.id);
            if detected != expected {
                fail(format!(
                    "well-formed #{i}: detectProvider {detected:?}, expected {expected:?}"
                ));
            }
            if let Some(w) = leaked(&r.message, key) {
                fail(format!("well-formed #{i}: message shows {w:?}"));
            }
        }
        for (name, text, box_, default) in v.mistakes(&good[0]) {
            cases += 1;
            let expected = v.expect.get(name).map_or(default, String::as_str);
            let r = validate(&box_, &text);
            let code = r.code.as_str();
            if code != expected {
                fail(format!(
                    "{name} (in the {box_} box): {code}, expected {expected} ({})",
                    r.message
                ));
            }
            if r.valid != r.code.is_valid() {
                fail(format!("{name}: valid {} with {code}", r.valid));
            }
            if expected == "wrong_provider" && r.detected != Some(v.provider.as_str()) {
                fail(format!("{name}: detected {:?}", r.detected));
            }
            if let Some(w) = leaked(&r.message, &text) {
                fail(format!("{name}: message shows {w:?}"));
            }
        }
    }
    // The non-keys people paste, each with its own message.
    for n in corpus["notKeys"].as_array().unwrap() {
        cases += 1;
        let name = n["case"].as_str().unwrap();
        let mut text = String::new();
        for part in n["parts"].as_array().unwrap() {
            match part {
                Value::String(s) => text.push_str(s),
                p if p.get("key").is_some() => text.push_str(&keys_of[p["key"].as_str().unwrap()]),
                p => {
                    let r = p["random"].as_array().unwrap();
                    let prefix = r[0].as_str().unwrap();
                    let len = prefix.len() + r[1].as_u64().unwrap() as usize;
                    text.push_str(&build(
                        &mut rng,
                        prefix,
                        len,
                        r[2].as_str().unwrap(),
                        None,
                        "",
                    ));
                }
            }
        }
        let box_ = n["box"].as_str().unwrap();
        let r = validate(box_, &text);
        let mut fail = |what: String| {
            wrong
                .entry(format!("not a key: {name}"))
                .or_default()
                .push(what)
        };
        if r.code != ValidationCode::NotAKey || r.valid {
            fail(format!("{} ({})", r.code.as_str(), r.message));
        }
        if let Some(w) = leaked(&r.message, &text) {
            fail(format!("message shows {w:?}"));
        }
    }
    if !wrong.is_empty() {
        let mut report = format!(
            "{} of {} formats or non-keys have wrong outcomes ({} cases in all):\n",
            wrong.len(),
            all.len() + corpus["notKeys"].as_array().unwrap().len(),
            cases
        );
        for (id, list) in &wrong {
            report.push_str(&format!("- {id}: {} wrong\n", list.len()));
            for w in list {
                report.push_str(&format!("    {w}\n"));
            }
        }
        panic!("{report}");
    }
    assert!(cases > 300, "only {cases} cases");
}

#[test]
fn a_damaged_key_in_its_own_box_is_damaged_not_another_providers() {
    // DeepSeek and OpenAI share "sk-"; the table's order never decides.
    let mut rng = Rng(7);
    let deepseek = build(&mut rng, "sk-", 35, "loweralnum", None, "");
    for cut in [&deepseek[..34], &deepseek[..30]] {
        let r = validate("deepseek", cut);
        assert_eq!(r.code, ValidationCode::TooShort, "{}", r.message);
        assert_eq!(detect_provider(cut).map(|p| p.id), None);
    }
    let r = validate("openai", &deepseek);
    assert_eq!(r.code, ValidationCode::WrongProvider);
    assert_eq!(r.detected, Some("deepseek"));
}
