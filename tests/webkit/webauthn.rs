//! Skipping WebAuthn-dependent (passkey) browser tests in WebKit.
//!
//! Debian's WebKitGTK, the WebKit that `make test-webkit` runs, has no WebAuthn
//! (`PublicKeyCredential` is undefined). A wasm test that needs it starts with
//!
//! ```ignore
//! #[path = "webkit/webauthn.rs"]
//! mod webauthn;
//!
//! #[wasm_bindgen_test]
//! async fn a_passkey_unlocks() {
//!     if webauthn::skip_without_webauthn("a_passkey_unlocks") {
//!         return;
//!     }
//!     // …
//! }
//! ```
//!
//! The skip happens only in WebKit, and only while WebAuthn is missing there:
//! in Chromium and Firefox the test runs (and fails if WebAuthn is missing).
//! wasm-bindgen-test has no runtime skip and drops the console output of a
//! passing test, so the reason is appended to the runner's report (`#output`)
//! and shows in the `make test` log next to the test's name.
#![allow(dead_code)]

use wasm_bindgen::prelude::*;

/// The reason printed for every test skipped this way.
pub const NO_WEBAUTHN: &str = "skipped in WebKit: no WebAuthn (PublicKeyCredential is undefined)";

#[wasm_bindgen(inline_js = r#"
export function hasWebAuthn() { return typeof globalThis.PublicKeyCredential !== "undefined"; }
export function isWebKit() {
  const ua = globalThis.navigator ? navigator.userAgent : "";
  return /AppleWebKit/.test(ua) && !/Chrome|Chromium|Edg\/|Firefox/.test(ua);
}
export function report(line) {
  const out = globalThis.document && document.getElementById("output");
  if (out) out.textContent += line + "\n";
  console.log(line);
}
"#)]
extern "C" {
    /// Whether `PublicKeyCredential` exists in this browser.
    #[wasm_bindgen(js_name = hasWebAuthn)]
    pub fn has_webauthn() -> bool;
    /// Whether this browser is WebKit (Safari, WebKitGTK), not Chromium or Firefox.
    #[wasm_bindgen(js_name = isWebKit)]
    pub fn is_webkit() -> bool;
    #[wasm_bindgen(js_name = report)]
    fn report(line: &str);
}

/// True, with "`test`: skipped in WebKit: no WebAuthn (…)" printed, when this
/// is WebKit without WebAuthn: the calling test returns at once. False
/// everywhere else, and the test runs.
pub fn skip_without_webauthn(test: &str) -> bool {
    if has_webauthn() || !is_webkit() {
        return false;
    }
    report(&format!("{test}: {NO_WEBAUTHN}"));
    true
}
