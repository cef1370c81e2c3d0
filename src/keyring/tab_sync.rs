//! Another tab's change: re-reading the vault, and re-applying this
//! keyring's own recent writes that a simultaneous write elsewhere lost.
use super::{ChangeEvent, ChangeKind, Keyring, Stored};
use crate::error::Result;
use crate::format::{Record, VAULT_ID_LEN};
use crate::limits::RECONCILE_WINDOW_MS;

/// What this keyring wrote for a provider.
#[derive(Clone, Debug)]
pub(super) enum Change {
    /// The record it left (a set, or an enable/disable while unlocked).
    Record(Record),
    /// It removed the key.
    Removed,
    /// It disabled the key while locked, at this time.
    Disabled(u64),
}

/// A write this keyring made, in which vault, and when.
#[derive(Clone, Debug)]
pub(super) struct RecentWrite {
    at: u64,
    vault_id: [u8; VAULT_ID_LEN],
    provider: &'static str,
    change: Change,
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
    pub(super) fn remember(&mut self, provider: &'static str, change: Change) {
        let now = self.now();
        let Ok(vault) = self.vault() else { return };
        let write = RecentWrite {
            at: now,
            vault_id: vault.id,
            provider,
            change,
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
    /// converge on both changes. Of two writes of one provider the later
    /// wins (`updatedAt`, then the nonce for equal times, the same order in
    /// every tab); a removal wins over a write made at or before it, and
    /// never loses to one made before it. Returns whether it wrote.
    pub fn reconcile(&mut self) -> Result<bool> {
        let now = self.now();
        self.recent
            .retain(|w| now.saturating_sub(w.at) < RECONCILE_WINDOW_MS);
        let Stored::Vault { vault, .. } = &self.stored else {
            return Ok(false);
        };
        let unlocked = self.session.as_ref().is_some_and(|s| s.opens(vault));
        let mut merged = (**vault).clone();
        let mut authored: Vec<&'static str> = Vec::new();
        let mut changed = false;
        for w in &self.recent {
            if w.vault_id != merged.id {
                continue; // another vault now: our writes do not belong in it
            }
            let p = w.provider;
            let current = merged.records.get(p);
            let removed_at = merged.removed.get(p).copied();
            match &w.change {
                Change::Record(mine) => {
                    let removed_later = !mine.outlives(removed_at.as_ref());
                    let newer = current.is_none_or(|c| mine.is_newer_than(c));
                    if unlocked && !removed_later && newer {
                        merged.records.insert(p.to_string(), mine.clone());
                        authored.push(p);
                        changed = true;
                    }
                }
                Change::Removed => {
                    if current.is_some_and(|c| !c.outlives(Some(&w.at))) {
                        merged.records.remove(p);
                        changed = true;
                    }
                    if merged.legacy.is_none() && removed_at.is_none_or(|t| t < w.at) {
                        merged.removed.insert(p.to_string(), w.at);
                        changed = true;
                    }
                }
                Change::Disabled(at) => {
                    let applies = current.is_some_and(|c| c.updated_at <= *at);
                    if applies && merged.is_enabled(p) && merged.legacy.is_none() {
                        merged.disabled.insert(p.to_string(), *at);
                        changed = true;
                    }
                }
            }
        }
        if changed {
            self.write(merged, &authored)?;
        }
        Ok(changed)
    }
}
