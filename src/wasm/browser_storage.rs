//! sessionStorage and localStorage behind [`crate::Storage`].
//!
//! Uses `web_sys::Storage` directly, reached through the global object so
//! that it works the same in a window, and fails cleanly (instead of throwing
//! a `ReferenceError`) in Node, Deno or a worker, where there is none.
//! (gloo-storage was considered; see docs/DECISIONS.md.)

use super::args::StorageKind;
use crate::error::{Error, ErrorCode};
use crate::storage::Storage;
use js_sys::Reflect;
use wasm_bindgen::{JsCast, JsValue};

/// One of the browser's Web Storage areas.
pub struct BrowserStorage {
    area: web_sys::Storage,
}

fn unavailable(kind: StorageKind) -> Error {
    let name = match kind {
        StorageKind::Local => "localStorage",
        _ => "sessionStorage",
    };
    Error::new(
        ErrorCode::StorageUnavailable,
        crate::text::concat(&[
            name,
            " is not available here (blocked by the browser's settings, or not a browser page). \
             Use new Keyring({ storage: \"memory\" }) to keep keys in memory only.",
        ]),
    )
}

impl BrowserStorage {
    /// Opens `sessionStorage` or `localStorage`; `storage_unavailable` when
    /// the global has none or access throws (a `SecurityError` when storage
    /// is blocked).
    pub fn open(kind: StorageKind) -> Result<Self, Error> {
        let prop = match kind {
            StorageKind::Local => "localStorage",
            _ => "sessionStorage",
        };
        let value = Reflect::get(&js_sys::global(), &JsValue::from_str(prop))
            .map_err(|_| unavailable(kind))?;
        let area = value
            .dyn_into::<web_sys::Storage>()
            .map_err(|_| unavailable(kind))?;
        // Reading can itself throw when storage is blocked after the fact.
        area.length().map_err(|_| unavailable(kind))?;
        Ok(BrowserStorage { area })
    }
}

fn dom_error_name(e: &JsValue) -> String {
    Reflect::get(e, &JsValue::from_str("name"))
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_default()
}

impl Storage for BrowserStorage {
    fn read(&self, key: &str) -> Result<Option<String>, Error> {
        self.area.get_item(key).map_err(|_| {
            Error::new(
                ErrorCode::StorageUnavailable,
                "The browser refused to read its storage.",
            )
        })
    }

    fn write(&self, key: &str, value: &str) -> Result<(), Error> {
        self.area.set_item(key, value).map_err(|e| {
            if dom_error_name(&e) == "QuotaExceededError" {
                Error::new(
                    ErrorCode::StorageFull,
                    "The browser's storage for this site is full; the change was not saved. \
                     Free some space (other data of this site) and try again.",
                )
            } else {
                Error::new(
                    ErrorCode::StorageUnavailable,
                    "The browser refused to write to its storage; the change was not saved.",
                )
            }
        })
    }

    fn remove(&self, key: &str) -> Result<(), Error> {
        self.area.remove_item(key).map_err(|_| {
            Error::new(
                ErrorCode::StorageUnavailable,
                "The browser refused to change its storage.",
            )
        })
    }
}
