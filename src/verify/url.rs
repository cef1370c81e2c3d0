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
    let bad = |why: &str| Error::invalid_argument(["baseUrl ", why, "."].concat());
    if input.is_empty() || input.len() > MAX_BASE_URL_LEN {
        // The number is MAX_BASE_URL_LEN (a test keeps them equal).
        return Err(bad("must be 1 to 2048 characters"));
    }
    if !input.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad("must be ASCII without spaces or control characters"));
    }
    if input.contains(['?', '#', '\\']) {
        return Err(bad(
            "must not contain a query (?), a fragment (#) or a backslash",
        ));
    }
    let trimmed = input.trim_end_matches('/');
    let (scheme, rest) = match trimmed.find("://") {
        Some(i) => (trimmed[..i].to_ascii_lowercase(), &trimmed[i + 3..]),
        None if input.starts_with('/') && !input.starts_with("//") => {
            check_path(trimmed).map_err(bad)?;
            return Ok(trimmed.to_string());
        }
        None => {
            return Err(bad(
                "must start with https://, with http://localhost (or 127.0.0.1, [::1]) \
                 or with / (a path on this site)",
            ))
        }
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    if authority.contains('@') {
        return Err(bad("must not contain user info (@)"));
    }
    let host = check_authority(authority).map_err(bad)?;
    match scheme.as_str() {
        "https" => {}
        "http" if is_loopback(&host) => {}
        "http" => {
            return Err(bad(
                "may use http:// only for localhost, 127.0.0.1 or [::1]; use https:// elsewhere",
            ))
        }
        _ => return Err(bad("must use https:// (or http:// for localhost)")),
    }
    check_path(path).map_err(bad)?;
    Ok([
        scheme.as_str(),
        "://",
        &authority.to_ascii_lowercase(),
        path,
    ]
    .concat())
}

/// Checks `host[:port]`; returns the lowercase host.
fn check_authority(authority: &str) -> std::result::Result<String, &'static str> {
    let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
        let end = v6.find(']').ok_or("has an unclosed [ in its host")?;
        let addr = &v6[..end];
        if addr.is_empty()
            || !addr
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return Err("has an invalid IPv6 host");
        }
        (&authority[..end + 2], &v6[end + 1..])
    } else {
        match authority.find(':') {
            Some(i) => (&authority[..i], &authority[i..]),
            None => (authority, ""),
        }
    };
    if !host.starts_with('[')
        && (host.is_empty()
            || host.starts_with(['.', '-'])
            || host.ends_with(['.', '-'])
            || host.contains("..")
            || !host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-'))
    {
        return Err("has an invalid host name");
    }
    if !port.is_empty() {
        let digits = port.strip_prefix(':').ok_or("has an invalid port")?;
        match digits.parse::<u32>() {
            Ok(n) if (1..=65535).contains(&n) && digits.bytes().all(|b| b.is_ascii_digit()) => {}
            _ => return Err("has an invalid port"),
        }
    }
    Ok(host.to_ascii_lowercase())
}

/// Rejects empty, `.` and `..` path segments (`/a//b`, `/a/../b`).
fn check_path(path: &str) -> std::result::Result<(), &'static str> {
    if path.is_empty() {
        return Ok(());
    }
    let segments = path.strip_prefix('/').unwrap_or(path).split('/');
    for s in segments {
        if s.is_empty() || s == "." || s == ".." {
            return Err("must not contain empty, '.' or '..' path segments");
        }
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
    for (i, p) in host.split('.').enumerate() {
        parts += 1;
        if p.is_empty() || p.len() > 3 || p.parse::<u8>().is_err() || (i == 0 && p != "127") {
            return false;
        }
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
        && !region.contains("--")
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
