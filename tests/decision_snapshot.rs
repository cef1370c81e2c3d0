//! The credit decision's snapshot (what the JavaScript entry answers
//! `isByok` from) agrees with the keyring at every moment, until the
//! keyring's generation changes; and the generation changes with every kind
//! of change that can move an answer.

mod common;

use byok_keyring::{flows, Keyring, MemoryStorage, Options, RustKdf, SetOptions};
use common::key;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

const PASS: &str = "correct horse battery";
const START: u64 = 1_700_000_000_000;

struct Fixture {
    kr: RefCell<Keyring>,
    now: Rc<Cell<u64>>,
}

fn fixture(auto_lock_ms: Option<u64>) -> Fixture {
    let now = Rc::new(Cell::new(START));
    let clock = {
        let now = now.clone();
        Box::new(move || now.get())
    };
    let opts = Options {
        iterations: byok_keyring::limits::MIN_ITERATIONS,
        auto_lock_ms,
        ..Options::default()
    };
    let kr = Keyring::new(opts, Box::new(MemoryStorage::new()), clock).unwrap();
    Fixture {
        kr: RefCell::new(kr),
        now,
    }
}

const PROVIDERS: [&str; 5] = ["groq", "xai", "openai", "nope", ""];

/// From a snapshot taken now, the answer at each later moment equals the
/// keyring's own answer at that moment (the clock moved, nothing else).
fn agrees_from_now_on(f: &Fixture, moments: &[u64], what: &str) {
    let snapshot = f.kr.borrow().snapshot();
    let generation = f.kr.borrow().generation();
    let start = f.now.get();
    for &t in moments {
        f.now.set(t);
        for p in PROVIDERS {
            assert_eq!(
                snapshot.is_byok(p, t),
                f.kr.borrow().is_byok(p),
                "{what}: {p} at +{} ms",
                t.saturating_sub(START)
            );
        }
        assert_eq!(
            f.kr.borrow().generation(),
            generation,
            "{what}: asking changed nothing"
        );
    }
    f.now.set(start);
}

#[test]
fn the_snapshot_answers_like_the_keyring_at_every_moment() {
    let f = fixture(Some(10_000));
    let moments: Vec<u64> = [0, 1, 499, 500, 501, 9_999, 10_000, 10_001, 50_000]
        .iter()
        .map(|d| START + d)
        .collect();
    agrees_from_now_on(&f, &moments, "empty");
    pollster::block_on(flows::create(&f.kr, &RustKdf, &PASS.into())).unwrap();
    agrees_from_now_on(&f, &moments, "created, no keys");
    let expiring = SetOptions {
        expires_in_ms: Some(500),
        ..SetOptions::default()
    };
    f.kr.borrow_mut()
        .set("groq", &key("groq"), expiring)
        .unwrap();
    f.kr.borrow_mut()
        .set("xai", &key("xai"), SetOptions::default())
        .unwrap();
    let s = f.kr.borrow().snapshot();
    assert!(s.is_byok("groq", START) && s.is_byok("xai", START));
    assert!(
        !s.is_byok("groq", START + 500),
        "an expired key is not used"
    );
    assert!(!s.is_byok("xai", START + 10_000), "auto-lock ends it");
    agrees_from_now_on(&f, &moments, "two keys, one expiring");
    f.kr.borrow_mut().set_enabled("xai", false).unwrap();
    agrees_from_now_on(&f, &moments, "one disabled");
    f.kr.borrow_mut().lock();
    assert!(!f.kr.borrow().snapshot().is_byok("groq", START));
    agrees_from_now_on(&f, &moments, "locked");
}

#[test]
fn without_auto_lock_or_expiry_the_answer_holds_forever() {
    let f = fixture(None);
    pollster::block_on(flows::create(&f.kr, &RustKdf, &PASS.into())).unwrap();
    f.kr.borrow_mut()
        .set("groq", &key("groq"), SetOptions::default())
        .unwrap();
    let s = f.kr.borrow().snapshot();
    assert_eq!(s.unlocked_until, Some(u64::MAX));
    assert!(s.is_byok("groq", u64::MAX - 1));
    assert!(!s.is_byok("xai", START));
    agrees_from_now_on(&f, &[START, START + (1 << 40)], "no limits");
}

#[test]
fn every_change_that_can_move_an_answer_changes_the_generation() {
    let f = fixture(Some(10_000));
    let mut last = f.kr.borrow().generation();
    let mut changed = |what: &str| {
        let g = f.kr.borrow().generation();
        assert_ne!(g, last, "{what} left the generation as it was");
        last = g;
    };
    pollster::block_on(flows::create(&f.kr, &RustKdf, &PASS.into())).unwrap();
    changed("create");
    f.kr.borrow_mut()
        .set("groq", &key("groq"), SetOptions::default())
        .unwrap();
    changed("set");
    f.now.set(START + 1_000);
    f.kr.borrow_mut().get("groq").unwrap();
    changed("use under auto-lock (moves the lock moment)");
    f.kr.borrow_mut().set_enabled("groq", false).unwrap();
    changed("disable");
    f.kr.borrow_mut().set_enabled("groq", true).unwrap();
    changed("enable");
    f.kr.borrow_mut().remove("groq").unwrap();
    changed("remove");
    f.kr.borrow_mut().lock();
    changed("lock");
    pollster::block_on(flows::unlock(&f.kr, &RustKdf, &PASS.into())).unwrap();
    changed("unlock");
    f.kr.borrow_mut().reset().unwrap();
    changed("reset");
}
