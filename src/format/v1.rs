//! Version 1 (byok-keyring 0.1): one PBKDF2 key for everything, a `check`
//! ciphertext, unauthenticated metadata. Read, kept while locked, and
//! rewritten as version 2 at the first unlock (docs/FORMAT.md §9).

use super::{
    b64, decode_ct, decode_fixed, field, json, object_of, parse_kdf, parse_record, FormatError,
    KdfParams, Records, Vault, TAG_LEN,
};
use crate::crypto::{Sealed, NONCE_LEN};
use litemap::LiteMap;
use serde::Serialize;

/// What a version 1 vault has that version 2 has not.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Legacy {
    /// The one key derivation of the vault.
    pub kdf: KdfParams,
    /// AES-GCM of the empty plaintext: exactly the 16-byte tag.
    pub check: Sealed,
}

const VAULT_FIELDS: &[&str] = &["v", "kdf", "check", "records"];
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

pub(super) fn parse(root: &json::Json) -> Result<Vault, FormatError> {
    use crate::json::Value;
    if !json::only_keys(root, VAULT_FIELDS) {
        return Err(FormatError::NotAVault);
    }
    let kdf = parse_kdf(&field(root, "kdf")?)?;
    let check = field(root, "check")?;
    if !json::only_keys(&check, &["nonce", "ct"]) {
        return Err(FormatError::NotAVault);
    }
    let text = |name| check.member(name).and_then(|v| v.text());
    let nonce = decode_fixed::<NONCE_LEN>(&text("nonce").ok_or(FormatError::NotAVault)?, "check")?;
    // The check is the tag of the empty plaintext: exactly 16 bytes.
    let ciphertext = decode_ct(&text("ct").ok_or(FormatError::NotAVault)?, "check")?;
    if ciphertext.len() != TAG_LEN {
        return Err(FormatError::BadField("check"));
    }
    let records: Records = object_of(root, "records", |provider, r| {
        super::known_provider(provider)?;
        parse_record(r, RECORD_FIELDS)
    })?;
    Ok(Vault {
        id: [0; super::VAULT_ID_LEN],
        slots: LiteMap::new(),
        records,
        macs: LiteMap::new(),
        removed: LiteMap::new(),
        disabled: LiteMap::new(),
        mac: [0; crate::crypto::MAC_LEN],
        legacy: Some(Legacy {
            kdf,
            check: Sealed { nonce, ciphertext },
        }),
    })
}

#[derive(Serialize)]
struct VaultJson<'a> {
    v: u64,
    kdf: super::v2::KdfJson,
    check: SealedJson,
    records: RecordsJson<'a>,
}

#[derive(Serialize)]
struct SealedJson {
    nonce: String,
    ct: String,
}

struct RecordsJson<'a>(&'a Records);

impl Serialize for RecordsJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (provider, r) in self.0 {
            map.serialize_entry(provider, &super::v2::RecordJson::new(r, false))?;
        }
        map.end()
    }
}

/// A version 1 vault as text (locked changes to a vault not yet rewritten).
pub(super) fn to_json(legacy: &Legacy, records: &Records) -> Option<String> {
    crate::json::to_string(&VaultJson {
        v: 1,
        kdf: super::v2::KdfJson::new(&legacy.kdf),
        check: SealedJson {
            nonce: b64(&legacy.check.nonce),
            ct: b64(&legacy.check.ciphertext),
        },
        records: RecordsJson(records),
    })
}

/// Version 1 associated data of the passphrase check.
pub fn check_aad_v1(namespace: &str) -> Vec<u8> {
    super::aad("1", "check", &[namespace])
}

/// Version 1 associated data of a record.
pub fn record_aad_v1(namespace: &str, provider: &str) -> Vec<u8> {
    super::aad("1", "record", &[namespace, provider])
}
