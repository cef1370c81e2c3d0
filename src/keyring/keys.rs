//! Storing, reading, removing, enabling and listing keys.
use super::{
    key_info, random_failed, record_corrupt, ChangeEvent, ChangeKind, KeyInfo, Keyring, SetOptions,
    Stored,
};
use crate::crypto;
use crate::error::{Error, Result};
use crate::format::{self, Record};
use crate::secret::ApiKey;
use crate::validate::validate;

impl Keyring {
    /// Validates and stores a key (needs unlocked). Surrounding whitespace is
    /// trimmed. Replacing a key keeps its `createdAt`.
    pub fn set(&mut self, provider: &str, api_key: &str, opts: SetOptions) -> Result<KeyInfo> {
        let p = Self::provider(provider)?;
        let validation = validate(p.id, api_key);
        if !validation.valid {
            return Err(Error::invalid_key(validation));
        }
        let key = api_key.trim();
        opts.check()?;
        self.check_auto_lock();
        let now = self.now();
        let aad = format::record_aad(&self.opts.namespace, p.id);
        let sealed = crypto::seal(&self.session()?.key, &format::pad(key.as_bytes()), &aad)
            .map_err(random_failed)?;
        let masked = crate::mask(key);
        let model = opts.model.filter(|m| !m.trim().is_empty());
        self.update(|vault| {
            let created_at = vault.records.get(p.id).map_or(now, |r| r.created_at);
            vault.records.insert(
                p.id.to_string(),
                Record {
                    sealed,
                    masked,
                    model,
                    enabled: true,
                    created_at,
                    updated_at: now,
                    expires_at: opts.expires_in_ms.map(|ms| now.saturating_add(ms)),
                },
            );
            Ok(())
        })?;
        self.remember(p.id);
        self.touch();
        self.events.push(ChangeEvent {
            kind: ChangeKind::Set,
            provider: Some(p.id),
        });
        self.info(p.id)
    }

    fn info(&self, provider: &str) -> Result<KeyInfo> {
        let now = self.now();
        self.vault()?
            .records
            .get(provider)
            .and_then(|r| key_info(provider, r, now))
            .ok_or_else(|| Error::invalid_argument("No key is stored for this provider."))
    }

    /// The stored key (needs unlocked); `None` when none is stored or it has
    /// expired. A disabled key is still returned.
    pub fn get(&mut self, provider: &str) -> Result<Option<ApiKey>> {
        let p = Self::provider(provider)?;
        self.check_auto_lock();
        let now = self.now();
        self.session()?;
        let Some(r) = self.vault()?.records.get(p.id) else {
            return Ok(None);
        };
        if r.expires_at.is_some_and(|t| t <= now) {
            return Ok(None);
        }
        let cached = self.session.as_ref().and_then(|s| s.plain.get(p.id));
        let key = match cached {
            Some(key) => key.clone(),
            None => {
                let key = self.decrypt(p.id, r)?;
                if let Some(s) = self.session.as_mut() {
                    s.plain.insert(p.id, key.clone());
                }
                key
            }
        };
        self.touch();
        Ok(Some(key))
    }

    fn decrypt(&self, provider: &'static str, r: &Record) -> Result<ApiKey> {
        let session = self.session()?;
        let aad = format::record_aad(&self.opts.namespace, provider);
        let plain =
            crypto::open(&session.key, &r.sealed, &aad).ok_or_else(|| record_corrupt(provider))?;
        let text =
            std::str::from_utf8(format::unpad(&plain)).map_err(|_| record_corrupt(provider))?;
        Ok(ApiKey::new(text.to_string()))
    }

    /// Removes a stored key. Works while locked (it needs no key material).
    /// Returns whether a key was stored.
    pub fn remove(&mut self, provider: &str) -> Result<bool> {
        let p = Self::provider(provider)?;
        self.check_auto_lock();
        if !self.vault()?.records.contains_key(p.id) {
            return Ok(false);
        }
        let mut removed = false;
        self.update(|vault| {
            removed = vault.records.remove(p.id).is_some();
            Ok(())
        })?;
        self.remember(p.id);
        if removed {
            self.events.push(ChangeEvent {
                kind: ChangeKind::Removed,
                provider: Some(p.id),
            });
        }
        Ok(removed)
    }

    /// Enables or disables a stored key. Works while locked. Returns whether
    /// a key is stored for the provider.
    pub fn set_enabled(&mut self, provider: &str, enabled: bool) -> Result<bool> {
        let p = Self::provider(provider)?;
        self.check_auto_lock();
        match self.vault()?.records.get(p.id) {
            None => return Ok(false),
            Some(r) if r.enabled == enabled => return Ok(true),
            Some(_) => {}
        }
        let now = self.now();
        let mut found = false;
        self.update(|vault| {
            if let Some(r) = vault.records.get_mut(p.id) {
                r.enabled = enabled;
                r.updated_at = now;
                found = true;
            }
            Ok(())
        })?;
        self.remember(p.id);
        if found {
            self.events.push(ChangeEvent {
                kind: ChangeKind::Enabled,
                provider: Some(p.id),
            });
        }
        Ok(found)
    }

    /// Every stored key's metadata, in provider-id order. Works while locked;
    /// never contains a key.
    pub fn list(&self) -> Result<Vec<KeyInfo>> {
        let now = self.now();
        match &self.stored {
            Stored::Empty => Ok(Vec::new()),
            Stored::Corrupt { why, .. } => Err(Error::corrupt(why)),
            Stored::Vault { vault, .. } => Ok(vault
                .records
                .iter()
                .filter_map(|(id, r)| key_info(id, r, now))
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
