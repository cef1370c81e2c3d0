//! Masking a key for display.

/// Keys shorter than this reveal nothing at all.
pub const MIN_REVEALING_LEN: usize = 20;
/// How many characters are revealed at each end of a long enough key.
pub const REVEALED_EACH_END: usize = 4;
/// The filler between the revealed ends. Its length is fixed, so the masked
/// form never tells how long the key is.
pub const FILL: &str = "••••••••";
/// What a key too short to reveal anything is shown as (same length as a
/// masked long key: 4 + 8 + 4 characters).
pub const FULLY_HIDDEN: &str = "••••••••••••••••";

/// Whether JavaScript's `String.prototype.trim` removes `c`: ECMAScript's
/// WhiteSpace (tab, vertical tab, form feed, U+FEFF and the space separators,
/// Unicode category Zs) and LineTerminator (LF, CR, U+2028, U+2029). This
/// differs from Rust's `char::is_whitespace` in two characters: U+FEFF (a
/// byte-order mark, trimmed here) and U+0085 (NEXT LINE, not trimmed here).
pub fn is_js_whitespace(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202f}'
                | '\u{205f}'
                | '\u{3000}'
                | '\u{feff}'
    )
}

/// `key` without the whitespace JavaScript's `trim()` removes around it (see
/// [`is_js_whitespace`]): what a paste brings along, and what [`mask`] and
/// [`fn@crate::validate`] ignore, so the wasm and JS sides agree.
pub fn trim(key: &str) -> &str {
    key.trim_matches(is_js_whitespace)
}

/// Masks a key for display: the first 4 and last 4 characters of a key of at
/// least 20 characters, nothing of a shorter one. The output is always 16
/// characters long, whatever the key's length. Surrounding whitespace (as
/// JavaScript's `trim()` sees it, [`trim`]) is ignored, as in
/// [`fn@crate::validate`].
///
/// ```
/// use byok_keyring::mask;
/// assert_eq!(mask("sk-proj-abcdefghijklmnopqrstuvwxyz0123"), "sk-p••••••••0123");
/// assert_eq!(mask("short-key"), "••••••••••••••••");
/// assert_eq!(mask("sk-proj-abcdefghijklmnopqrstuvwxyz0123").chars().count(), 16);
/// ```
pub fn mask(key: &str) -> String {
    let key = trim(key);
    // Count at most what we need: a 10 MB paste is not walked to the end.
    let long_enough = key.chars().nth(MIN_REVEALING_LEN - 1).is_some();
    if !long_enough {
        return FULLY_HIDDEN.to_string();
    }
    let head: String = key.chars().take(REVEALED_EACH_END).collect();
    let mut tail: Vec<char> = key.chars().rev().take(REVEALED_EACH_END).collect();
    tail.reverse();
    let mut out = String::with_capacity(head.len() + FILL.len() + 4 * 4);
    out.push_str(&head);
    out.push_str(FILL);
    out.extend(tail);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries() {
        assert_eq!(mask(&"a".repeat(19)), FULLY_HIDDEN);
        assert_eq!(
            mask(&format!("abcd{}wxyz", "0".repeat(12))),
            "abcd••••••••wxyz"
        );
        assert_eq!(mask(""), FULLY_HIDDEN);
        assert_eq!(mask("  \n"), FULLY_HIDDEN);
    }

    #[test]
    fn length_independent() {
        for n in 0..300 {
            assert_eq!(mask(&"k".repeat(n)).chars().count(), 16, "n = {n}");
        }
    }

    #[test]
    fn unicode_is_cut_on_char_boundaries() {
        let key = "ééééééééééééééééééééé€";
        assert_eq!(mask(key), "éééé••••••••ééé€");
    }
}
