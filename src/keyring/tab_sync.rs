//! Another tab's change: re-reading the vault, and re-applying this
//! keyring's own recent writes that a simultaneous write elsewhere lost.
use super::{ChangeEvent, ChangeKind, Keyring, Stored};
use crate::error::Result;
use crate::format::{KdfParams, Record};
use crate::limits::RECONCILE_WINDOW_MS;

/// A write this keyring made: the record it left for a provider (`None`: it
/// removed it), under which KDF parameters, and when.
#[derive(Clone, Debug)]
pub(super) struct RecentWrite {
    at: u64,
    kdf: KdfParams,
    provider: &'static str,
    record: Option<Record>,
}

impl Keyring {
    /// Another tab changed this namespace's storage item (a `storage`
    /// event): re-reads it, re-applies this keyring's own recent writes that
    /// the change lost ([`Keyring::reconcile`]), and notifies `external`.
    /// Returns whether what is stored changed.
    pub fn on_external_change(&mut self) -> Result<bool> {
        if !self.reload()? {
            return Ok(false);
        }
        // A simultaneous write elsewhere may have lost ours; writing it
        // again is best effort (a full quota leaves the other tab's state).
        let _ = self.reconcile();
        self.events.push(ChangeEvent {
            kind: ChangeKind::External,
            provider: None,
        });
        Ok(true)
    }

    /// Remembers what this keyring just wrote for `provider`.
    pub(super) fn remember(&mut self, provider: &'static str) {
        let now = self.now();
        let Ok(vault) = self.vault() else { return };
        let write = RecentWrite {
            at: now,
            kdf: vault.kdf.clone(),
            provider,
            record: vault.records.get(provider).cloned(),
        };
        self.recent
            .retain(|w| w.provider != provider && now.saturating_sub(w.at) < RECONCILE_WINDOW_MS);
        self.recent.push(write);
    }

    /// After storage changed elsewhere (a `storage` event): re-applies this
    /// keyring's writes of the last [`RECONCILE_WINDOW_MS`] that the stored
    /// vault lost, and writes once more. Two tabs writing at the same moment
    /// each read a vault without the other's change (browsers hand
    /// localStorage writes between tabs asynchronously); this makes both
    /// converge on both changes. A later write of the same provider
    /// (`updatedAt`) wins. Returns whether it wrote.
    pub fn reconcile(&mut self) -> Result<bool> {
        let now = self.now();
        self.recent
            .retain(|w| now.saturating_sub(w.at) < RECONCILE_WINDOW_MS);
        let Stored::Vault { vault, .. } = &self.stored else {
            return Ok(false);
        };
        let mut merged = vault.clone();
        let mut changed = false;
        for w in &self.recent {
            if w.kdf != merged.kdf {
                continue; // re-keyed elsewhere: our ciphertexts no longer fit
            }
            let current = merged.records.get(w.provider);
            match &w.record {
                Some(mine)
                    if current != Some(mine)
                        && current.is_none_or(|c| c.updated_at <= mine.updated_at) =>
                {
                    merged.records.insert(w.provider.to_string(), mine.clone());
                    changed = true;
                }
                None if current.is_some_and(|c| c.updated_at <= w.at) => {
                    merged.records.remove(w.provider);
                    changed = true;
                }
                _ => {}
            }
        }
        if changed {
            self.write(merged)?;
        }
        Ok(changed)
    }
}
