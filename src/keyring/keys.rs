//! Storing, reading, removing, enabling and listing keys.
use super::{
    key_info, live_record, live_records, random_failed, record_damaged, tab_sync::Change,
    ChangeEvent, ChangeKind, KeyInfo, Keyring, RecordState, SetOptions, Stored,
};
use crate::crypto;
use crate::error::{Error, ErrorCode, Result};
use crate::format::{self, Record};
use crate::secret::ApiKey;
use crate::validate::validate;

impl Keyring {
    /// Validates and stores a key (needs unlocked). Surrounding whitespace is
    /// trimmed. Replacing a key keeps its `createdAt`. The key is sealed with
    /// the vault key that storage holds now: if the vault was replaced
    /// meanwhile (another tab reset it), nothing is written and the error is
    /// `locked`.
    pub fn set(&mut self, provider: &str, api_key: &str, opts: SetOptions) -> Result<KeyInfo> {
        let p = Self::provider(provider)?;
        let validation = validate(p.id, api_key);
        if !validation.valid {
            return Err(Error::invalid_key(validation));
        }
        let key = api_key.trim();
        opts.check()?;
        let base_url = opts.base_url()?;
        self.reload()?;
        self.check_auto_lock();
        let session = self.session()?;
        let now = self.now();
        let aad = format::record_aad(&self.opts.namespace, p.id);
        let sealed = crypto::seal(&session.record_key, &format::pad(key.as_bytes()), &aad)
            .map_err(random_failed)?;
        let mut vault = self.vault()?.clone();
        let created_at = live_record(&vault, p.id).map_or(now, |r| r.created_at);
        // Later than any removal of this provider, so the new key is live.
        let updated_at = vault.removed.get(p.id).map_or(now, |t| now.max(t + 1));
        vault.removed.remove(p.id);
        vault.disabled.remove(p.id);
        let record = Record {
            sealed,
            masked: crate::mask(key),
            model: opts.model.filter(|m| !m.trim().is_empty()),
            base_url,
            enabled: true,
            created_at,
            updated_at,
            expires_at: opts.expires_in_ms.map(|ms| now.saturating_add(ms)),
        };
        vault.records.insert(p.id.to_string(), record.clone());
        self.write(vault, &[p.id])?;
        self.remember(p.id, Change::Record(record));
        self.touch();
        self.events.push(ChangeEvent {
            kind: ChangeKind::Set,
            provider: Some(p.id),
        });
        self.info(p.id)
    }

    fn info(&self, provider: &str) -> Result<KeyInfo> {
        let now = self.now();
        let vault = self.vault()?;
        let state = self.session.as_ref().and_then(|s| s.state(provider));
        live_record(vault, provider)
            .and_then(|r| key_info(vault, provider, r, state, now))
            .ok_or_else(|| Error::invalid_argument("No key is stored for this provider."))
    }

    /// The stored key (needs unlocked); `None` when none is stored, it has
    /// expired, or its stored details fail their MAC (`list()` shows it as
    /// `tampered`). A disabled key is still returned. A key that does not
    /// decrypt is the error `corrupt`, naming that one key.
    pub fn get(&mut self, provider: &str) -> Result<Option<ApiKey>> {
        let p = Self::provider(provider)?;
        self.check_auto_lock();
        let now = self.now();
        let session = self.session()?;
        let state = session.state(p.id);
        let vault = self.vault()?;
        let Some(r) = live_record(vault, p.id) else {
            return Ok(None);
        };
        if r.expires_at.is_some_and(|t| t <= now) {
            return Ok(None);
        }
        match state {
            Some(RecordState::Good) => {}
            Some(RecordState::Damaged) => return Err(record_damaged(p.id)),
            Some(RecordState::Tampered) | None => return Ok(None),
        }
        let cached = session.plain.get(p.id).cloned();
        let key = match cached {
            Some(key) => key,
            None => {
                let aad = format::record_aad(&self.opts.namespace, p.id);
                let plain = crypto::open(&session.record_key, &r.sealed, &aad)
                    .ok_or_else(|| record_damaged(p.id))?;
                let text =
                    std::str::from_utf8(format::unpad(&plain)).map_err(|_| record_damaged(p.id))?;
                let key = ApiKey::new(text.to_string());
                if let Some(s) = self.session.as_mut() {
                    s.plain.insert(p.id, key.clone());
                }
                key
            }
        };
        self.touch();
        Ok(Some(key))
    }

    /// The stored key with the endpoint stored with it (`set`'s `baseUrl`),
    /// when [`Keyring::get`] gives the key (needs unlocked).
    pub fn get_with_endpoint(
        &mut self,
        provider: &str,
    ) -> Result<Option<(ApiKey, Option<String>)>> {
        let Some(key) = self.get(provider)? else {
            return Ok(None);
        };
        let base_url = live_record(self.vault()?, provider).and_then(|r| r.base_url.clone());
        Ok(Some((key, base_url)))
    }

    /// Removes a stored key. Works while locked (it needs no key material):
    /// the record is deleted and a removal time kept, so another tab does not
    /// bring it back. Returns whether a key was stored.
    pub fn remove(&mut self, provider: &str) -> Result<bool> {
        let p = Self::provider(provider)?;
        self.check_auto_lock();
        self.reload()?;
        if live_record(self.vault()?, p.id).is_none() {
            return Ok(false);
        }
        let now = self.now();
        let mut vault = self.vault()?.clone();
        vault.records.remove(p.id);
        vault.disabled.remove(p.id);
        if vault.legacy.is_none() {
            let at = vault.removed.get(p.id).map_or(now, |t| now.max(*t));
            vault.removed.insert(p.id.to_string(), at);
        }
        self.write(vault, &[])?;
        self.remember(p.id, Change::Removed);
        self.events.push(ChangeEvent {
            kind: ChangeKind::Removed,
            provider: Some(p.id),
        });
        Ok(true)
    }

    /// Enables or disables a stored key. Disabling works while locked (it
    /// only takes a key out of use, and is sealed into the vault's MAC at the
    /// next unlock); enabling needs the keyring unlocked, so someone who can
    /// write storage cannot turn a key back on. Returns whether a key is
    /// stored for the provider.
    pub fn set_enabled(&mut self, provider: &str, enabled: bool) -> Result<bool> {
        let p = Self::provider(provider)?;
        self.check_auto_lock();
        self.reload()?;
        let vault = self.vault()?;
        if live_record(vault, p.id).is_none() {
            return Ok(false);
        }
        let state = self.session.as_ref().map(|s| s.state(p.id));
        if enabled && state == Some(Some(RecordState::Tampered)) {
            return Err(Error::new(
                ErrorCode::Corrupt,
                "This key's stored details were changed outside byok-keyring, so it cannot be enabled. Remove it, or save the key again.",
            ));
        }
        if vault.is_enabled(p.id) == enabled {
            return Ok(true);
        }
        let now = self.now();
        let mut vault = vault.clone();
        let locked_change = match (state, enabled) {
            (None, true) => {
                return Err(Error::new(
                    ErrorCode::Locked,
                    "Unlock the keyring to enable a key (disabling works while locked).",
                ))
            }
            // Locked, or a record this session cannot vouch for: a disable
            // that needs no key, kept beside the record.
            (None | Some(Some(RecordState::Tampered)), false) if vault.legacy.is_none() => {
                vault.disabled.insert(p.id.to_string(), now);
                true
            }
            _ => {
                vault.disabled.remove(p.id);
                if let Some(r) = vault.records.get_mut(p.id) {
                    r.enabled = enabled;
                    r.updated_at = r.updated_at.max(now);
                }
                false
            }
        };
        let record = vault.records.get(p.id).cloned();
        self.write(vault, &[])?;
        match (locked_change, record) {
            (false, Some(r)) => self.remember(p.id, Change::Record(r)),
            _ => self.remember(p.id, Change::Disabled(now)),
        }
        self.events.push(ChangeEvent {
            kind: ChangeKind::Enabled,
            provider: Some(p.id),
        });
        Ok(true)
    }

    /// Every stored key's metadata, in provider-id order. Works while locked;
    /// never contains a key. While unlocked, a key whose details fail their
    /// MAC is marked `tampered`, one that does not decrypt `damaged`.
    pub fn list(&self) -> Result<Vec<KeyInfo>> {
        let now = self.now();
        match &self.stored {
            Stored::Empty => Ok(Vec::new()),
            Stored::Corrupt { why, .. } => Err(Error::corrupt(why)),
            Stored::Vault { vault, .. } => Ok(live_records(vault)
                .filter_map(|(id, r)| {
                    let state = self.session.as_ref().and_then(|s| s.state(id));
                    key_info(vault, id, r, state, now)
                })
                .collect()),
        }
    }

    /// Forgets this namespace: removes its storage item and locks.
    pub fn reset(&mut self) -> Result<()> {
        self.storage.remove(&self.storage_key)?;
        self.session = None;
        self.recent.clear();
        self.stored = Stored::Empty;
        self.refresh_active();
        self.events.push(ChangeEvent {
            kind: ChangeKind::Reset,
            provider: None,
        });
        Ok(())
    }
}
