//! Keeping the tabs of one origin in step.
//!
//! - The `storage` event tells a tab that another tab changed localStorage:
//!   the keyring re-reads its vault, and `onChange` listeners get
//!   `{ type: "external" }` (no reload needed for `list()` or `isByok()`).
//! - A `BroadcastChannel` named after the storage item carries
//!   `lock({ everywhere: true })` to every tab of that namespace.
//!
//! Both are reached through the global object, so a context without them
//! (Node, some workers) simply has no tab sync. Listeners are removed and the
//! channel closed when the keyring is freed.

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The message that locks every tab of a namespace.
const LOCK_MESSAGE: &str = "byok-keyring:lock";

fn global_fn(target: &JsValue, name: &str) -> Option<Function> {
    Reflect::get(target, &JsValue::from_str(name))
        .ok()?
        .dyn_into::<Function>()
        .ok()
}

/// The storage-event listener and the broadcast channel of one keyring.
pub struct TabSync {
    storage_listener: Option<Closure<dyn FnMut(JsValue)>>,
    channel: Option<JsValue>,
    _channel_listener: Option<Closure<dyn FnMut(JsValue)>>,
}

impl TabSync {
    /// Starts listening. `on_storage` runs when another tab changed the item
    /// `storage_key` (when `watch_storage`); `on_lock` when another tab
    /// called `lock({ everywhere: true })` for this namespace.
    pub fn start(
        storage_key: &str,
        watch_storage: bool,
        on_storage: impl Fn() + 'static,
        on_lock: impl Fn() + 'static,
    ) -> TabSync {
        let global: JsValue = js_sys::global().into();
        let mut sync = TabSync {
            storage_listener: None,
            channel: None,
            _channel_listener: None,
        };
        if watch_storage {
            if let Some(add) = global_fn(&global, "addEventListener") {
                let key = storage_key.to_string();
                let listener = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
                    let changed = Reflect::get(&event, &"key".into()).unwrap_or(JsValue::NULL);
                    // `key` is null when another tab called localStorage.clear().
                    if changed.is_null() || changed.as_string().as_deref() == Some(key.as_str()) {
                        on_storage();
                    }
                });
                if add
                    .call2(&global, &"storage".into(), listener.as_ref())
                    .is_ok()
                {
                    sync.storage_listener = Some(listener);
                }
            }
        }
        if let Some(ctor) = global_fn(&global, "BroadcastChannel") {
            if let Ok(channel) = Reflect::construct(&ctor, &Array::of1(&storage_key.into())) {
                let listener = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
                    let data = Reflect::get(&event, &"data".into()).unwrap_or(JsValue::NULL);
                    if data.as_string().as_deref() == Some(LOCK_MESSAGE) {
                        on_lock();
                    }
                });
                let _ = Reflect::set(&channel, &"onmessage".into(), listener.as_ref());
                sync.channel = Some(channel);
                sync._channel_listener = Some(listener);
            }
        }
        sync
    }

    /// Tells every other tab of this namespace to lock.
    pub fn broadcast_lock(&self) {
        if let Some(channel) = &self.channel {
            if let Some(post) = global_fn(channel, "postMessage") {
                let _ = post.call1(channel, &LOCK_MESSAGE.into());
            }
        }
    }
}

impl Drop for TabSync {
    fn drop(&mut self) {
        let global: JsValue = js_sys::global().into();
        if let (Some(listener), Some(remove)) = (
            self.storage_listener.as_ref(),
            global_fn(&global, "removeEventListener"),
        ) {
            let _ = remove.call2(&global, &"storage".into(), listener.as_ref());
        }
        if let Some(channel) = &self.channel {
            let _ = Reflect::set(channel, &"onmessage".into(), &JsValue::NULL);
            if let Some(close) = global_fn(channel, "close") {
                let _ = close.call0(channel);
            }
        }
    }
}
