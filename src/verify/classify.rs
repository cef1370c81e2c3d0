//! Reading a provider's answer: an HTTP status (and, for the answers the
//! provider table marks, the body) → a [`Verification`] with a stable
//! [`VerifyCode`] and a message a person can act on. Messages never contain
//! the key.

use super::{Verification, VerifyCode, MAX_BODY_INSPECTED};
use crate::providers::{BodySign, Check, Provider};
use crate::text::decimal;

/// Reads the provider's answer. `body` is the response text when the
/// request asked for it ([`super::Request::wants_body`]); only its first
/// [`MAX_BODY_INSPECTED`] bytes are looked at.
///
/// 2xx is `valid`; 401 `invalid_key`; 402 and 403 `forbidden`; 429
/// `rate_limited`; anything else `provider_error`; and before all these, the
/// provider's own "bad key" answer ([`crate::providers::Rejection`]) is
/// `invalid_key`.
pub fn classify(provider: &Provider, status: u16, body: Option<&str>) -> Verification {
    let body = head(body.unwrap_or(""), MAX_BODY_INSPECTED);
    let rejected = provider
        .rejection
        .is_some_and(|r| r.covers(status) && shows(&r.sign, body));
    let name = provider.name;
    let n = decimal(u32::from(status));
    let (code, message) = match status {
        _ if rejected || status == 401 => (
            VerifyCode::InvalidKey,
            crate::text::concat(&[
                name,
                " rejected this key (HTTP ",
                &n,
                "). Check that it was copied whole and has not been revoked.",
            ]),
        ),
        200..=299 => (
            VerifyCode::Valid,
            crate::text::concat(&[name, " accepted this key."]),
        ),
        402 => (
            VerifyCode::Forbidden,
            crate::text::concat(&[
                name,
                " recognised this key but refused the request (HTTP 402): the account \
                 has no credit left.",
            ]),
        ),
        403 => (
            VerifyCode::Forbidden,
            crate::text::concat(&[
                name,
                " recognised this key but refused the request (HTTP 403): the key is \
                 live but lacks access (permissions, region, project or billing).",
            ]),
        ),
        429 => (
            VerifyCode::RateLimited,
            crate::text::concat(&[
                name,
                " is rate-limiting this key (HTTP 429). The key is live; try again later.",
            ]),
        ),
        500..=599 => (
            VerifyCode::ProviderError,
            crate::text::concat(&[
                name,
                " had a server problem (HTTP ",
                &n,
                "), so the key could not be checked. Try again later.",
            ]),
        ),
        _ => (
            VerifyCode::ProviderError,
            crate::text::concat(&[
                name,
                " gave an unexpected answer (HTTP ",
                &n,
                "), so the key could not be checked. If a baseUrl was set, check it.",
            ]),
        ),
    };
    Verification::new(provider, code, Some(status), message)
}

/// At most the first `max` bytes of `s`, cut at a character boundary.
fn head(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    // The longest prefix that ends at a character boundary (`get` is `None`
    // inside a character; one of the 4 ends before `max` is a boundary).
    (0..4)
        .find_map(|back| s.get(..max.saturating_sub(back)))
        .unwrap_or_default()
}

/// Whether `body` shows the sign.
fn shows(sign: &BodySign, body: &str) -> bool {
    match sign {
        BodySign::Contains(needles) => needles.iter().any(|n| contains_ignore_case(body, n)),
        BodySign::FalseMember(name) => member_is_false(body, name),
    }
}

/// Whether `hay` contains `needle`, ASCII case-insensitively.
fn contains_ignore_case(hay: &str, needle: &str) -> bool {
    needle.is_empty()
        || hay
            .as_bytes()
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Whether `body` is a JSON object whose top-level member `name` is `false`
/// (`{"valid": false, ...}`). A light scan, not a parser: strings (with
/// escapes) and nesting are followed; anything else is skipped.
fn member_is_false(body: &str, name: &str) -> bool {
    let b = body.as_bytes();
    let mut depth = 0u32;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'"' => {
                let start = i + 1;
                let mut end = start;
                while end < b.len() && b[end] != b'"' {
                    end += if b[end] == b'\\' { 2 } else { 1 };
                }
                if end >= b.len() {
                    return false;
                }
                i = end + 1;
                if depth == 1 && &b[start..end] == name.as_bytes() {
                    let rest = skip_space(&b[i..]);
                    if let Some(value) = rest.strip_prefix(b":") {
                        let value = skip_space(value);
                        if value.starts_with(b"false")
                            && value.get(5).is_none_or(|c| !c.is_ascii_alphanumeric())
                        {
                            return true;
                        }
                    }
                }
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        i += 1;
    }
    false
}

fn skip_space(b: &[u8]) -> &[u8] {
    let n = b.iter().take_while(|c| c.is_ascii_whitespace()).count();
    &b[n..]
}

/// The outcome when no answer arrived: a network failure, a CORS refusal
/// (which browsers report identically) or a refused redirect.
pub fn network_error(provider: &Provider) -> Verification {
    Verification::new(
        provider,
        VerifyCode::NetworkError,
        None,
        crate::text::concat(&[
            "Could not reach ",
            provider.name,
            ". The network may be down, or the browser refused the request under CORS \
             (the provider does not accept calls from web pages, or this page's \
             Content-Security-Policy blocks it), or the server answered with a redirect, \
             which is not followed with a key. The key was not checked.",
        ]),
    )
}

/// The outcome when no answer arrived within `timeout_ms`.
pub fn timed_out(provider: &Provider, timeout_ms: u32) -> Verification {
    Verification::new(
        provider,
        VerifyCode::Timeout,
        None,
        crate::text::concat(&[
            provider.name,
            " did not answer within ",
            &decimal(timeout_ms),
            " ms. The key was not checked.",
        ]),
    )
}

/// The outcome for a provider without a free check (nothing is sent).
pub fn unsupported(provider: &Provider) -> Verification {
    let why = match provider.check {
        Check::Unsupported(why) | Check::AtBaseUrl(_, _, why) => why,
        Check::Request(_) => "",
    };
    Verification::new(
        provider,
        VerifyCode::Unsupported,
        None,
        crate::text::concat(&[
            provider.name,
            " has no free way to check a key (",
            why,
            "), so this key was not checked.",
        ]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::find;

    fn code(id: &str, status: u16, body: Option<&str>) -> VerifyCode {
        classify(find(id).unwrap(), status, body).code
    }

    #[test]
    fn the_inspected_head_is_the_longest_prefix_that_fits() {
        assert_eq!(head("abcdef", 4), "abcd");
        assert_eq!(head("abc", 4), "abc");
        // "é" is 2 bytes, "€" 3, "😀" 4: a cut inside one steps back before it.
        assert_eq!(head("abcé", 4), "abc");
        assert_eq!(head("a€x", 2), "a");
        assert_eq!(head("a€x", 4), "a€");
        assert_eq!(head("😀😀", 7), "😀");
        assert_eq!(head("😀😀", 8), "😀😀");
    }

    #[test]
    fn statuses_become_codes() {
        use VerifyCode::*;
        for id in ["openai", "anthropic", "gemini", "groq", "bedrock", "cohere"] {
            assert_eq!(code(id, 200, Some("{}")), Valid, "{id}");
            assert_eq!(code(id, 204, None), Valid, "{id}");
            assert_eq!(code(id, 401, None), InvalidKey, "{id}");
            assert_eq!(code(id, 402, None), Forbidden, "{id}");
            assert_eq!(
                code(id, 403, Some("{\"Message\":\"not authorized\"}")),
                Forbidden,
                "{id}"
            );
            assert_eq!(code(id, 429, None), RateLimited, "{id}");
            assert_eq!(code(id, 500, None), ProviderError, "{id}");
            assert_eq!(code(id, 503, None), ProviderError, "{id}");
            assert_eq!(code(id, 404, None), ProviderError, "{id}");
            assert_eq!(code(id, 400, None), ProviderError, "{id}");
            assert_eq!(code(id, 302, None), ProviderError, "{id}");
        }
    }

    #[test]
    fn each_providers_own_bad_key_answer() {
        use VerifyCode::*;
        let gemini = r#"{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"reason":"API_KEY_INVALID"}]}}"#;
        assert_eq!(code("gemini", 400, Some(gemini)), InvalidKey);
        assert_eq!(code("gemini", 403, Some(gemini)), Forbidden);
        assert_eq!(code("openai", 400, Some(gemini)), ProviderError);
        let bedrock =
            r#"{"Message":"Authentication failed: Please make sure your API Key is valid."}"#;
        assert_eq!(code("bedrock", 403, Some(bedrock)), InvalidKey);
        assert_eq!(
            code(
                "bedrock",
                403,
                Some(r#"{"message":"The security token included in the request is invalid."}"#)
            ),
            InvalidKey
        );
        assert_eq!(code("bedrock", 400, Some(bedrock)), ProviderError);
        assert_eq!(code("openai", 403, Some(bedrock)), Forbidden);
        assert_eq!(code("cohere", 200, Some(r#"{"valid":false}"#)), InvalidKey);
        assert_eq!(
            code(
                "cohere",
                200,
                Some("{ \"owner\" : \"a\\\"b\", \"valid\" :\n false }")
            ),
            InvalidKey
        );
        assert_eq!(
            code("cohere", 200, Some(r#"{"valid":true,"owner_id":"x"}"#)),
            Valid
        );
        // Only the top-level member counts, and only the literal false.
        for body in [
            r#"{"x":{"valid":false}}"#,
            r#"[{"valid":false}]"#,
            r#"{"valid":"false"}"#,
            r#"{"valid":falsey}"#,
            r#"{"note":"\"valid\":false"}"#,
            r#"{"invalid":false}"#,
            "not json",
            "",
            "{\"valid\":fal",
            "{\"valid",
            "{\"\\",
        ] {
            assert_eq!(code("cohere", 200, Some(body)), Valid, "{body}");
        }
        assert_eq!(code("openai", 200, Some(r#"{"valid":false}"#)), Valid);
        // Only the head of a huge body is looked at, without panicking on a
        // multi-byte boundary.
        let huge = format!("{}API_KEY_INVALID", "é".repeat(MAX_BODY_INSPECTED));
        assert_eq!(code("gemini", 400, Some(&huge)), ProviderError);
    }

    #[test]
    fn messages_name_the_provider_and_the_status() {
        let v = classify(find("openai").unwrap(), 401, None);
        assert!(!v.ok);
        assert_eq!(v.status, Some(401));
        assert_eq!(v.provider, "openai");
        assert_eq!(
            v.message,
            "OpenAI rejected this key (HTTP 401). Check that it was copied whole and has not \
             been revoked."
        );
        let ok = classify(find("groq").unwrap(), 200, None);
        assert!(ok.ok);
        assert_eq!(ok.message, "Groq accepted this key.");
        assert!(classify(find("xai").unwrap(), 503, None)
            .message
            .contains("(HTTP 503)"));
        assert!(classify(find("xai").unwrap(), 404, None)
            .message
            .contains("(HTTP 404)"));
        let n = network_error(find("anthropic").unwrap());
        assert_eq!((n.status, n.ok), (None, false));
        assert!(n.message.contains("CORS") && n.message.contains("redirect"));
        let t = timed_out(find("xai").unwrap(), 250);
        assert!(t.message.contains("within 250 ms"), "{}", t.message);
        assert!(unsupported(find("exa").unwrap()).message.contains("billed"));
    }
}
