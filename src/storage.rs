//! Where a vault's text is kept: a small trait, and the in-memory
//! implementation. The browser implementation (sessionStorage / localStorage)
//! lives in the wasm layer, `src/wasm/browser_storage.rs`.

use crate::error::{Error, ErrorCode};
use litemap::LiteMap;
use std::cell::RefCell;
use std::rc::Rc;

/// A string key/value store with the semantics of Web Storage: each write
/// replaces one item whole, or fails and changes nothing.
pub trait Storage {
    /// The item's text, or `None` when there is none.
    fn read(&self, key: &str) -> Result<Option<String>, Error>;
    /// Replaces the item whole. On error nothing was written
    /// ([`ErrorCode::StorageFull`] for a quota refusal).
    fn write(&self, key: &str, value: &str) -> Result<(), Error>;
    /// Removes the item (no error when there is none).
    fn remove(&self, key: &str) -> Result<(), Error>;
}

/// A map in memory. Clones share the same map, so two keyrings built on
/// clones behave like two tabs on one origin. Optionally limited in total
/// size, to exercise quota failures.
#[derive(Clone, Default)]
pub struct MemoryStorage {
    items: Rc<RefCell<LiteMap<String, String>>>,
    quota: Option<usize>,
}

impl MemoryStorage {
    /// An empty, unlimited store.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store refusing writes that would exceed `bytes` in total.
    pub fn with_quota(bytes: usize) -> Self {
        MemoryStorage {
            items: Rc::default(),
            quota: Some(bytes),
        }
    }

    /// Every item, for tests that scan raw storage.
    pub fn dump(&self) -> Vec<(String, String)> {
        self.items
            .borrow()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }
}

impl std::fmt::Debug for MemoryStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MemoryStorage({} items)", self.items.borrow().len())
    }
}

impl Storage for MemoryStorage {
    fn read(&self, key: &str) -> Result<Option<String>, Error> {
        Ok(self.items.borrow().get(key).cloned())
    }

    fn write(&self, key: &str, value: &str) -> Result<(), Error> {
        let mut items = self.items.borrow_mut();
        if let Some(quota) = self.quota {
            let others: usize = items
                .iter()
                .filter(|(k, _)| k.as_str() != key)
                .map(|(k, v)| k.len() + v.len())
                .sum();
            if others + key.len() + value.len() > quota {
                return Err(Error::new(
                    ErrorCode::StorageFull,
                    "The browser's storage for this site is full; the change was not saved.",
                ));
            }
        }
        items.insert(key.to_string(), value.to_string());
        Ok(())
    }

    fn remove(&self, key: &str) -> Result<(), Error> {
        self.items.borrow_mut().remove(key);
        Ok(())
    }
}
