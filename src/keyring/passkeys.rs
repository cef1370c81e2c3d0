//! Passkeys: a key slot wraps the vault key under HKDF of a WebAuthn
//! credential's PRF output (docs/FORMAT.md, "passkey slot"), and the list
//! of a vault's unlock methods.
//!
//! The WebAuthn ceremonies themselves run in the browser (`js/passkey.js`);
//! the core plans them (which credentials, which PRF input) and finishes
//! them with the PRF output, a [`PrfOutput`]. Each operation is two
//! synchronous steps, like the passphrase flows: `prepare_*` then
//! `finish_*`. Nothing about a passkey stored in the vault is secret.

use super::{random_failed, ChangeEvent, ChangeKind, Keyring, Session, Stored};
use crate::crypto::{self, DerivedKey};
use crate::error::{Error, ErrorCode, Result};
use crate::format::{
    self, Passkey, SlotKind, Vault, PASSKEY_INFO, PASSKEY_SLOT_PREFIX, PRF_SALT_LEN,
};
use crate::limits::{MAX_PASSKEY_NAME_LEN, MAX_RP_ID_LEN, MAX_SLOTS};
use serde::Serialize;
use zeroize::Zeroizing;

/// The name a passkey gets when none is given.
pub const DEFAULT_PASSKEY_NAME: &str = "Passkey";

/// The PRF output of a WebAuthn assertion (`prf.results.first`): a secret,
/// zeroized when dropped, never shown.
pub struct PrfOutput(Zeroizing<Vec<u8>>);

impl PrfOutput {
    /// Takes the bytes; an output of the wrong size (a PRF output is 32
    /// bytes) is refused with `passkey_unsupported`.
    pub fn new(bytes: Vec<u8>) -> Result<PrfOutput> {
        let bytes = Zeroizing::new(bytes);
        if bytes.len() != 32 {
            return Err(unsupported());
        }
        Ok(PrfOutput(bytes))
    }
}

impl std::fmt::Debug for PrfOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PrfOutput(..)")
    }
}

/// One way to unlock a vault (`unlockMethods()`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum UnlockMethod {
    /// The passphrase.
    #[serde(rename = "passphrase")]
    Passphrase,
    /// A passkey.
    #[serde(rename = "passkey")]
    Passkey(PasskeyInfo),
}

/// A passkey of the vault, as `addPasskey` and `unlockMethods` show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PasskeyInfo {
    /// The slot id (`removePasskey(id)`).
    pub id: String,
    /// The name it was given.
    pub name: String,
    /// When it was added, in milliseconds since the Unix epoch.
    pub created_at: u64,
}

/// A planned registration (`navigator.credentials.create`): what the
/// browser needs, and what [`Keyring::finish_add_passkey`] checks.
#[derive(Clone, Debug)]
pub struct Registration {
    /// The slot id the passkey will have.
    pub slot: String,
    /// The PRF input and HKDF salt of the new slot.
    pub salt: [u8; PRF_SALT_LEN],
    /// A random WebAuthn user handle, one per passkey, so that a second
    /// passkey made on the same authenticator does not replace the first.
    pub user_id: [u8; 16],
    /// The WebAuthn challenge (random; nothing checks the signature: the
    /// PRF output is what unlocks).
    pub challenge: [u8; 32],
    /// The passkey's name.
    pub name: String,
    /// The relying party id asked for, if any.
    pub rp_id: Option<String>,
    /// Credentials already in the vault (`excludeCredentials`).
    pub exclude: Vec<Vec<u8>>,
    /// Whether this makes a new vault (`create({ passkey })`).
    pub creates: bool,
}

/// A planned assertion (`navigator.credentials.get`) over every passkey
/// of the vault.
#[derive(Clone, Debug)]
pub struct Assertion {
    /// The relying party id the passkeys were made for (the first one's).
    pub rp_id: Option<String>,
    /// The WebAuthn challenge (random).
    pub challenge: [u8; 32],
    /// Each passkey's credential id and PRF input.
    pub credentials: Vec<(Vec<u8>, [u8; PRF_SALT_LEN])>,
}

fn unsupported() -> Error {
    Error::new(
        ErrorCode::PasskeyUnsupported,
        "This browser or passkey provider cannot unlock with a passkey (it lacks the WebAuthn PRF extension). Use your passphrase, or a passkey saved in a provider that supports it (recent Chrome, Edge, Safari or Firefox with a platform or security-key passkey).",
    )
}

fn failed(why: &str) -> Error {
    Error::new(ErrorCode::PasskeyFailed, why)
}

/// What a WebAuthn ceremony that did not return a credential means, from
/// the name of the `DOMException` it threw ("" when the browser has no
/// WebAuthn at all, or no PRF output came back). Nothing was written.
pub fn ceremony_failed(dom_exception: &str) -> Error {
    match dom_exception {
        "NotAllowedError" | "AbortError" => failed(
            "The passkey prompt was cancelled or timed out. Nothing was changed; try again, or use your passphrase.",
        ),
        "InvalidStateError" => failed(
            "This passkey is already one of this vault's unlock methods (the authenticator holds it). Use another authenticator, or unlock with it.",
        ),
        "SecurityError" => failed(
            "The browser refused the passkey for this site: rpId must be this page's host or a parent of it, on https:// or http://localhost.",
        ),
        _ => unsupported(),
    }
}

/// The wrapping key of a passkey slot.
fn slot_key(prf: &PrfOutput, salt: &[u8; PRF_SALT_LEN]) -> Result<DerivedKey> {
    let ikm = DerivedKey::from_slice(&prf.0).ok_or_else(unsupported)?;
    Ok(crypto::hkdf_sha256(&ikm, salt, PASSKEY_INFO))
}

/// Checks a passkey name: at most 64 characters, no control characters,
/// and nothing shaped like an API key (it is stored in clear).
fn checked_name(name: Option<&str>) -> Result<String> {
    let name = name.map(str::trim).filter(|n| !n.is_empty());
    let Some(name) = name else {
        return Ok(DEFAULT_PASSKEY_NAME.to_string());
    };
    if crate::text::char_count(name) > MAX_PASSKEY_NAME_LEN
        || name.chars().any(char::is_control)
        || crate::providers::looks_like_a_key(name)
    {
        return Err(Error::invalid_argument(
            "A passkey name is at most 64 characters of text (and not an API key).",
        ));
    }
    Ok(name.to_string())
}

/// Checks a relying party id: a domain name (WebAuthn then checks that it
/// is the page's host or a parent of it).
fn checked_rp_id(rp_id: Option<&str>) -> Result<Option<String>> {
    let Some(rp) = rp_id.filter(|r| !r.is_empty()) else {
        return Ok(None);
    };
    let ok = rp.len() <= MAX_RP_ID_LEN
        && rp.as_bytes().split(|&b| b == b'.').all(|label| {
            (1..=63).contains(&label.len())
                && label
                    .iter()
                    .all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        });
    if !ok {
        return Err(Error::invalid_argument(
            "rpId must be a domain name in lowercase: the page's host or a parent of it.",
        ));
    }
    Ok(Some(rp.to_string()))
}

fn passkeys(vault: &Vault) -> impl Iterator<Item = (&String, &Passkey)> {
    vault.slots.iter().filter_map(|(id, s)| match &s.kind {
        SlotKind::Passkey(p) => Some((id, p)),
        SlotKind::Passphrase(_) => None,
    })
}

impl Keyring {
    /// The vault's unlock methods, passphrase first, then passkeys in the
    /// order they were added. Works while locked.
    pub fn unlock_methods(&mut self) -> Result<Vec<UnlockMethod>> {
        self.reload()?;
        let vault = self.vault()?;
        let mut out = Vec::new();
        if vault.passphrase_kdf().is_some() {
            out.push(UnlockMethod::Passphrase);
        }
        // In the order they were added (n ≤ 16: an insertion, no sort).
        let mut keys: Vec<PasskeyInfo> = Vec::new();
        for (id, p) in passkeys(vault) {
            let at = keys
                .iter()
                .position(|k| k.created_at > p.created_at)
                .unwrap_or(keys.len());
            let info = PasskeyInfo {
                id: id.clone(),
                name: p.name.clone(),
                created_at: p.created_at,
            };
            keys.insert(at, info);
        }
        out.extend(keys.into_iter().map(UnlockMethod::Passkey));
        Ok(out)
    }

    fn registration(
        &self,
        name: Option<&str>,
        rp_id: Option<&str>,
        creates: bool,
    ) -> Result<Registration> {
        let name = checked_name(name)?;
        let rp_id = checked_rp_id(rp_id)?;
        let suffix: [u8; 6] = crypto::random().map_err(random_failed)?;
        let mut slot = String::from(PASSKEY_SLOT_PREFIX);
        for b in suffix {
            for nibble in [b >> 4, b & 15] {
                slot.push(char::from(b"0123456789abcdef"[usize::from(nibble)]));
            }
        }
        let exclude = match &self.stored {
            Stored::Vault { vault, .. } => {
                passkeys(vault).map(|(_, p)| p.credential.clone()).collect()
            }
            _ => Vec::new(),
        };
        Ok(Registration {
            slot,
            salt: crypto::random().map_err(random_failed)?,
            user_id: crypto::random().map_err(random_failed)?,
            challenge: crypto::random().map_err(random_failed)?,
            name,
            rp_id,
            exclude,
            creates,
        })
    }

    /// Step 1 of `addPasskey`: needs the keyring unlocked and room for
    /// another slot; plans the registration.
    pub fn prepare_add_passkey(
        &mut self,
        name: Option<&str>,
        rp_id: Option<&str>,
    ) -> Result<Registration> {
        self.reload()?;
        self.check_auto_lock();
        self.session()?;
        if self.vault()?.slots.len() >= MAX_SLOTS {
            return Err(Error::invalid_argument(
                "This vault has 16 unlock methods, the most it can hold. Remove a passkey first.",
            ));
        }
        self.registration(name, rp_id, false)
    }

    /// Step 1 of `create({ passkey })`: checks that there is no vault;
    /// plans the registration.
    pub fn prepare_create_with_passkey(
        &mut self,
        name: Option<&str>,
        rp_id: Option<&str>,
    ) -> Result<Registration> {
        self.ensure_no_vault()?;
        self.registration(name, rp_id, true)
    }

    /// Step 2 of `addPasskey` and `create({ passkey })`: the new
    /// credential's id and its PRF output for the planned salt. Adds the
    /// slot (or writes the new vault, unlocked) in one write.
    pub fn finish_add_passkey(
        &mut self,
        plan: Registration,
        credential: Vec<u8>,
        prf: PrfOutput,
    ) -> Result<PasskeyInfo> {
        if credential.is_empty() || credential.len() > crate::limits::MAX_CREDENTIAL_ID_LEN {
            return Err(unsupported());
        }
        let key = slot_key(&prf, &plan.salt)?;
        self.reload()?;
        let mut vault = if plan.creates {
            if !matches!(self.stored, Stored::Empty) {
                return Err(super::already_exists());
            }
            Vault::empty(crypto::random().map_err(random_failed)?)
        } else {
            self.check_auto_lock();
            self.session()?;
            self.vault()?.clone()
        };
        if vault.slots.contains_key(&plan.slot) || vault.slots.len() >= MAX_SLOTS {
            return Err(failed(
                "The vault changed while the passkey was being made (another tab?). Try again.",
            ));
        }
        let vault_key = match (&self.session, plan.creates) {
            (Some(s), false) if s.opens(&vault) => s.vault_key.clone(),
            (_, false) => return Err(Error::locked()),
            (_, true) => DerivedKey::random().map_err(random_failed)?,
        };
        let created_at = self.now();
        let kind = SlotKind::Passkey(Passkey {
            credential,
            salt: plan.salt,
            name: plan.name.clone(),
            rp_id: plan.rp_id.clone(),
            created_at,
        });
        self.put_slot(&mut vault, &plan.slot, kind, &vault_key, &key)?;
        if plan.creates {
            self.write_new_vault(vault, vault_key)?;
        } else {
            self.write(vault, &[])?;
            self.touch();
            self.events.push(ChangeEvent {
                kind: ChangeKind::Rekeyed,
                provider: None,
            });
        }
        Ok(PasskeyInfo {
            id: plan.slot,
            name: plan.name,
            created_at,
        })
    }

    /// Step 1 of `unlockWithPasskey`: the vault's passkeys, to offer in one
    /// prompt. `no_vault` without a vault; `passkey_failed` when it has no
    /// passkey.
    pub fn prepare_passkey_unlock(&mut self) -> Result<Assertion> {
        self.reload()?;
        let vault = self.vault()?;
        let credentials: Vec<_> = passkeys(vault)
            .map(|(_, p)| (p.credential.clone(), p.salt))
            .collect();
        let rp_id = passkeys(vault).find_map(|(_, p)| p.rp_id.clone());
        if credentials.is_empty() {
            return Err(failed(
                "This vault has no passkey yet. Unlock it with its passphrase, then add a passkey.",
            ));
        }
        Ok(Assertion {
            rp_id,
            challenge: crypto::random().map_err(random_failed)?,
            credentials,
        })
    }

    /// Step 2 of `unlockWithPasskey`: the credential the browser used and
    /// its PRF output. Unwraps the vault key from that passkey's slot and
    /// unlocks; `passkey_failed` (nothing changed) when it does not open.
    pub fn finish_passkey_unlock(&mut self, credential: &[u8], prf: PrfOutput) -> Result<()> {
        self.reload()?;
        let vault = self.vault()?;
        let Some((slot, passkey)) = passkeys(vault).find(|(_, p)| p.credential == credential)
        else {
            return Err(failed(
                "That passkey does not unlock these keys (it belongs to another vault, or was removed).",
            ));
        };
        let key = slot_key(&prf, &passkey.salt)?;
        let aad = format::slot_aad(&self.opts.namespace, &vault.id, slot);
        let unwrapped = vault
            .slots
            .get(slot)
            .and_then(|s| crypto::open(&key, &s.wrapped, &aad))
            .and_then(|k| DerivedKey::from_slice(&k));
        let Some(vault_key) = unwrapped else {
            return Err(failed(
                "That passkey does not unlock these keys (its stored slot does not open with it).",
            ));
        };
        let vault_id = vault.id;
        let was_unlocked = self.session.is_some();
        self.start_session(Session::new(vault_key, vault_id));
        self.seal_locked_changes();
        self.unlocked_now(was_unlocked);
        Ok(())
    }

    /// Removes a passkey (`removePasskey`): `false` when the vault has no
    /// passkey with that id; refused with `last_unlock_method` when it is
    /// the vault's only unlock method. Needs the keyring unlocked (so a
    /// passerby cannot remove a user's passkeys from a locked page).
    pub fn remove_passkey(&mut self, id: &str) -> Result<bool> {
        self.reload()?;
        self.check_auto_lock();
        self.session()?;
        let vault = self.vault()?;
        if !passkeys(vault).any(|(slot, _)| slot == id) {
            return Ok(false);
        }
        if vault.slots.len() <= 1 {
            return Err(Error::new(
                ErrorCode::LastUnlockMethod,
                "This passkey is the only way to unlock these keys. Add another passkey before removing it.",
            ));
        }
        self.update(|v| {
            v.slots.remove(id);
            Ok(Vec::new())
        })?;
        self.touch();
        self.events.push(ChangeEvent {
            kind: ChangeKind::Rekeyed,
            provider: None,
        });
        Ok(true)
    }
}
