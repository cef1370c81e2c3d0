//! The stored vault format (written down in `docs/FORMAT.md`): version 2,
//! which this crate writes, and version 1, which it still reads and rewrites
//! as version 2 at the first unlock.
//!
//! This module only turns bytes into checked structures and back, and says
//! which bytes are authenticated; it knows no keys and does no crypto.
//! Everything read from storage is untrusted: parsing enforces sizes and
//! ranges, so hostile storage content cannot make the page do unbounded work.

mod v1;
mod v2;

pub use crate::limits::{
    DEFAULT_ITERATIONS, MAX_ITERATIONS, MAX_RECORD_CIPHERTEXT, MAX_VAULT_BYTES, MIN_ITERATIONS,
};
pub use v1::{check_aad_v1, record_aad_v1, Legacy};
pub use v2::{
    record_aad, record_mac_input, slot_aad, vault_mac_input, Passkey, Slot, SlotKind, MAC_INFO,
    PASSKEY_INFO, PASSKEY_SLOT_PREFIX, PASSPHRASE_SLOT, PRF_SALT_LEN, RECORD_INFO,
};

use crate::crypto::{Sealed, MAC_LEN, NONCE_LEN, SALT_LEN, TAG_LEN};
use crate::json::{self, Value};
use base64ct::{Base64 as B64, Encoding};
use litemap::LiteMap;

/// Records by provider id, in id order (at most one per provider).
pub type Records = LiteMap<String, Record>;

/// The format version this crate writes.
pub const VERSION: u32 = 2;
/// The only key derivation function of the passphrase slot.
pub const KDF_NAME: &str = "PBKDF2-HMAC-SHA256";
/// Record plaintexts are padded with zero bytes to a multiple of this, so
/// the stored ciphertext does not tell a key's exact length.
pub const PAD_TO: usize = 64;
/// Prefix of the storage item name; the namespace follows it.
pub const STORAGE_PREFIX: &str = "byok-keyring:";
/// Length of a vault id in bytes.
pub const VAULT_ID_LEN: usize = 16;

/// Why stored data was refused. Becomes [`crate::ErrorCode::Corrupt`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormatError {
    /// Not JSON, or JSON of the wrong shape.
    NotAVault,
    /// Larger than [`MAX_VAULT_BYTES`].
    TooLarge,
    /// Written by a newer version of the format.
    UnsupportedVersion(u64),
    /// A version number no byok-keyring ever wrote (0).
    UnknownVersion(u64),
    /// A KDF other than PBKDF2-HMAC-SHA256.
    UnknownKdf,
    /// An iteration count outside the accepted range.
    IterationsOutOfRange,
    /// A field that is not valid base64 or has the wrong length.
    BadField(&'static str),
    /// A record under a name that cannot be a provider id.
    UnknownProvider,
    /// A record that does not decrypt with the vault's key: it was modified,
    /// or copied from another vault, outside byok-keyring.
    RecordDoesNotOpen(&'static str),
}

impl FormatError {
    /// What is wrong, as a clause ("it is not a byok-keyring vault"): the
    /// `Display` text, made without `core::fmt` (the browser build has none).
    pub fn describe(&self) -> String {
        use crate::text::{concat, decimal};
        match self {
            FormatError::NotAVault => "it is not a byok-keyring vault".into(),
            FormatError::TooLarge => "it is larger than any vault this version writes".into(),
            FormatError::UnsupportedVersion(v) => concat(&[
                "it was written by a newer version of byok-keyring (format version ",
                &decimal(*v),
                "); this version reads format versions 1 and 2. Update byok-keyring to read it",
            ]),
            FormatError::UnknownVersion(v) => concat(&[
                "its format version ",
                &decimal(*v),
                " was never written by byok-keyring",
            ]),
            FormatError::UnknownKdf => "it uses an unknown key derivation function".into(),
            FormatError::IterationsOutOfRange => concat(&[
                "its iteration count is outside ",
                &decimal(MIN_ITERATIONS),
                "..=",
                &decimal(MAX_ITERATIONS),
            ]),
            FormatError::BadField(field) => concat(&["its field ", field, " is malformed"]),
            FormatError::UnknownProvider => "it holds a record for an unknown provider".into(),
            FormatError::RecordDoesNotOpen(provider) => concat(&[
                "the stored key for ",
                provider,
                " does not decrypt (it was modified outside byok-keyring)",
            ]),
        }
    }
}

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl std::error::Error for FormatError {}

/// The key-derivation parameters of a passphrase.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KdfParams {
    /// Random salt, fresh for every vault and passphrase change.
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
    /// Optional endpoint the key is used with (format 2; authenticated).
    pub base_url: Option<String>,
    /// Whether the key is used.
    pub enabled: bool,
    /// Milliseconds since the Unix epoch.
    pub created_at: u64,
    /// Milliseconds since the Unix epoch.
    pub updated_at: u64,
    /// When the key stops being used, in milliseconds since the Unix epoch.
    pub expires_at: Option<u64>,
}

impl Record {
    /// The order in which two writes of one provider win: the later
    /// `updatedAt`, and for equal times the larger nonce, so every tab picks
    /// the same one.
    pub fn is_newer_than(&self, other: &Record) -> bool {
        (self.updated_at, self.sealed.nonce) > (other.updated_at, other.sealed.nonce)
    }

    /// Whether this record outlives a removal of its provider made at
    /// `removed_at` (none: it does): a removal wins over a write made at the
    /// same moment or before it.
    pub fn outlives(&self, removed_at: Option<&u64>) -> bool {
        removed_at.is_none_or(|t| *t < self.updated_at)
    }
}

/// A parsed vault. Version 2 in memory; a version 1 vault read from storage
/// carries its [`Legacy`] parameters until it is rewritten.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vault {
    /// Random per-vault id: a vault replaced by another (reset and create
    /// elsewhere) has another id.
    pub id: [u8; VAULT_ID_LEN],
    /// The unlock methods, each wrapping the vault key, by slot id.
    pub slots: LiteMap<String, Slot>,
    /// Records by provider id, in id order.
    pub records: Records,
    /// Each record's MAC as last sealed with the vault key, by provider id.
    pub macs: LiteMap<String, [u8; MAC_LEN]>,
    /// Removals, by provider id: when the key was removed (tombstones).
    pub removed: LiteMap<String, u64>,
    /// Keys disabled while locked, by provider id: when (sealed into the
    /// record at the next unlocked write).
    pub disabled: LiteMap<String, u64>,
    /// The MAC over the slots and `macs`.
    pub mac: [u8; MAC_LEN],
    /// Set for a version 1 vault: its parameters (records are sealed the
    /// version 1 way until the vault is rewritten).
    pub legacy: Option<Legacy>,
}

impl Vault {
    /// A new version 2 vault with no slot and no record yet (its MAC is set
    /// when it is sealed for writing).
    pub fn empty(id: [u8; VAULT_ID_LEN]) -> Vault {
        Vault {
            id,
            slots: LiteMap::new(),
            records: Records::new(),
            macs: LiteMap::new(),
            removed: LiteMap::new(),
            disabled: LiteMap::new(),
            mac: [0; MAC_LEN],
            legacy: None,
        }
    }

    /// Parses and checks a stored vault of either version.
    pub fn parse(text: &str) -> Result<Vault, FormatError> {
        if text.len() > MAX_VAULT_BYTES {
            return Err(FormatError::TooLarge);
        }
        let root = json::parse(text).ok_or(FormatError::NotAVault)?;
        // Look at the version first, so a newer format with other fields is
        // reported as newer rather than as garbage.
        match whole_field(&root, "v")? {
            1 => v1::parse(&root),
            2 => v2::parse(&root),
            0 => Err(FormatError::UnknownVersion(0)),
            v => Err(FormatError::UnsupportedVersion(v)),
        }
    }

    /// Serializes to the stored JSON text (version 1 for a legacy vault not
    /// yet rewritten, else version 2). `None` when a moment or count in it
    /// is beyond 2^53 − 1, what a JS number holds exactly (only a broken
    /// clock makes one): such a vault must not be stored.
    pub fn to_json(&self) -> Option<String> {
        match &self.legacy {
            Some(legacy) => v1::to_json(legacy, &self.records),
            None => v2::to_json(self),
        }
    }

    /// The passphrase slot's KDF parameters, if the vault has one.
    pub fn passphrase_kdf(&self) -> Option<&KdfParams> {
        if let Some(legacy) = &self.legacy {
            return Some(&legacy.kdf);
        }
        match &self.slots.get(PASSPHRASE_SLOT)?.kind {
            SlotKind::Passphrase(kdf) => Some(kdf),
            SlotKind::Passkey(_) => None,
        }
    }

    /// Whether `r`, stored for `provider`, is newer than any removal of that
    /// provider (a removal wins over a write made at the same moment).
    pub fn is_live(&self, provider: &str, r: &Record) -> bool {
        r.outlives(self.removed.get(provider))
    }

    /// Whether `provider`'s key counts as enabled: its record says so and it
    /// was not disabled while locked.
    pub fn is_enabled(&self, provider: &str) -> bool {
        self.records.get(provider).is_some_and(|r| r.enabled)
            && !self.disabled.contains_key(provider)
    }
}

// ---- shared reading helpers: every field checked ----

/// A required field.
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

fn optional_text(obj: &json::Json, name: &str) -> Result<Option<String>, FormatError> {
    match optional(obj, name) {
        None => Ok(None),
        // An empty string means absent (what `set` stores for "no model").
        Some(v) => Ok(Some(v.text().ok_or(FormatError::NotAVault)?).filter(|s| !s.is_empty())),
    }
}

/// An optional text field of at most `max` bytes (longer: `BadField(what)`).
fn bounded_text(
    obj: &json::Json,
    name: &str,
    max: usize,
    what: &'static str,
) -> Result<Option<String>, FormatError> {
    let text = optional_text(obj, name)?;
    if text.as_ref().is_some_and(|t| t.len() > max) {
        return Err(FormatError::BadField(what));
    }
    Ok(text)
}

fn optional_whole(obj: &json::Json, name: &str) -> Result<Option<u64>, FormatError> {
    match optional(obj, name) {
        None => Ok(None),
        Some(v) => Ok(Some(v.whole().ok_or(FormatError::NotAVault)?)),
    }
}

/// The members of an optional object, each checked with `read`.
fn object_of<T>(
    obj: &json::Json,
    name: &str,
    mut read: impl FnMut(&str, &json::Json) -> Result<T, FormatError>,
) -> Result<LiteMap<String, T>, FormatError> {
    let mut out = LiteMap::new();
    if let Some(list) = optional(obj, name) {
        for key in list.member_names().ok_or(FormatError::NotAVault)? {
            let value = list.member(&key).ok_or(FormatError::NotAVault)?;
            let item = read(&key, &value)?;
            out.insert(key, item);
        }
    }
    Ok(out)
}

/// A provider id: of a built-in provider, or of one an app defines. A
/// record for a provider this page does not know (an app's own provider,
/// read by a page that did not define it) is kept as it is, under the
/// vault's MAC, and not used; an id that cannot be a provider's
/// (`^[a-z0-9_-]{1,32}$`) makes the vault unreadable.
fn known_provider(id: &str) -> Result<(), FormatError> {
    if crate::validate::shown_id(id) == id {
        Ok(())
    } else {
        Err(FormatError::UnknownProvider)
    }
}

fn iterations(value: u64) -> Result<u32, FormatError> {
    u32::try_from(value)
        .ok()
        .filter(|i| (MIN_ITERATIONS..=MAX_ITERATIONS).contains(i))
        .ok_or(FormatError::IterationsOutOfRange)
}

fn parse_kdf(kdf: &json::Json) -> Result<KdfParams, FormatError> {
    if !json::only_keys(kdf, &["name", "iterations", "salt"]) {
        return Err(FormatError::NotAVault);
    }
    if string_field(kdf, "name")? != KDF_NAME {
        return Err(FormatError::UnknownKdf);
    }
    Ok(KdfParams {
        iterations: iterations(whole_field(kdf, "iterations")?)?,
        salt: decode_fixed::<SALT_LEN>(&string_field(kdf, "salt")?, "kdf.salt")?,
    })
}

/// The record fields both versions share (version 2 adds `baseUrl`).
fn parse_record(r: &json::Json, fields: &[&str]) -> Result<Record, FormatError> {
    use crate::limits::{MAX_BASE_URL_LEN, MAX_MASKED_CHARS, MAX_MODEL_LEN};
    if !json::only_keys(r, fields) {
        return Err(FormatError::NotAVault);
    }
    let nonce = decode_fixed::<NONCE_LEN>(&string_field(r, "nonce")?, "records.nonce")?;
    let ciphertext = decode_ct(&string_field(r, "ct")?, "records.ct")?;
    if ciphertext.len() < TAG_LEN + PAD_TO || (ciphertext.len() - TAG_LEN) % PAD_TO != 0 {
        return Err(FormatError::BadField("records.ct"));
    }
    let masked = string_field(r, "masked")?;
    if crate::text::char_count(&masked) > MAX_MASKED_CHARS {
        return Err(FormatError::BadField("records.masked"));
    }
    let model = bounded_text(r, "model", MAX_MODEL_LEN, "records.model")?;
    let base_url = bounded_text(r, "baseUrl", MAX_BASE_URL_LEN, "records.baseUrl")?;
    Ok(Record {
        sealed: Sealed { nonce, ciphertext },
        masked,
        model,
        base_url,
        enabled: field(r, "enabled")?.flag().ok_or(FormatError::NotAVault)?,
        created_at: whole_field(r, "createdAt")?,
        updated_at: whole_field(r, "updatedAt")?,
        expires_at: optional_whole(r, "expiresAt")?,
    })
}

fn decode_fixed<const N: usize>(text: &str, field: &'static str) -> Result<[u8; N], FormatError> {
    // Longer text cannot decode to N bytes: refuse it before decoding.
    if text.len() > N.div_ceil(3) * 4 {
        return Err(FormatError::BadField(field));
    }
    let bytes = B64::decode_vec(text).map_err(|_| FormatError::BadField(field))?;
    bytes.try_into().map_err(|_| FormatError::BadField(field))
}

/// A ciphertext of at most [`MAX_RECORD_CIPHERTEXT`] bytes (the whole vault
/// is at most [`MAX_VAULT_BYTES`], which bounds the decode).
fn decode_ct(text: &str, field: &'static str) -> Result<Vec<u8>, FormatError> {
    let ciphertext = B64::decode_vec(text).map_err(|_| FormatError::BadField(field))?;
    if ciphertext.len() < TAG_LEN || ciphertext.len() > MAX_RECORD_CIPHERTEXT {
        return Err(FormatError::BadField(field));
    }
    Ok(ciphertext)
}

fn b64(bytes: &[u8]) -> String {
    B64::encode_string(bytes)
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
    crate::text::concat(&[STORAGE_PREFIX, namespace])
}

/// Associated data: `"byok-keyring" 0 version 0 kind`, then each of
/// `parts` after a zero byte (docs/FORMAT.md §4; the parts hold no zero
/// byte, so the encoding is unambiguous).
fn aad(version: &str, kind: &str, parts: &[&str]) -> Vec<u8> {
    let mut aad = [
        b"byok-keyring\0",
        version.as_bytes(),
        b"\0",
        kind.as_bytes(),
    ]
    .concat();
    for part in parts {
        aad.push(0);
        aad.extend_from_slice(part.as_bytes());
    }
    aad
}

/// Associated data of a resume ticket's wrapped vault key (docs/FORMAT.md,
/// "Resume ticket"): binds it to the namespace and the vault. Not part of
/// the vault: the ticket lives in the tab's sessionStorage.
pub fn resume_aad(namespace: &str, vault_id: &[u8; VAULT_ID_LEN]) -> Vec<u8> {
    aad("2", "resume", &[namespace, &b64(vault_id)])
}

/// Whether `id` may name a slot: `^[a-z0-9_-]{1,32}$`.
fn is_slot_id(id: &str) -> bool {
    (1..=32).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

#[cfg(test)]
mod tests;
