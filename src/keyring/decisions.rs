//! The credit decision: does the next call run on the user's own key, and
//! should the platform charge for it. The hot path reads no storage and
//! allocates nothing; [`Snapshot`] hands the same facts to the JavaScript
//! entry, which answers `isByok` without crossing into wasm.
use super::Keyring;
use crate::credits::Source;
use crate::error::Result;
use crate::providers;

/// The credit decision's inputs at one moment: enough to answer
/// `isByok(provider)` at any later time until the keyring's
/// [`Keyring::generation`] changes (expiry and auto-lock are moments in
/// it, not events).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Snapshot {
    /// See [`Keyring::unlocked_until`].
    pub unlocked_until: Option<u64>,
    /// Each provider with a stored, enabled key, and when that key expires.
    pub keys: Vec<(&'static str, Option<u64>)>,
}

impl Snapshot {
    /// [`Keyring::is_byok`] at time `now`, from the snapshot.
    pub fn is_byok(&self, provider: &str, now: u64) -> bool {
        let key = self
            .keys
            .iter()
            .find(|(id, _)| *id == provider)
            .map(|(_, expires_at)| *expires_at);
        runs_on_user_key(self.unlocked_until, key, || now)
    }
}

/// The rule itself: unlocked now, and an enabled key that has not expired.
/// `key` is `Some(expires_at)` when an enabled key is stored. The clock is
/// read only when a moment (expiry, auto-lock) matters. The JavaScript entry
/// (`js/index.js`, `isByok`) applies the same rule to a [`Snapshot`].
fn runs_on_user_key(
    unlocked_until: Option<u64>,
    key: Option<Option<u64>>,
    now: impl FnOnce() -> u64,
) -> bool {
    let (Some(until), Some(expires_at)) = (unlocked_until, key) else {
        return false;
    };
    if until == u64::MAX && expires_at.is_none() {
        return true;
    }
    let now = now();
    now < until && expires_at.is_none_or(|t| now < t)
}

impl Keyring {
    // ---- the credit decision (hot path: no allocation, no storage read) ----

    /// `Some(expires_at)` when an enabled key is stored for `provider`.
    fn active_key(&self, provider: &str) -> Option<Option<u64>> {
        providers::index_of(provider).and_then(|i| self.active[i])
    }

    /// Whether a stored, enabled, unexpired key for `provider` exists.
    fn has_user_key(&self, provider: &str) -> bool {
        match self.active_key(provider) {
            Some(None) => true,
            Some(Some(expires_at)) => self.now() < expires_at,
            None => false,
        }
    }

    /// Whether the next call to `provider` runs on the user's own key: a
    /// stored, enabled, unexpired key exists and the keyring is unlocked.
    /// Reads the clock only when the key expires or auto-lock is on.
    pub fn is_byok(&self, provider: &str) -> bool {
        runs_on_user_key(self.unlocked_until(), self.active_key(provider), || {
            self.now()
        })
    }

    /// Until when the keyring counts as unlocked, in milliseconds since the
    /// Unix epoch: `None` when locked, `Some(u64::MAX)` when unlocked with no
    /// auto-lock, else the moment auto-lock locks it unless it is used.
    pub fn unlocked_until(&self) -> Option<u64> {
        self.session.as_ref()?;
        Some(match self.opts.auto_lock_ms {
            None => u64::MAX,
            Some(ms) => self.last_use.saturating_add(ms),
        })
    }

    /// A counter that changes whenever [`Keyring::snapshot`] may have
    /// changed (a key stored, removed, enabled or disabled; lock, unlock,
    /// use under auto-lock; another tab's change; reset).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// The facts of the credit decision, for a caller that answers it
    /// without calling the keyring (the JavaScript entry's `isByok`).
    /// Answering with [`Snapshot::is_byok`] at any later time gives the same
    /// answer as [`Keyring::is_byok`] until [`Keyring::generation`] changes.
    pub fn snapshot(&self) -> Snapshot {
        let keys = providers::all()
            .into_iter()
            .zip(self.active.iter())
            .filter_map(|(p, a)| a.map(|expires_at| (p.id, expires_at)))
            .collect();
        Snapshot {
            unlocked_until: self.unlocked_until(),
            keys,
        }
    }

    /// `!isByok(provider) || platformOnly contains feature`.
    pub fn should_deduct_credits(&self, provider: &str, feature: Option<&str>) -> bool {
        self.opts
            .policy
            .should_deduct(self.is_byok(provider), feature)
    }

    /// Who would pay: the user's key (even while locked), else the platform
    /// if it serves the provider, else nobody.
    pub fn source(&self, provider: &str) -> Source {
        self.opts
            .policy
            .source(self.has_user_key(provider), provider)
    }

    /// Counts one call by the same rule as [`Keyring::should_deduct_credits`].
    pub fn record_usage(&mut self, provider: &str, feature: Option<&str>) -> Result<()> {
        let p = Self::provider(provider)?;
        let deduct = self.should_deduct_credits(p.id, feature);
        let u = self.usage.entry(p.id).or_default();
        if deduct {
            u.platform += 1;
        } else {
            u.byok += 1;
        }
        Ok(())
    }

    /// Usage counted by [`Keyring::record_usage`] since construction.
    pub fn usage(&self) -> &crate::credits::UsageTable {
        &self.usage
    }
}
