//! How hard a passphrase is to guess: a small estimator in the spirit of
//! zxcvbn (an estimate of the guesses an attacker needs, turned into a score
//! from 0 to 4), kept small because every byte of the module is paid by
//! every user.
//!
//! Score 0 means trivial: one of the most common passwords (the list in
//! `strength/common-passwords.txt`, its source in its header and in
//! docs/DECISIONS.md), such a password with capitals, a few digits or
//! symbols around it or look-alike characters (`p@ssw0rd`), one repeated
//! character or a repeated short part, a sequence of letters or digits, a
//! run of neighbouring keys, at most three such runs put together, or the
//! account name (the namespace, or its part before `@`) with little else.
//! `create` and `changePassphrase` refuse a score-0 passphrase
//! (`weak_passphrase`). Spaces and dashes between words are ignored for
//! these checks. Otherwise the score comes from the length and the variety
//! of characters, a run counting like two characters; four or more words
//! score 4. docs/DECISIONS.md has the figures and the list's cost.
//!
//! Warnings and suggestions are fixed sentences: they never contain any
//! part of the passphrase.

use crate::limits::MAX_PASSPHRASE_LEN;
use std::cmp::Ordering;

/// What [`passphrase_strength`] says of a passphrase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Strength {
    /// 0 (trivial: `create` refuses it) to 4 (hard to guess).
    pub score: u8,
    /// Why the score is low; always present when the score is 0.
    pub warning: Option<&'static str>,
    /// What would make it stronger; empty from score 3 up.
    pub suggestions: &'static [&'static str],
}

/// Warning: the passphrase is on the list of most common passwords.
pub const COMMON: &str = "This passphrase is one of the most common passwords.";
/// Warning: a common password with capitals, digits or symbols added, or
/// letters swapped for look-alike characters.
pub const COMMON_VARIANT: &str =
    "This passphrase is a common password with small changes (capitals, digits or symbols added, look-alike characters).";
/// Warning: one character, repeated.
pub const REPEATED_CHARACTER: &str = "A passphrase of one repeated character is easy to guess.";
/// Warning: a short part (or a weak one), repeated.
pub const REPEATED_PART: &str = "A passphrase that repeats a short part is easy to guess.";
/// Warning: letters or digits in order, forwards or backwards.
pub const SEQUENCE: &str = "A passphrase that is a sequence of letters or digits is easy to guess.";
/// Warning: a run of neighbouring keys.
pub const KEYBOARD: &str = "A passphrase of neighbouring keys on the keyboard is easy to guess.";
/// Warning: a few sequences, repeats and keyboard runs put together.
pub const PATTERNS: &str =
    "A passphrase made of a few sequences, repeats or keyboard runs is easy to guess.";
/// Warning: the account name with little else.
pub const ACCOUNT_NAME: &str = "This passphrase contains the account name and little else.";
/// Warning: too short or too plain for its length.
pub const GUESSABLE: &str = "This passphrase is short or plain enough to be guessed.";

/// Suggestion: more words.
pub const ADD_WORDS: &str = "Add another word or two; uncommon words are better.";
/// Suggestion: unrelated words.
pub const USE_WORDS: &str = "Use four or more words that do not usually go together.";
/// Suggestion: no patterns.
pub const AVOID_PATTERNS: &str = "Avoid sequences, repeats and rows of keys.";
/// Suggestion: decorations do not help.
pub const DECORATIONS: &str =
    "Capitals, digits, symbols and look-alike characters added to a common word do not help much.";
/// Suggestion: leave the account name out.
pub const NO_NAME: &str = "Leave out your name, email and account name.";

/// The data file: a provenance header, an empty line, then the list.
const DATA: &[u8] = include_bytes!("strength/common-passwords.txt");
/// The list: sorted, lowercase, one a line, after the data file's header
/// (which ends with the first empty line) and without its final newline;
/// copied out when compiling, so the header is not shipped in the `.wasm`.
const LIST: &[u8] = &LIST_BYTES;
const LIST_BYTES: [u8; list_of(DATA).len()] = copied(list_of(DATA));

/// The first `N` bytes of `from`, as an array (a `const fn` copy).
const fn copied<const N: usize>(from: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    let mut i = 0;
    while i < N {
        out[i] = from[i];
        i += 1;
    }
    out
}

const fn list_of(data: &[u8]) -> &[u8] {
    let mut i = 0;
    while i + 2 < data.len() {
        if data[i] == b'\n' && data[i + 1] == b'\n' {
            let (_, list) = data.split_at(i + 2);
            let (list, _) = list.split_at(list.len() - 1);
            return list;
        }
        i += 1;
    }
    &[]
}

/// Runs along these count as sequences (the first two) or keyboard runs
/// (US layout rows and columns), forwards and backwards.
const LINES: [&str; 17] = [
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
    "`1234567890-=",
    "~!@#$%^&*()_+",
    "qwertyuiop[]\\",
    "asdfghjkl;'",
    "zxcvbnm,./",
    "1qaz",
    "2wsx",
    "3edc",
    "4rfv",
    "5tgb",
    "6yhn",
    "7ujm",
    "8ik,",
    "9ol.",
    "0p;/",
];

/// The shortest run that counts as a pattern.
const MIN_RUN: usize = 3;
/// The most runs a passphrase made only of runs may have and be trivial.
const MAX_RUNS: usize = 3;
/// Digits or symbols around a common password that do not make it less
/// common: at most this many, or any one run.
const MAX_AFFIX: usize = 4;
/// A repeated part this short is trivial whatever it is.
const MAX_UNIT: usize = 4;
/// An account name shorter than this is not looked for.
const MIN_NAME: usize = 3;
/// What is left beside the account name must be at least this long.
const MIN_REST: usize = 6;

/// Whether `s` (lowercase) is on the list of most common passwords: a
/// binary search of the sorted lines, without allocating.
pub fn is_common(s: &[u8]) -> bool {
    let b = LIST;
    let (mut lo, mut hi) = (0, b.len());
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let start = b[lo..mid]
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(lo, |p| lo + p + 1);
        let end = b[start..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(b.len(), |p| start + p);
        match b[start..end].cmp(s) {
            Ordering::Equal => return true,
            Ordering::Less => lo = end + 1,
            Ordering::Greater => hi = start,
        }
    }
    false
}

/// How strong `p` is, with a warning and suggestions for a meter.
/// `namespace` is the keyring's (an email-shaped one counts by its part
/// before `@`). Only the first [`MAX_PASSPHRASE_LEN`] bytes are looked at
/// (`create` refuses a longer passphrase).
pub fn passphrase_strength(p: &str, namespace: Option<&str>) -> Strength {
    strength_with(p, namespace, &is_common)
}

/// [`passphrase_strength`] with another list lookup (to choose the list's
/// entries: one that other rules already refuse is not worth its bytes).
#[doc(hidden)]
pub fn strength_with(p: &str, namespace: Option<&str>, common: &dyn Fn(&[u8]) -> bool) -> Strength {
    // Lowercase, without the spaces and dashes between words.
    let s = compact(p);
    let name = compact(namespace.unwrap_or(""));
    let name = match name.iter().position(|&c| c == b'@') {
        Some(at) => &name[..at],
        None => &name,
    };
    let a = Analysis { common, name };
    if let Some(warning) = a.weakness(&s, true) {
        return Strength {
            score: 0,
            warning: Some(warning),
            suggestions: match warning {
                COMMON | COMMON_VARIANT => &[USE_WORDS, DECORATIONS],
                ACCOUNT_NAME => &[USE_WORDS, NO_NAME],
                _ => &[USE_WORDS, AVOID_PATTERNS],
            },
        };
    }
    let rest = a.without_name(&s).unwrap_or(s);
    let score = score(&rest, p);
    Strength {
        score,
        warning: (score == 0).then_some(GUESSABLE),
        suggestions: if score < 3 { &[ADD_WORDS] } else { &[] },
    }
}

/// Whether `c` separates words.
fn separator(c: &u8) -> bool {
    b" -_.,+".contains(c)
}

/// `t`'s first [`MAX_PASSPHRASE_LEN`] bytes, ASCII-lowercased, without
/// word separators.
fn compact(t: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for &c in t.as_bytes().iter().take(MAX_PASSPHRASE_LEN) {
        if !separator(&c) {
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

struct Analysis<'a> {
    common: &'a dyn Fn(&[u8]) -> bool,
    name: &'a [u8],
}

impl Analysis<'_> {
    /// Why `s` (compacted) is trivial, if it is. `whole`: `s` is the whole
    /// passphrase (the account name is looked for only there).
    fn weakness(&self, s: &[u8], whole: bool) -> Option<&'static str> {
        let n = s.len();
        if n == 0 {
            return None;
        }
        if let Some(w) = self.direct(s) {
            return Some(w);
        }
        // A trivial core between a few digits or symbols, or with
        // look-alike characters (`p@ssw0rd`).
        let affix = |c: u8| c.is_ascii_digit() || c.is_ascii_punctuation();
        let mut tail = 0;
        while tail < n && affix(s[n - 1 - tail]) {
            tail += 1;
        }
        let mut head = 0;
        while head < n && affix(s[head]) {
            head += 1;
        }
        if tail < n && small_affix(&s[..head]) && small_affix(&s[n - tail..]) {
            let core = &s[head..n - tail];
            if head + tail > 0 {
                if let Some(w) = self.direct(core) {
                    return Some(if w == COMMON { COMMON_VARIANT } else { w });
                }
            }
            // Leading digits may be look-alikes too. `1`, `!` and `|`
            // stand for `i` or `l`.
            let word = &s[..n - tail];
            for one in [b'i', b'l'] {
                let mut plain = word.to_vec();
                for c in plain.iter_mut() {
                    *c = unleet(*c, one);
                }
                if plain != word && (self.common)(&plain) {
                    return Some(COMMON_VARIANT);
                }
            }
        }
        if whole {
            if let Some(rest) = self.without_name(s) {
                if rest.len() < MIN_REST || self.weakness(&rest, false).is_some() {
                    return Some(ACCOUNT_NAME);
                }
            }
        }
        None
    }

    /// Trivial as it is: a repeat, runs, or a common password.
    fn direct(&self, s: &[u8]) -> Option<&'static str> {
        let n = s.len();
        for unit in 1..=n / 2 {
            if n % unit == 0 && s[unit..] == s[..n - unit] {
                if unit == 1 {
                    return Some(REPEATED_CHARACTER);
                }
                if unit <= MAX_UNIT || self.weakness(&s[..unit], false).is_some() {
                    return Some(REPEATED_PART);
                }
                break;
            }
        }
        if let Some((count, kind)) = runs(s) {
            return Some(if count > 1 { PATTERNS } else { kind });
        }
        (self.common)(s).then_some(COMMON)
    }

    /// `s` without the account name, when it contains it.
    fn without_name(&self, s: &[u8]) -> Option<Vec<u8>> {
        let m = self.name.len();
        if m < MIN_NAME {
            return None;
        }
        let mut rest = Vec::new();
        let mut i = 0;
        while i < s.len() {
            if s[i..].starts_with(self.name) {
                i += m;
            } else {
                rest.push(s[i]);
                i += 1;
            }
        }
        (rest.len() < s.len()).then_some(rest)
    }
}

/// The score of a passphrase that is not trivial (`s` compacted, without
/// the account name): 4 for four or more words of three or more characters,
/// else from an estimate of log10(guesses).
fn score(s: &[u8], original: &str) -> u8 {
    // Words of 3+ characters, and which kinds of character appear: a-z,
    // A-Z, 0-9, other ASCII (not the space), other (UTF-8 lead bytes).
    let (mut words, mut word_len, mut kinds) = (0, 0, 0u8);
    for &c in original.as_bytes().iter().chain(b" ") {
        if separator(&c) {
            words += usize::from(word_len >= MIN_RUN);
            word_len = 0;
        } else {
            word_len += 1;
        }
        kinds |= match c {
            b'a'..=b'z' => 1,
            b'A'..=b'Z' => 2,
            b'0'..=b'9' => 4,
            b' ' => 0,
            0..=0x7f => 8,
            0xc0.. => 16,
            _ => 0,
        };
    }
    if words >= 4 {
        return 4;
    }
    let variety = kinds.count_ones().max(1) as usize;
    // log10 of guesses per character: 0.8 for one kind of character
    // (spaces between words do not count), 0.2 more for each other kind.
    match effective_length(s) * (6 + 2 * variety) {
        0..=29 => 0,
        30..=59 => 1,
        60..=79 => 2,
        80..=99 => 3,
        _ => 4,
    }
}

/// Whether digits or symbols around a word leave it as guessable: a few,
/// or one run (`123456`, `!!!!!!`).
fn small_affix(a: &[u8]) -> bool {
    a.len() <= MAX_AFFIX || runs(a).is_some_and(|(count, _)| count == 1)
}

/// The letter a look-alike character stands for.
fn unleet(c: u8, one: u8) -> u8 {
    match c {
        b'4' | b'@' => b'a',
        b'8' => b'b',
        b'(' => b'c',
        b'3' => b'e',
        b'6' | b'9' => b'g',
        b'1' | b'!' | b'|' => one,
        b'0' => b'o',
        b'$' | b'5' => b's',
        b'7' | b'+' => b't',
        b'2' => b'z',
        c => c,
    }
}

/// The longest run at the start of `s`: one repeated character, or
/// consecutive characters of one of [`LINES`] (forwards or backwards).
/// Returns its length and the warning that names it.
fn longest_run(s: &[u8]) -> (usize, &'static str) {
    let Some(&first) = s.first() else {
        return (0, SEQUENCE);
    };
    let mut best = (
        s.iter().take_while(|&&c| c == first).count(),
        REPEATED_CHARACTER,
    );
    for (i, line) in LINES.iter().enumerate() {
        let line = line.as_bytes();
        let Some(at) = line.iter().position(|&c| c == first) else {
            continue;
        };
        // Forwards along the line, then backwards.
        let mut forward = 1;
        while forward < s.len() && line.get(at + forward) == Some(&s[forward]) {
            forward += 1;
        }
        let mut backward = 1;
        while backward < s.len() && backward <= at && line[at - backward] == s[backward] {
            backward += 1;
        }
        let len = forward.max(backward);
        if len > best.0 {
            best = (len, if i < 2 { SEQUENCE } else { KEYBOARD });
        }
    }
    best
}

/// Whether `s` is made of at most [`MAX_RUNS`] runs of at least
/// [`MIN_RUN`] characters: how many, and the kind of the last.
fn runs(s: &[u8]) -> Option<(usize, &'static str)> {
    let (mut i, mut count, mut kind) = (0, 0, SEQUENCE);
    while i < s.len() {
        let (len, k) = longest_run(&s[i..]);
        count += 1;
        if len < MIN_RUN || count > MAX_RUNS {
            return None;
        }
        i += len;
        kind = k;
    }
    (count > 0).then_some((count, kind))
}

/// Length in characters (UTF-8 continuation bytes do not count), each run
/// of [`MIN_RUN`] or more characters counting as two.
fn effective_length(s: &[u8]) -> usize {
    let (mut i, mut n) = (0, 0);
    while i < s.len() {
        let (len, _) = longest_run(&s[i..]);
        if len >= MIN_RUN {
            n += 2;
            i += len;
        } else {
            n += usize::from(s[i] & 0xC0 != 0x80);
            i += 1;
        }
    }
    n
}
