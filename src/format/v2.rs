//! Version 2: a random vault key wrapped once per unlock method (key
//! slots), keys for records and for the MAC derived from it with HKDF, and
//! every field a decision relies on covered by a MAC (docs/FORMAT.md).

use super::{
    b64, bounded_text, decode_fixed, field, is_slot_id, json, known_provider, object_of, parse_kdf,
    parse_record, string_field, whole_field, FormatError, KdfParams, Record, Records, Vault,
    KDF_NAME, VAULT_ID_LEN,
};
use crate::crypto::{Sealed, KEY_LEN, MAC_LEN, NONCE_LEN, TAG_LEN};
use crate::json::Value;
use crate::limits::{MAX_CREDENTIAL_ID_LEN, MAX_PASSKEY_NAME_LEN, MAX_RP_ID_LEN, MAX_SLOTS};
use base64ct::{Base64 as B64, Encoding};
use litemap::LiteMap;
use serde::Serialize;

/// The id of the passphrase slot.
pub const PASSPHRASE_SLOT: &str = "passphrase";
/// HKDF `info` of the record encryption key.
pub const RECORD_INFO: &[u8] = b"byok-keyring/2 record";
/// HKDF `info` of the MAC key.
pub const MAC_INFO: &[u8] = b"byok-keyring/2 mac";
/// HKDF `info` of a passkey slot's wrapping key (from the PRF output).
pub const PASSKEY_INFO: &[u8] = b"byok-keyring/2 passkey";
/// Length of a passkey slot's salt (its PRF input and HKDF salt).
pub const PRF_SALT_LEN: usize = 32;
/// Prefix of a passkey slot's id (a random suffix follows).
pub const PASSKEY_SLOT_PREFIX: &str = "passkey-";

/// One unlock method: the vault key, wrapped (AES-256-GCM) under a key the
/// method gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Slot {
    /// How the wrapping key is obtained.
    pub kind: SlotKind,
    /// The wrapped vault key: 32 bytes of ciphertext and the 16-byte tag.
    pub wrapped: Sealed,
}

/// The kinds of unlock method.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SlotKind {
    /// PBKDF2-HMAC-SHA256 of the passphrase.
    Passphrase(KdfParams),
    /// HKDF of a WebAuthn credential's PRF output.
    Passkey(Passkey),
}

/// A passkey slot's parameters. None of them is secret: the wrapping key
/// comes from the authenticator (the PRF output for `salt`), never from
/// storage.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Passkey {
    /// The WebAuthn credential id (raw bytes).
    pub credential: Vec<u8>,
    /// Random per slot: the PRF input (`eval.first`) and the HKDF salt.
    pub salt: [u8; PRF_SALT_LEN],
    /// The name the user gave it (shown by `unlockMethods`).
    pub name: String,
    /// The WebAuthn relying party id it was made for, if not the page's
    /// own host.
    pub rp_id: Option<String>,
    /// When it was added, in milliseconds since the Unix epoch.
    pub created_at: u64,
}

const VAULT_FIELDS: &[&str] = &[
    "v", "id", "slots", "records", "macs", "removed", "disabled", "mac",
];
const SLOT_FIELDS: &[&str] = &["kind", "kdf", "nonce", "key"];
const PASSKEY_SLOT_FIELDS: &[&str] = &[
    "kind",
    "credential",
    "salt",
    "name",
    "rpId",
    "createdAt",
    "nonce",
    "key",
];
const RECORD_FIELDS: &[&str] = &[
    "nonce",
    "ct",
    "masked",
    "model",
    "baseUrl",
    "enabled",
    "createdAt",
    "updatedAt",
    "expiresAt",
];

pub(super) fn parse(root: &json::Json) -> Result<Vault, FormatError> {
    if !json::only_keys(root, VAULT_FIELDS) {
        return Err(FormatError::NotAVault);
    }
    let id = decode_fixed::<VAULT_ID_LEN>(&string_field(root, "id")?, "id")?;
    let slots = object_of(root, "slots", |id, s| {
        if !is_slot_id(id) {
            return Err(FormatError::BadField("slots"));
        }
        parse_slot(s)
    })?;
    if slots.is_empty() || slots.len() > MAX_SLOTS {
        return Err(FormatError::BadField("slots"));
    }
    let records: Records = object_of(root, "records", |provider, r| {
        known_provider(provider)?;
        parse_record(r, RECORD_FIELDS)
    })?;
    let macs = object_of(root, "macs", |provider, m| {
        known_provider(provider)?;
        decode_fixed::<MAC_LEN>(&m.text().ok_or(FormatError::NotAVault)?, "macs")
    })?;
    let times = |name| {
        object_of(root, name, |provider, t| {
            known_provider(provider)?;
            t.whole().ok_or(FormatError::NotAVault)
        })
    };
    Ok(Vault {
        id,
        slots,
        records,
        macs,
        removed: times("removed")?,
        disabled: times("disabled")?,
        mac: decode_fixed::<MAC_LEN>(&string_field(root, "mac")?, "mac")?,
        legacy: None,
    })
}

fn parse_slot(s: &json::Json) -> Result<Slot, FormatError> {
    let kind = match string_field(s, "kind")?.as_str() {
        "passphrase" if json::only_keys(s, SLOT_FIELDS) => {
            SlotKind::Passphrase(parse_kdf(&field(s, "kdf")?)?)
        }
        "passkey" if json::only_keys(s, PASSKEY_SLOT_FIELDS) => {
            SlotKind::Passkey(parse_passkey(s)?)
        }
        "passphrase" | "passkey" => return Err(FormatError::NotAVault),
        _ => return Err(FormatError::BadField("slots.kind")),
    };
    let nonce = decode_fixed::<NONCE_LEN>(&string_field(s, "nonce")?, "slots.nonce")?;
    let key = decode_fixed::<{ KEY_LEN + TAG_LEN }>(&string_field(s, "key")?, "slots.key")?;
    Ok(Slot {
        kind,
        wrapped: Sealed {
            nonce,
            ciphertext: key.to_vec(),
        },
    })
}

fn parse_passkey(s: &json::Json) -> Result<Passkey, FormatError> {
    let credential = string_field(s, "credential")?;
    // Refused before decoding when longer than any id this version writes.
    if credential.len() > MAX_CREDENTIAL_ID_LEN.div_ceil(3) * 4 {
        return Err(FormatError::BadField("slots.credential"));
    }
    let credential = B64::decode_vec(&credential)
        .ok()
        .filter(|c| (1..=MAX_CREDENTIAL_ID_LEN).contains(&c.len()))
        .ok_or(FormatError::BadField("slots.credential"))?;
    let name = string_field(s, "name")?;
    if crate::text::char_count(&name) > MAX_PASSKEY_NAME_LEN {
        return Err(FormatError::BadField("slots.name"));
    }
    let rp_id = bounded_text(s, "rpId", MAX_RP_ID_LEN, "slots.rpId")?;
    Ok(Passkey {
        credential,
        salt: decode_fixed::<PRF_SALT_LEN>(&string_field(s, "salt")?, "slots.salt")?,
        name,
        rp_id,
        created_at: whole_field(s, "createdAt")?,
    })
}

// ---- writing ----

#[derive(Serialize)]
pub(super) struct KdfJson {
    name: &'static str,
    iterations: u64,
    salt: String,
}

impl KdfJson {
    pub(super) fn new(kdf: &KdfParams) -> Self {
        KdfJson {
            name: KDF_NAME,
            iterations: u64::from(kdf.iterations),
            salt: b64(&kdf.salt),
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RecordJson<'a> {
    nonce: String,
    ct: String,
    masked: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    model: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    base_url: Option<&'a str>,
    enabled: bool,
    created_at: u64,
    updated_at: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    expires_at: Option<u64>,
}

impl<'a> RecordJson<'a> {
    /// `with_base_url`: version 1 has no such field.
    pub(super) fn new(r: &'a Record, with_base_url: bool) -> Self {
        RecordJson {
            nonce: b64(&r.sealed.nonce),
            ct: b64(&r.sealed.ciphertext),
            masked: &r.masked,
            model: r.model.as_deref(),
            base_url: r.base_url.as_deref().filter(|_| with_base_url),
            enabled: r.enabled,
            created_at: r.created_at,
            updated_at: r.updated_at,
            expires_at: r.expires_at,
        }
    }
}

/// A slot as stored: `kdf` for a passphrase; `credential` … `createdAt`
/// for a passkey.
#[derive(Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct SlotJson<'a> {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kdf: Option<KdfJson>,
    #[serde(skip_serializing_if = "Option::is_none")]
    credential: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    salt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rp_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_at: Option<u64>,
    nonce: String,
    key: String,
}

/// Pairs written as a JSON object (also when empty).
pub(super) struct MapJson<K, V>(pub(super) Vec<(K, V)>);

impl<K: Serialize, V: Serialize> Serialize for MapJson<K, V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

impl<K, V> MapJson<K, V> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[derive(Serialize)]
struct VaultJson<'a> {
    v: u64,
    id: String,
    slots: MapJson<&'a str, SlotJson<'a>>,
    records: MapJson<&'a str, RecordJson<'a>>,
    #[serde(skip_serializing_if = "MapJson::is_empty")]
    macs: MapJson<&'a str, String>,
    #[serde(skip_serializing_if = "MapJson::is_empty")]
    removed: MapJson<&'a str, u64>,
    #[serde(skip_serializing_if = "MapJson::is_empty")]
    disabled: MapJson<&'a str, u64>,
    mac: String,
}

fn times(m: &LiteMap<String, u64>) -> MapJson<&str, u64> {
    MapJson(m.iter().map(|(p, t)| (p.as_str(), *t)).collect())
}

pub(super) fn to_json(v: &Vault) -> Option<String> {
    let slots = v
        .slots
        .iter()
        .map(|(id, s)| {
            let base = SlotJson {
                nonce: b64(&s.wrapped.nonce),
                key: b64(&s.wrapped.ciphertext),
                ..SlotJson::default()
            };
            let json = match &s.kind {
                SlotKind::Passphrase(kdf) => SlotJson {
                    kind: "passphrase",
                    kdf: Some(KdfJson::new(kdf)),
                    ..base
                },
                SlotKind::Passkey(p) => SlotJson {
                    kind: "passkey",
                    credential: Some(b64(&p.credential)),
                    salt: Some(b64(&p.salt)),
                    name: Some(&p.name),
                    rp_id: p.rp_id.as_deref(),
                    created_at: Some(p.created_at),
                    ..base
                },
            };
            (id.as_str(), json)
        })
        .collect();

    crate::json::to_string(&VaultJson {
        v: 2,
        id: b64(&v.id),
        slots: MapJson(slots),
        records: MapJson(
            v.records
                .iter()
                .map(|(p, r)| (p.as_str(), RecordJson::new(r, true)))
                .collect(),
        ),
        macs: MapJson(v.macs.iter().map(|(p, m)| (p.as_str(), b64(m))).collect()),
        removed: times(&v.removed),
        disabled: times(&v.disabled),
        mac: b64(&v.mac),
    })
}

// ---- what is bound and authenticated (docs/FORMAT.md §4) ----

/// Associated data of a slot's wrapped vault key: binds it to the
/// namespace, the vault and the slot.
pub fn slot_aad(namespace: &str, vault_id: &[u8; VAULT_ID_LEN], slot: &str) -> Vec<u8> {
    super::aad("2", "slot", &[namespace, &b64(vault_id), slot])
}

/// Associated data of a record's ciphertext: binds it to the namespace and
/// the provider (the vault is bound by the record key itself).
pub fn record_aad(namespace: &str, provider: &str) -> Vec<u8> {
    super::aad("2", "record", &[namespace, provider])
}

/// The MAC input: each field as a 4-byte big-endian length and its UTF-8
/// bytes, in a fixed order.
struct MacInput(Vec<u8>);

impl MacInput {
    fn new(label: &str) -> Self {
        let mut m = MacInput(Vec::with_capacity(256));
        m.text(label);
        m
    }
    fn text(&mut self, s: &str) -> &mut Self {
        let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
        self.0.extend_from_slice(&len.to_be_bytes());
        self.0.extend_from_slice(s.as_bytes());
        self
    }
    fn number(&mut self, n: Option<u64>) -> &mut Self {
        match n {
            Some(n) => self.text(crate::text::digits(n, &mut [0; 20])),
            None => self.text(""),
        }
    }
}

/// What a record's MAC covers: the namespace, the provider, and every field
/// of the record as stored (ciphertext included).
pub fn record_mac_input(namespace: &str, provider: &str, r: &Record) -> Vec<u8> {
    let mut m = MacInput::new("byok-keyring/2 record");
    m.text(namespace)
        .text(provider)
        .text(&b64(&r.sealed.nonce))
        .text(&b64(&r.sealed.ciphertext))
        .text(&r.masked)
        .text(r.model.as_deref().unwrap_or(""))
        .text(r.base_url.as_deref().unwrap_or(""))
        .text(if r.enabled { "true" } else { "false" })
        .number(Some(r.created_at))
        .number(Some(r.updated_at))
        .number(r.expires_at);
    m.0
}

/// What the vault MAC covers: the namespace, the vault id, every slot (its
/// id, kind, parameters and wrapped key) and every record MAC.
pub fn vault_mac_input(namespace: &str, v: &Vault) -> Vec<u8> {
    let mut m = MacInput::new("byok-keyring/2 vault");
    m.text(namespace).text(&b64(&v.id));
    m.number(Some(v.slots.len() as u64));
    for (id, s) in &v.slots {
        m.text(id);
        match &s.kind {
            SlotKind::Passphrase(kdf) => m
                .text("passphrase")
                .text(KDF_NAME)
                .number(Some(u64::from(kdf.iterations)))
                .text(&b64(&kdf.salt)),
            SlotKind::Passkey(p) => m
                .text("passkey")
                .text(&b64(&p.credential))
                .text(&b64(&p.salt))
                .text(&p.name)
                .text(p.rp_id.as_deref().unwrap_or(""))
                .number(Some(p.created_at)),
        };
        m.text(&b64(&s.wrapped.nonce))
            .text(&b64(&s.wrapped.ciphertext));
    }
    m.number(Some(v.macs.len() as u64));
    for (provider, mac) in &v.macs {
        m.text(provider).text(&b64(mac));
    }
    m.0
}
