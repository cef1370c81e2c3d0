//! Crypto primitives, all from RustCrypto: PBKDF2-HMAC-SHA256 key derivation,
//! HKDF-SHA256 key separation, HMAC-SHA256 and AES-256-GCM sealing. Nothing
//! here knows about storage.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use zeroize::{Zeroize, Zeroizing};

/// Length of the PBKDF2 salt in bytes.
pub const SALT_LEN: usize = 16;
/// Length of an AES-GCM nonce in bytes (96 bits).
pub const NONCE_LEN: usize = 12;
/// Length of an AES-GCM authentication tag in bytes.
pub const TAG_LEN: usize = 16;
/// Length of the derived AES-256 key in bytes.
pub const KEY_LEN: usize = 32;
/// Length of an HMAC-SHA256 tag in bytes.
pub const MAC_LEN: usize = 32;

/// A 256-bit key derived from a passphrase. Zeroized when dropped; its
/// `Debug` form shows nothing.
#[derive(Clone, zeroize::ZeroizeOnDrop)]
pub struct DerivedKey(Box<[u8; KEY_LEN]>);

impl DerivedKey {
    /// Wraps raw key bytes (for example the output of WebCrypto's
    /// `deriveBits`). The caller should zeroize its own copy.
    pub fn from_bytes(bytes: [u8; KEY_LEN]) -> Self {
        let mut bytes = bytes;
        let key = DerivedKey(Box::new(bytes));
        bytes.zeroize();
        key
    }

    /// Builds from a slice of exactly 32 bytes.
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        let arr: [u8; KEY_LEN] = bytes.try_into().ok()?;
        Some(Self::from_bytes(arr))
    }

    /// A fresh random key (a vault key).
    pub fn random() -> Result<Self, getrandom::Error> {
        Ok(Self::from_bytes(random::<KEY_LEN>()?))
    }

    /// The raw bytes, for wrapping this key under another one.
    pub(crate) fn expose(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(<&Key<Aes256Gcm>>::from(&*self.0))
    }
}

impl std::fmt::Debug for DerivedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DerivedKey(<redacted>)")
    }
}

/// PBKDF2-HMAC-SHA256 with the pure-Rust `pbkdf2` crate.
pub fn pbkdf2_sha256(passphrase: &[u8], salt: &[u8], iterations: u32) -> DerivedKey {
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    pbkdf2::pbkdf2_hmac::<sha2::Sha256>(passphrase, salt, iterations, &mut out[..]);
    DerivedKey::from_bytes(*out)
}

/// HKDF-SHA256 (RFC 5869) of `ikm` with `salt` and `info`, 32 bytes out:
/// one vault key gives independent keys for records and for the MAC.
pub fn hkdf_sha256(ikm: &DerivedKey, salt: &[u8], info: &[u8]) -> DerivedKey {
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    // 32 bytes is far below HKDF-SHA256's 8160-byte limit: expand cannot fail.
    let _ = hkdf::Hkdf::<sha2::Sha256>::new(Some(salt), ikm.expose()).expand(info, &mut out[..]);
    DerivedKey::from_bytes(*out)
}

/// HMAC-SHA256 keyed with `key`. HMAC pads a key shorter than the hash's
/// 64-byte block with zero bytes, so the padded block is the same key; this
/// way there is no fallible constructor (and no panic) on the path.
fn hmac_of(key: &DerivedKey) -> hmac::Hmac<sha2::Sha256> {
    use hmac::KeyInit;
    let mut block = Zeroizing::new([0u8; 64]);
    block[..KEY_LEN].copy_from_slice(key.expose());
    hmac::Hmac::<sha2::Sha256>::new(&(*block).into())
}

/// HMAC-SHA256 of `message` under `key`.
pub fn hmac_sha256(key: &DerivedKey, message: &[u8]) -> [u8; MAC_LEN] {
    use hmac::Mac;
    let mut mac = hmac_of(key);
    mac.update(message);
    mac.finalize().into_bytes().into()
}

/// Whether `tag` is the HMAC-SHA256 of `message` under `key`, compared in
/// constant time.
pub fn hmac_verify(key: &DerivedKey, message: &[u8], tag: &[u8]) -> bool {
    use hmac::Mac;
    let mut mac = hmac_of(key);
    mac.update(message);
    mac.verify_slice(tag).is_ok()
}

/// Fills `N` bytes from the operating system / `crypto.getRandomValues`.
pub fn random<const N: usize>() -> Result<[u8; N], getrandom::Error> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf)?;
    Ok(buf)
}

/// A sealed record: nonce and ciphertext with the tag appended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sealed {
    /// The 96-bit nonce, fresh for every seal.
    pub nonce: [u8; NONCE_LEN],
    /// AES-GCM ciphertext followed by the 16-byte tag.
    pub ciphertext: Vec<u8>,
}

/// Encrypts `plaintext` under `key` with a fresh random nonce, binding `aad`.
pub fn seal(key: &DerivedKey, plaintext: &[u8], aad: &[u8]) -> Result<Sealed, getrandom::Error> {
    let nonce = random::<NONCE_LEN>()?;
    let ciphertext = key
        .cipher()
        .encrypt(
            &Nonce::from(nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        // AES-GCM encryption fails only for plaintexts over 64 GiB.
        .unwrap_or_default();
    Ok(Sealed { nonce, ciphertext })
}

/// Decrypts and authenticates; `None` when the key, nonce, ciphertext or
/// associated data do not match.
pub fn open(key: &DerivedKey, sealed: &Sealed, aad: &[u8]) -> Option<Zeroizing<Vec<u8>>> {
    if sealed.ciphertext.len() < TAG_LEN {
        return None;
    }
    key.cipher()
        .decrypt(
            &Nonce::from(sealed.nonce),
            Payload {
                msg: &sealed.ciphertext,
                aad,
            },
        )
        .ok()
        .map(Zeroizing::new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_aad_binding() {
        let key = DerivedKey::from_bytes([7; 32]);
        let s = seal(&key, b"secret", b"ad").unwrap();
        assert_eq!(&open(&key, &s, b"ad").unwrap()[..], b"secret");
        assert!(open(&key, &s, b"other").is_none());
        assert!(open(&DerivedKey::from_bytes([8; 32]), &s, b"ad").is_none());
    }

    #[test]
    fn nonces_are_fresh() {
        let key = DerivedKey::from_bytes([7; 32]);
        assert_ne!(
            seal(&key, b"x", b"").unwrap().nonce,
            seal(&key, b"x", b"").unwrap().nonce
        );
    }

    #[test]
    fn hmac_matches_the_crates_own_keying() {
        use hmac::{KeyInit, Mac};
        let key = DerivedKey::from_bytes([0x0b; 32]);
        let mut reference = <hmac::Hmac<sha2::Sha256>>::new_from_slice(&[0x0b; 32]).unwrap();
        reference.update(b"Hi There");
        let want: [u8; MAC_LEN] = reference.finalize().into_bytes().into();
        assert_eq!(hmac_sha256(&key, b"Hi There"), want);
        assert!(hmac_verify(&key, b"Hi There", &want));
        assert!(!hmac_verify(&key, b"Hi there", &want));
    }

    #[test]
    fn debug_is_redacted() {
        assert_eq!(
            format!("{:?}", DerivedKey::from_bytes([1; 32])),
            "DerivedKey(<redacted>)"
        );
    }
}
