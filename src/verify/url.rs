//! The `baseUrl` and `region` options: what a key may be sent to.

use super::MAX_BASE_URL_LEN;
use crate::error::{Error, Result};

/// Checks a `baseUrl` and returns it without trailing slashes. Accepted:
/// `https://host[:port][/path]`; `http://` only for loopback hosts
/// (`localhost`, `*.localhost`, `127.x.x.x`, `[::1]`), so a key never
/// crosses a network unencrypted; or a path on the page's own origin
/// (`/api/openai`, for a proxy). No user info, query, fragment, whitespace,
/// non-ASCII, or empty, `.` and `..` path segments.
pub fn check_base_url(input: &str) -> Result<String> {
    let bad = |why: &str| Error::invalid_argument(crate::text::concat(&["baseUrl ", why, "."]));
    let b = input.as_bytes();
    if b.is_empty() || b.len() > MAX_BASE_URL_LEN {
        // The number is MAX_BASE_URL_LEN (a test keeps them equal).
        return Err(bad("must be 1 to 2048 characters"));
    }
    if !b.iter().all(u8::is_ascii_graphic) {
        return Err(bad("must be ASCII without spaces or control characters"));
    }
    if b.iter().any(|c| matches!(c, b'?' | b'#' | b'\\')) {
        return Err(bad(
            "must not contain a query (?), a fragment (#) or a backslash",
        ));
    }
    // Everything below is ASCII, so any byte index is a char boundary:
    // `get` never answers `None` here (and has no panic path, unlike `[..]`).
    let mut end = b.len();
    while end > 0 && b[end - 1] == b'/' {
        end -= 1;
    }
    let trimmed = input.get(..end).unwrap_or_default();
    let Some(sep) = trimmed.as_bytes().windows(3).position(|w| w == b"://") else {
        if b[0] == b'/' && b.get(1) != Some(&b'/') {
            check_path(trimmed).map_err(bad)?;
            return Ok(trimmed.to_string());
        }
        return Err(bad(
            "must start with https://, with http://localhost (or 127.0.0.1, [::1]) \
             or with / (a path on this site)",
        ));
    };
    let scheme = trimmed.get(..sep).unwrap_or_default();
    let rest = trimmed.get(sep + 3..).unwrap_or_default();
    let (authority, path) = rest
        .split_at_checked(rest.bytes().position(|c| c == b'/').unwrap_or(rest.len()))
        .unwrap_or((rest, ""));
    if authority.bytes().any(|c| c == b'@') {
        return Err(bad("must not contain user info (@)"));
    }
    let authority = authority.to_ascii_lowercase();
    let host = check_authority(&authority).map_err(bad)?;
    let scheme = if scheme.eq_ignore_ascii_case("https") {
        "https"
    } else if !scheme.eq_ignore_ascii_case("http") {
        return Err(bad("must use https:// (or http:// for localhost)"));
    } else if is_loopback(host) {
        "http"
    } else {
        return Err(bad(
            "may use http:// only for localhost, 127.0.0.1 or [::1]; use https:// elsewhere",
        ));
    };
    check_path(path).map_err(bad)?;
    Ok(crate::text::concat(&[scheme, "://", &authority, path]))
}

/// Checks `host[:port]` (lowercase); returns the host.
fn check_authority(authority: &str) -> std::result::Result<&str, &'static str> {
    let a = authority.as_bytes();
    let host_end = if a.first() == Some(&b'[') {
        let close = a
            .iter()
            .position(|&c| c == b']')
            .ok_or("has an unclosed [ in its host")?;
        let addr = &a[1..close];
        if addr.is_empty()
            || !addr
                .iter()
                .all(|&c| c.is_ascii_hexdigit() || c == b':' || c == b'.')
        {
            return Err("has an invalid IPv6 host");
        }
        close + 1
    } else {
        let end = a.iter().position(|&c| c == b':').unwrap_or(a.len());
        let host = &a[..end];
        let edge = |c: Option<&u8>| matches!(c, None | Some(b'.' | b'-'));
        if edge(host.first())
            || edge(host.last())
            || host.windows(2).any(|w| w == b"..")
            || !host
                .iter()
                .all(|&c| c.is_ascii_alphanumeric() || c == b'.' || c == b'-')
        {
            return Err("has an invalid host name");
        }
        end
    };
    let port = &a[host_end..];
    if !port.is_empty() {
        let digits = port.strip_prefix(b":").ok_or("has an invalid port")?;
        let mut n = 0u32;
        for &d in digits {
            if !d.is_ascii_digit() || n > 65535 {
                return Err("has an invalid port");
            }
            n = n * 10 + u32::from(d - b'0');
        }
        if !(1..=65535).contains(&n) {
            return Err("has an invalid port");
        }
    }
    Ok(authority.get(..host_end).unwrap_or_default())
}

/// Rejects empty, `.` and `..` path segments (`/a//b`, `/a/../b`).
fn check_path(path: &str) -> std::result::Result<(), &'static str> {
    let Some(segments) = path.as_bytes().strip_prefix(b"/") else {
        return Ok(()); // empty
    };
    if segments
        .split(|&c| c == b'/')
        .any(|s| matches!(s, b"" | b"." | b".."))
    {
        return Err("must not contain empty, '.' or '..' path segments");
    }
    Ok(())
}

/// Whether `host` (lowercase) is this machine: `localhost`, `*.localhost`,
/// `[::1]` or `127.x.x.x`.
fn is_loopback(host: &str) -> bool {
    if host == "localhost" || host.ends_with(".localhost") || host == "[::1]" {
        return true;
    }
    let mut parts = 0;
    for p in host.as_bytes().split(|&c| c == b'.') {
        // At most 3 digits, so no overflow.
        let ok = (1..=3).contains(&p.len())
            && matches!(
                p.iter().try_fold(0u32, |n, &d| d
                    .is_ascii_digit()
                    .then(|| n * 10 + u32::from(d - b'0'))),
                Some(0..=255)
            );
        if !ok || (parts == 0 && p != b"127") {
            return false;
        }
        parts += 1;
    }
    parts == 4
}

/// Checks an AWS region name (`us-east-1`, `eu-central-2`, `us-gov-west-1`):
/// lowercase letters, digits and single dashes, starting with a letter and
/// ending with a digit, at most 32 characters. It becomes part of a host name.
pub fn check_region(region: &str) -> Result<()> {
    let b = region.as_bytes();
    let ok = (4..=32).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b[b.len() - 1].is_ascii_digit()
        && b.contains(&b'-')
        && !b.windows(2).any(|w| w == b"--")
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-');
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_argument(
            "region must be an AWS region name such as \"us-east-1\".",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    #[test]
    fn base_urls() {
        let ok = |s: &str| check_base_url(s).unwrap();
        assert_eq!(ok("https://api.example.com"), "https://api.example.com");
        assert_eq!(
            ok("https://API.Example.com:8443/v/"),
            "https://api.example.com:8443/v"
        );
        assert_eq!(
            ok("HTTPS://proxy.example.com/openai"),
            "https://proxy.example.com/openai"
        );
        assert_eq!(
            ok("http://127.0.0.1:8787/valid/openai"),
            "http://127.0.0.1:8787/valid/openai"
        );
        assert_eq!(ok("http://127.1.2.3"), "http://127.1.2.3");
        assert_eq!(ok("http://localhost:3000"), "http://localhost:3000");
        assert_eq!(ok("http://app.localhost"), "http://app.localhost");
        assert_eq!(ok("http://[::1]:3000/x"), "http://[::1]:3000/x");
        assert_eq!(ok("/api/proxy/openai/"), "/api/proxy/openai");
        assert_eq!(ok("https://x.com:080/"), "https://x.com:080");
        assert_eq!(ok("http://127.0.0.1:65535"), "http://127.0.0.1:65535");
        assert_eq!(ok("https://[::1]"), "https://[::1]");
        assert_eq!(ok("/a/b.c/..d"), "/a/b.c/..d");
        assert_eq!(ok("/"), "");
        for bad in [
            "",
            "api.openai.com",
            "//api.openai.com",
            "ftp://api.openai.com",
            "javascript:alert(1)",
            "http://api.openai.com",
            "http://127.0.0.1.evil.com",
            "http://128.0.0.1",
            "http://127.0.0",
            "http://127.0.0.256",
            "http://10.0.0.1",
            "http://127.0.0.1.",
            "http://127.0.0.0001",
            "http://127.0.0.99999999999999999999",
            "http://127..0.1",
            "https://api.openai.com:99999999999999",
            "https://[::1]x",
            "https://[]",
            "https://.a.com",
            "https://a.com-",
            "https://x.com/a/.",
            "https:/x.com",
            "//",
            "http://localhost.evil.com",
            "https://user:pw@api.openai.com",
            "https://api.openai.com/v1?key=x",
            "https://api.openai.com/#x",
            "https://api.openai.com/a b",
            "https://api.openai.com\\x",
            "https://api.openai.com:0",
            "https://api.openai.com:65536",
            "https://api.openai.com:+80",
            "https://api.openai.com:",
            "https://",
            "https://-x.com",
            "https://a..b",
            "https://[zz::1]",
            "https://[::1",
            "https://api.openai.com/a/../b",
            "https://api.openai.com/a//b",
            "/a/./b",
            "https://ápi.com",
        ] {
            assert_eq!(
                check_base_url(bad).map_err(|e| e.code()),
                Err(ErrorCode::InvalidArgument),
                "{bad:?}"
            );
        }
        let long = format!("https://a.com/{}", "x".repeat(MAX_BASE_URL_LEN));
        let err = check_base_url(&long).unwrap_err();
        assert!(
            err.message().contains(&MAX_BASE_URL_LEN.to_string()),
            "the message names the limit: {}",
            err.message()
        );
        assert!(check_base_url(&long[..MAX_BASE_URL_LEN]).is_ok());
    }

    #[test]
    fn regions() {
        for bad in [
            "us east 1",
            "US-EAST-1",
            "us-east-1.evil.com",
            "us-east-1/",
            "x",
            "",
            "us--east-1",
            "-us-east-1",
            "useast1",
            "us-east-a",
        ] {
            assert!(check_region(bad).is_err(), "{bad}");
        }
        for good in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "ap-southeast-4",
        ] {
            assert!(check_region(good).is_ok(), "{good}");
        }
    }
}
