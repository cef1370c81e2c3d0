//! Making text without `core::fmt`: one small, non-generic function instead
//! of the standard library's `concat`/`join` on slices (whose generic copy
//! code is about 1 KB of the .wasm), and the decimal digits of a number. The
//! crate's messages are built with these instead of `format!`, so the
//! browser build carries none of the formatting machinery (`fmt::write`,
//! `Formatter`, the `Display` impls of numbers and `str`).

/// The parts one after another (what `crate::text::concat(parts)` makes).
pub(crate) fn concat(parts: &[&str]) -> String {
    join(parts, "")
}

/// The parts with `sep` between them (what `parts.join(sep)` makes).
#[inline(never)]
pub(crate) fn join(parts: &[&str], sep: &str) -> String {
    let len =
        parts.iter().map(|p| p.len()).sum::<usize>() + sep.len() * parts.len().saturating_sub(1);
    let mut out = String::with_capacity(len);
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(part);
    }
    out
}

/// The decimal digits of `n` (what `n.to_string()` makes), for any
/// unsigned integer type.
pub(crate) fn decimal(n: impl TryInto<u64>) -> String {
    // Every unsigned integer the crate formats fits in a u64.
    String::from(digits(n.try_into().unwrap_or(u64::MAX), &mut [0; 20]))
}

/// The number of characters (Unicode scalar values) in `s`, what
/// `s.chars().count()` gives: the bytes that do not continue a character.
/// (core's own count, built at opt-level 3 for speed, is 1 KB of the .wasm;
/// the strings counted here are short.)
#[inline(never)]
pub(crate) fn char_count(s: &str) -> usize {
    s.bytes().filter(|&b| (b as i8) >= -0x40).count()
}

/// The decimal digits of `n`, written at the end of `buf` (20 bytes hold
/// every u64): no allocation, for the writers that append them to their
/// own buffer (the JSON text, the MAC input).
#[inline(never)]
pub(crate) fn digits(mut n: u64, buf: &mut [u8; 20]) -> &str {
    let mut start = buf.len();
    loop {
        start -= 1;
        buf[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    let (_, digits) = buf.split_at(start);
    std::str::from_utf8(digits).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concat_and_join_make_what_the_standard_library_makes() {
        for parts in [&[][..], &["a"], &["", ""], &["ab", "", "cd", "é"]] {
            assert_eq!(concat(parts), parts.concat());
            assert_eq!(join(parts, ", "), parts.join(", "));
        }
    }

    #[test]
    fn char_count_counts_what_chars_counts() {
        for s in [
            "",
            "a",
            "é",
            "日本語",
            "🔑 key",
            "a\u{0}b",
            "\u{10FFFF}x",
            "mixed é 日 🔑",
        ] {
            assert_eq!(char_count(s), s.chars().count(), "{s:?}");
        }
    }

    #[test]
    fn decimal_makes_what_to_string_makes() {
        for n in [
            0,
            1,
            9,
            10,
            99,
            100,
            4096,
            600_000,
            u64::from(u32::MAX),
            u64::MAX,
        ] {
            assert_eq!(decimal(n), n.to_string());
        }
        assert_eq!(decimal(7u32), "7");
        assert_eq!(decimal(300u16), "300");
        assert_eq!(decimal(4096usize), "4096");
    }
}
