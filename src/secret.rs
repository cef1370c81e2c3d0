//! Wrappers for secrets that hold text: zeroized on drop, redacted in `Debug`.

use zeroize::Zeroizing;

/// A passphrase. Zeroized when dropped; `Debug` shows nothing of it.
#[derive(Clone)]
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    /// Takes ownership of the passphrase text.
    pub fn new(text: String) -> Self {
        Passphrase(Zeroizing::new(text))
    }

    /// The UTF-8 bytes fed to PBKDF2.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }

    /// The passphrase text (to judge its strength).
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Length in Unicode scalar values (what `minPassphraseLength` counts).
    pub fn char_count(&self) -> usize {
        crate::text::char_count(&self.0)
    }
}

impl From<&str> for Passphrase {
    fn from(s: &str) -> Self {
        Passphrase::new(s.to_string())
    }
}

impl std::fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Passphrase(<redacted>)")
    }
}

/// A decrypted API key. Zeroized when dropped; `Debug` shows only its mask.
#[derive(Clone)]
pub struct ApiKey(Zeroizing<String>);

impl ApiKey {
    pub(crate) fn new(text: String) -> Self {
        ApiKey(Zeroizing::new(text))
    }

    /// The key itself. Keep the borrow short.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiKey({})", crate::mask(&self.0))
    }
}
