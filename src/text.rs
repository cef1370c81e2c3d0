//! Joining text: one small, non-generic function instead of the standard
//! library's `concat`/`join` on slices, whose generic copy code is about
//! 1 KB of the .wasm.

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
}
