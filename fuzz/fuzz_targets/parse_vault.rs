//! The vault parser on arbitrary input: stored data is untrusted (any script
//! of the origin, a sync conflict or a broken disk can write it). Parsing
//! must never panic, and whatever it accepts must survive a write and a
//! read unchanged.
#![no_main]

use byok_keyring::format::Vault;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Web Storage holds text: bytes that are not UTF-8 arrive as U+FFFD.
    let text = String::from_utf8_lossy(data);
    if let Ok(vault) = Vault::parse(&text) {
        let written = vault.to_json().unwrap();
        assert_eq!(Vault::parse(&written).as_ref(), Ok(&vault), "round trip");
        assert_eq!(
            written,
            Vault::parse(&written).unwrap().to_json().unwrap(),
            "stable text"
        );
    }
});
