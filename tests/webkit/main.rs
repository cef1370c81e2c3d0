//! The WebAuthn skip of `webauthn.rs`, in every browser `make test` runs:
//! it never fires in Chromium or Firefox, and fires (saying why) in WebKit
//! while WebKit has no WebAuthn. The WebKit end-to-end page is
//! `tests/webdriver/webkit.test.mjs`.
#![cfg(target_arch = "wasm32")]

mod webauthn;

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn passkey_tests_are_skipped_only_in_webkit_without_webauthn() {
    let skipped = webauthn::skip_without_webauthn(
        "passkey_tests_are_skipped_only_in_webkit_without_webauthn",
    );
    if webauthn::is_webkit() {
        assert_eq!(skipped, !webauthn::has_webauthn());
    } else {
        // Chromium and Firefox have WebAuthn on 127.0.0.1 (a secure context):
        // their passkey tests always run.
        assert!(
            webauthn::has_webauthn(),
            "no PublicKeyCredential outside WebKit"
        );
        assert!(!skipped);
    }
}
