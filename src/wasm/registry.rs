//! The keyrings of one page that share a storage item.
//!
//! Two `Keyring` objects for the same namespace and storage area in one page
//! (two components, each constructing its own) read and write the same
//! storage item, but a `storage` event only reaches *other* tabs. So every
//! keyring on sessionStorage or localStorage joins this per-page registry
//! under its area and item name, and after an operation of one of them that
//! may have changed storage, every other live member of the same area and
//! item re-reads it before that operation returns: the core's
//! [`crate::Keyring::on_external_change`] (the path a `storage` event
//! takes), then its decision object, then its `onChange` listeners
//! (`"external"`). `lock({ everywhere: true })` locks the same-page keyrings
//! of that item name (any area, as the `BroadcastChannel` does for other
//! tabs) the same way.
//!
//! Re-entrancy: the registry is borrowed only to copy the list of targets,
//! never while a keyring runs or a listener is called, and each keyring is
//! borrowed only while the core works, so a listener may call into any
//! keyring (its own included). All targets are brought up to date first,
//! then their listeners run, so no listener sees a stale peer. A keyring
//! that is busy at that moment (its own core call is further up the stack,
//! which only a page that patches `Storage` could arrange) is skipped, as a
//! `storage` event would skip it. A keyring leaves when it is freed; the
//! entries hold only weak references to its core and listeners.
//! "memory" keyrings do not join: each has its own storage.

use super::api::Notifier;
use super::args::StorageKind;
use std::cell::RefCell;

/// One member: its id, where its vault lives, and how to reach it.
struct Entry {
    id: u32,
    area: StorageKind,
    item: String,
    notifier: Notifier,
}

/// The page's members, and the next id to hand out.
struct Registry {
    next: u32,
    members: Vec<Entry>,
}

thread_local! {
    static REGISTRY: RefCell<Registry> = const {
        RefCell::new(Registry { next: 0, members: Vec::new() })
    };
}

/// A keyring's place in the registry, for telling its peers (async
/// operations keep a copy).
#[derive(Clone)]
pub(super) struct Peers {
    id: u32,
    area: StorageKind,
    item: String,
}

/// Leaves the registry when dropped (with the keyring, on `free()`).
pub(super) struct Membership(u32);

/// Joins the registry: `notifier` reaches the keyring whose vault is the
/// item `item` of `area`.
pub(super) fn join(area: StorageKind, item: &str, notifier: Notifier) -> (Peers, Membership) {
    REGISTRY.with(|r| {
        let mut r = r.borrow_mut();
        let id = r.next;
        r.next = id.wrapping_add(1);
        r.members.retain(|e| e.notifier.is_live());
        r.members.push(Entry {
            id,
            area,
            item: item.to_string(),
            notifier,
        });
        let item = item.to_string();
        (Peers { id, area, item }, Membership(id))
    })
}

impl Drop for Membership {
    fn drop(&mut self) {
        let id = self.0;
        REGISTRY.with(|r| {
            // Never borrowed while anything else runs; if it were, the dead
            // entry is dropped by the next `join` (its references are weak).
            if let Ok(mut r) = r.try_borrow_mut() {
                r.members.retain(|e| e.id != id);
            }
        });
    }
}

impl Peers {
    /// The other live members on this item name: of this area only, or
    /// (`any_area`) of every area.
    fn others(&self, any_area: bool) -> Vec<Notifier> {
        let mut out = Vec::new();
        REGISTRY.with(|r| {
            for e in &r.borrow().members {
                if e.id != self.id
                    && e.item == self.item
                    && (any_area || e.area == self.area)
                    && e.notifier.is_live()
                {
                    out.push(e.notifier.clone());
                }
            }
        });
        out
    }

    /// Storage may have changed: every other keyring of the same area and
    /// item re-reads it. Returns them, for [`notify`] once the caller's own
    /// listeners have run.
    pub(super) fn changed(&self) -> Vec<Notifier> {
        let mut peers = self.others(false);
        peers.retain(Notifier::reread);
        peers
    }

    /// `lock({ everywhere: true })`: every other keyring of this item name
    /// in this page locks, whatever its area, and its listeners hear of it.
    pub(super) fn lock_others(&self) {
        let mut peers = self.others(true);
        peers.retain(Notifier::lock_core);
        notify(&peers);
    }
}

/// Delivers the change events of updated peers to their listeners.
pub(super) fn notify(peers: &[Notifier]) {
    for n in peers {
        n.flush_quiet();
    }
}
