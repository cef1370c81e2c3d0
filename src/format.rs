//! The stored vault format, version 1 (written down in `docs/FORMAT.md`).
//!
//! This module only turns bytes into checked structures and back; it knows no
//! keys and does no crypto. Everything read from storage is untrusted: parsing
//! enforces sizes and ranges, so hostile storage content cannot make the page
//! do unbounded work (an iteration count of 4 billion would freeze the tab).

use crate::crypto::{Sealed, NONCE_LEN, SALT_LEN, TAG_LEN};
use crate::json::{self, Value};
pub use crate::limits::{
    DEFAULT_ITERATIONS, MAX_ITERATIONS, MAX_RECORD_CIPHERTEXT, MAX_VAULT_BYTES, MIN_ITERATIONS,
};
use crate::limits::{MAX_MASKED_CHARS, MAX_MODEL_LEN};
use base64ct::{Base64 as B64, Encoding};
use litemap::LiteMap;
use serde::Serialize;

/// Records by provider id, in id order (at most one per provider).
pub type Records = LiteMap<String, Record>;

/// The format version this crate writes and reads.
pub const VERSION: u32 = 1;
/// The only key derivation function of version 1.
pub const KDF_NAME: &str = "PBKDF2-HMAC-SHA256";
/// Record plaintexts are padded with zero bytes to a multiple of this, so
/// the stored ciphertext does not tell a key's exact length.
pub const PAD_TO: usize = 64;
/// Prefix of the storage item name; the namespace follows it.
pub const STORAGE_PREFIX: &str = "byok-keyring:";

/// Why stored data was refused. Becomes [`crate::ErrorCode::Corrupt`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// Not JSON, or JSON of the wrong shape.
    #[error("it is not a byok-keyring vault")]
    NotAVault,
    /// Larger than [`MAX_VAULT_BYTES`].
    #[error("it is larger than any vault this version writes")]
    TooLarge,
    /// Written by a newer version of the format.
    #[error("it was written by a newer version of byok-keyring (format version {0}); this version reads format version 1. Update byok-keyring to read it")]
    UnsupportedVersion(u64),
    /// A version number no byok-keyring ever wrote (0).
    #[error("its format version {0} was never written by byok-keyring")]
    UnknownVersion(u64),
    /// A KDF other than PBKDF2-HMAC-SHA256.
    #[error("it uses an unknown key derivation function")]
    UnknownKdf,
    /// An iteration count outside the accepted range.
    #[error("its iteration count is outside {MIN_ITERATIONS}..={MAX_ITERATIONS}")]
    IterationsOutOfRange,
    /// A field that is not valid base64 or has the wrong length.
    #[error("its field {0} is malformed")]
    BadField(&'static str),
    /// A record for a provider this version does not know.
    #[error("it holds a record for an unknown provider")]
    UnknownProvider,
    /// A record that does not decrypt with the vault's key: it was modified,
    /// or copied from another vault, outside byok-keyring.
    #[error("the stored key for {0} does not decrypt (it was modified outside byok-keyring)")]
    RecordDoesNotOpen(&'static str),
}

/// The key-derivation parameters stored with a vault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KdfParams {
    /// Random per-vault salt.
    pub salt: [u8; SALT_LEN],
    /// PBKDF2 iteration count, within the accepted range.
    pub iterations: u32,
}

/// One stored key: the sealed key and the metadata `list()` shows while locked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    /// The sealed, padded key.
    pub sealed: Sealed,
    /// The masked key (see [`fn@crate::mask`]); never more than 8 characters of it.
    pub masked: String,
    /// Optional model id chosen by the user.
    pub model: Option<String>,
    /// Whether the key is used.
    pub enabled: bool,
    /// Milliseconds since the Unix epoch.
    pub created_at: u64,
    /// Milliseconds since the Unix epoch.
    pub updated_at: u64,
    /// When the key stops being used, in milliseconds since the Unix epoch.
    pub expires_at: Option<u64>,
}

/// A parsed vault: KDF parameters, the passphrase check and the records.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vault {
    /// Key derivation parameters.
    pub kdf: KdfParams,
    /// AES-GCM of the empty plaintext; opens only with the right passphrase.
    pub check: Sealed,
    /// Records by provider id, in id order.
    pub records: Records,
}

// ---- the JSON shape (docs/FORMAT.md), as written ----

#[derive(Serialize)]
struct VaultJson<'a> {
    v: u64,
    kdf: KdfJson,
    check: SealedJson,
    records: RecordsJson<'a>,
}

/// The records as a JSON object, in provider-id order, written straight
/// from the vault's map.
struct RecordsJson<'a>(&'a Records);

impl Serialize for RecordsJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (provider, r) in self.0 {
            let sealed = encode_sealed(&r.sealed);
            map.serialize_entry(
                provider,
                &RecordJson {
                    nonce: sealed.nonce,
                    ct: sealed.ct,
                    masked: &r.masked,
                    model: r.model.as_deref(),
                    enabled: r.enabled,
                    created_at: r.created_at,
                    updated_at: r.updated_at,
                    expires_at: r.expires_at,
                },
            )?;
        }
        map.end()
    }
}

#[derive(Serialize)]
struct KdfJson {
    name: &'static str,
    iterations: u64,
    salt: String,
}

#[derive(Serialize)]
struct SealedJson {
    nonce: String,
    ct: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RecordJson<'a> {
    nonce: String,
    ct: String,
    masked: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<&'a str>,
    enabled: bool,
    created_at: u64,
    updated_at: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<u64>,
}

// ---- reading: every field checked, unknown fields refused ----

const VAULT_FIELDS: &[&str] = &["v", "kdf", "check", "records"];
const KDF_FIELDS: &[&str] = &["name", "iterations", "salt"];
const SEALED_FIELDS: &[&str] = &["nonce", "ct"];
const RECORD_FIELDS: &[&str] = &[
    "nonce",
    "ct",
    "masked",
    "model",
    "enabled",
    "createdAt",
    "updatedAt",
    "expiresAt",
];

/// A required field of an object checked with [`json::only_keys`].
fn field(obj: &json::Json, name: &str) -> Result<json::Json, FormatError> {
    obj.member(name).ok_or(FormatError::NotAVault)
}

fn string_field(obj: &json::Json, name: &str) -> Result<String, FormatError> {
    field(obj, name)?.text().ok_or(FormatError::NotAVault)
}

fn whole_field(obj: &json::Json, name: &str) -> Result<u64, FormatError> {
    field(obj, name)?.whole().ok_or(FormatError::NotAVault)
}

/// An optional field: absent or `null` is `None`.
fn optional(obj: &json::Json, name: &str) -> Option<json::Json> {
    obj.member(name).filter(|v| !v.is_null())
}

fn parse_sealed(obj: &json::Json, field: &'static str) -> Result<Sealed, FormatError> {
    let nonce = string_field(obj, "nonce")?;
    let ct = string_field(obj, "ct")?;
    decode_sealed(&nonce, &ct, field)
}

fn parse_record(r: &json::Json) -> Result<Record, FormatError> {
    if !json::only_keys(r, RECORD_FIELDS) {
        return Err(FormatError::NotAVault);
    }
    let sealed = parse_sealed(r, "records.ct")?;
    if sealed.ciphertext.len() < TAG_LEN + PAD_TO {
        return Err(FormatError::BadField("records.ct"));
    }
    let masked = string_field(r, "masked")?;
    if masked.chars().count() > MAX_MASKED_CHARS {
        return Err(FormatError::BadField("records.masked"));
    }
    let model = match optional(r, "model") {
        None => None,
        Some(m) => Some(m.text().ok_or(FormatError::NotAVault)?),
    };
    if model.as_ref().is_some_and(|m| m.len() > MAX_MODEL_LEN) {
        return Err(FormatError::BadField("records.model"));
    }
    let expires_at = match optional(r, "expiresAt") {
        None => None,
        Some(t) => Some(t.whole().ok_or(FormatError::NotAVault)?),
    };
    Ok(Record {
        sealed,
        masked,
        model,
        enabled: field(r, "enabled")?.flag().ok_or(FormatError::NotAVault)?,
        created_at: whole_field(r, "createdAt")?,
        updated_at: whole_field(r, "updatedAt")?,
        expires_at,
    })
}

impl Vault {
    /// Parses and checks a stored vault.
    pub fn parse(text: &str) -> Result<Vault, FormatError> {
        if text.len() > MAX_VAULT_BYTES {
            return Err(FormatError::TooLarge);
        }
        let root = json::parse(text).ok_or(FormatError::NotAVault)?;
        // Look at the version first, so a newer format with other fields is
        // reported as newer rather than as garbage.
        let version = whole_field(&root, "v")?;
        if version > u64::from(VERSION) {
            return Err(FormatError::UnsupportedVersion(version));
        }
        if version < u64::from(VERSION) {
            return Err(FormatError::UnknownVersion(version));
        }
        if !json::only_keys(&root, VAULT_FIELDS) {
            return Err(FormatError::NotAVault);
        }
        let kdf = field(&root, "kdf")?;
        if !json::only_keys(&kdf, KDF_FIELDS) {
            return Err(FormatError::NotAVault);
        }
        if string_field(&kdf, "name")? != KDF_NAME {
            return Err(FormatError::UnknownKdf);
        }
        let iterations = u32::try_from(whole_field(&kdf, "iterations")?)
            .ok()
            .filter(|i| (MIN_ITERATIONS..=MAX_ITERATIONS).contains(i))
            .ok_or(FormatError::IterationsOutOfRange)?;
        let salt = decode_fixed::<SALT_LEN>(&string_field(&kdf, "salt")?, "kdf.salt")?;
        let check = field(&root, "check")?;
        if !json::only_keys(&check, SEALED_FIELDS) {
            return Err(FormatError::NotAVault);
        }
        let check = parse_sealed(&check, "check")?;
        let mut records = Records::new();
        if let Some(list) = optional(&root, "records") {
            for provider in list.member_names().ok_or(FormatError::NotAVault)? {
                if crate::providers::find(&provider).is_none() {
                    return Err(FormatError::UnknownProvider);
                }
                let r = list.member(&provider).ok_or(FormatError::NotAVault)?;
                records.insert(provider, parse_record(&r)?);
            }
        }
        Ok(Vault {
            kdf: KdfParams { salt, iterations },
            check,
            records,
        })
    }

    /// Serializes to the stored JSON text.
    pub fn to_json(&self) -> String {
        let json = VaultJson {
            v: u64::from(VERSION),
            kdf: KdfJson {
                name: KDF_NAME,
                iterations: u64::from(self.kdf.iterations),
                salt: B64::encode_string(&self.kdf.salt),
            },
            check: encode_sealed(&self.check),
            records: RecordsJson(&self.records),
        };
        crate::json::to_string(&json)
    }
}

fn decode_fixed<const N: usize>(text: &str, field: &'static str) -> Result<[u8; N], FormatError> {
    let bytes = B64::decode_vec(text).map_err(|_| FormatError::BadField(field))?;
    bytes.try_into().map_err(|_| FormatError::BadField(field))
}

fn decode_sealed(nonce: &str, ct: &str, field: &'static str) -> Result<Sealed, FormatError> {
    let nonce = decode_fixed::<NONCE_LEN>(nonce, field)?;
    // The whole vault is at most MAX_VAULT_BYTES, which bounds this decode.
    let ciphertext = B64::decode_vec(ct).map_err(|_| FormatError::BadField(field))?;
    if ciphertext.len() < TAG_LEN || ciphertext.len() > MAX_RECORD_CIPHERTEXT {
        return Err(FormatError::BadField(field));
    }
    Ok(Sealed { nonce, ciphertext })
}

fn encode_sealed(s: &Sealed) -> SealedJson {
    SealedJson {
        nonce: B64::encode_string(&s.nonce),
        ct: B64::encode_string(&s.ciphertext),
    }
}

/// The associated data binding the passphrase check to a namespace.
pub fn check_aad(namespace: &str) -> Vec<u8> {
    let mut aad = b"byok-keyring\x001\x00check\x00".to_vec();
    aad.extend_from_slice(namespace.as_bytes());
    aad
}

/// The associated data binding a record to the format version, the
/// namespace and the provider.
pub fn record_aad(namespace: &str, provider: &str) -> Vec<u8> {
    let mut aad = b"byok-keyring\x001\x00record\x00".to_vec();
    aad.extend_from_slice(namespace.as_bytes());
    aad.push(0);
    aad.extend_from_slice(provider.as_bytes());
    aad
}

/// Pads a key's bytes with zero bytes to a multiple of [`PAD_TO`] (at least
/// one block). Keys never contain a zero byte (validation refuses control
/// characters), so [`unpad`] is exact.
pub fn pad(key: &[u8]) -> zeroize::Zeroizing<Vec<u8>> {
    let len = key.len().div_ceil(PAD_TO).max(1) * PAD_TO;
    let mut out = zeroize::Zeroizing::new(Vec::with_capacity(len));
    out.extend_from_slice(key);
    out.resize(len, 0);
    out
}

/// Removes the zero padding added by [`pad`].
pub fn unpad(plaintext: &[u8]) -> &[u8] {
    let end = plaintext.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    &plaintext[..end]
}

/// The storage item name for a namespace: `byok-keyring:<namespace>`.
pub fn storage_key(namespace: &str) -> String {
    [STORAGE_PREFIX, namespace].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_round_trip() {
        for n in [0usize, 1, 63, 64, 65, 200] {
            let key = vec![b'k'; n];
            let p = pad(&key);
            assert_eq!(p.len() % PAD_TO, 0);
            assert!(p.len() >= PAD_TO);
            assert_eq!(unpad(&p), &key[..]);
        }
    }

    #[test]
    fn aad_separates_namespace_and_provider() {
        assert_ne!(record_aad("a", "bc"), record_aad("ab", "c"));
        assert_ne!(check_aad("a"), record_aad("a", ""));
    }

    #[test]
    fn newer_version_is_named() {
        let e = Vault::parse(r#"{"v":2,"whatever":true}"#).unwrap_err();
        assert_eq!(e, FormatError::UnsupportedVersion(2));
        assert!(e.to_string().contains("newer version"));
    }

    #[test]
    fn garbage_is_not_a_vault() {
        assert_eq!(Vault::parse("hello").unwrap_err(), FormatError::NotAVault);
        assert_eq!(Vault::parse("{}").unwrap_err(), FormatError::NotAVault);
    }

    /// A well-formed vault with one record, as text, with `edit` applied to
    /// its JSON first.
    fn vault_text(edit: impl FnOnce(&mut serde_json::Value)) -> String {
        let record = Record {
            sealed: Sealed {
                nonce: [1; NONCE_LEN],
                ciphertext: vec![2; TAG_LEN + PAD_TO],
            },
            masked: "gsk_••••••••abcd".into(),
            model: Some("llama".into()),
            enabled: true,
            created_at: 1,
            updated_at: 2,
            expires_at: Some(3),
        };
        let vault = Vault {
            kdf: KdfParams {
                salt: [3; SALT_LEN],
                iterations: MIN_ITERATIONS,
            },
            check: Sealed {
                nonce: [4; NONCE_LEN],
                ciphertext: vec![5; TAG_LEN],
            },
            records: [("groq".to_string(), record)].into_iter().collect(),
        };
        let mut json: serde_json::Value = serde_json::from_str(&vault.to_json()).unwrap();
        edit(&mut json);
        json.to_string()
    }

    #[test]
    fn null_optional_fields_mean_absent() {
        let v = Vault::parse(&vault_text(|j| {
            j["records"]["groq"]["model"] = serde_json::Value::Null;
            j["records"]["groq"]["expiresAt"] = serde_json::Value::Null;
        }))
        .unwrap();
        let r = v.records.get("groq").unwrap();
        assert_eq!((r.model.as_deref(), r.expires_at), (None, None));
    }

    #[test]
    fn every_version_but_1_is_refused_by_name() {
        for (v, want) in [
            (0, FormatError::UnknownVersion(0)),
            (2, FormatError::UnsupportedVersion(2)),
        ] {
            let text = vault_text(|j| j["v"] = v.into());
            assert_eq!(Vault::parse(&text).unwrap_err(), want, "v = {v}");
        }
        assert!(Vault::parse(&vault_text(|_| {})).is_ok());
    }

    #[test]
    fn a_model_may_be_exactly_the_longest_accepted() {
        let at = |n: usize| {
            Vault::parse(&vault_text(|j| {
                j["records"]["groq"]["model"] = "m".repeat(n).into();
            }))
        };
        assert!(at(MAX_MODEL_LEN).is_ok());
        assert_eq!(
            at(MAX_MODEL_LEN + 1).unwrap_err(),
            FormatError::BadField("records.model")
        );
        assert_eq!(
            at(MAX_MODEL_LEN + 100).unwrap_err(),
            FormatError::BadField("records.model")
        );
    }

    #[test]
    fn a_vault_may_be_exactly_the_largest_accepted() {
        // Padded with spaces (still JSON) to an exact length.
        let pad_to = |n: usize| {
            let mut text = vault_text(|_| {});
            text.insert_str(1, &" ".repeat(n - text.len()));
            assert_eq!(text.len(), n);
            text
        };
        assert!(Vault::parse(&pad_to(MAX_VAULT_BYTES)).is_ok());
        assert_eq!(
            Vault::parse(&pad_to(MAX_VAULT_BYTES + 1)).unwrap_err(),
            FormatError::TooLarge
        );
    }

    #[test]
    fn a_record_may_hold_exactly_the_largest_ciphertext() {
        use base64ct::{Base64, Encoding};
        let with_ct = |bytes: usize| {
            Vault::parse(&vault_text(|j| {
                j["records"]["groq"]["ct"] = Base64::encode_string(&vec![7u8; bytes]).into();
            }))
        };
        assert!(with_ct(MAX_RECORD_CIPHERTEXT).is_ok());
        for over in [
            MAX_RECORD_CIPHERTEXT + 3,
            MAX_RECORD_CIPHERTEXT + 4,
            2 * MAX_RECORD_CIPHERTEXT,
        ] {
            assert_eq!(
                with_ct(over).unwrap_err(),
                FormatError::BadField("records.ct"),
                "{over} bytes"
            );
        }
    }
}
