//! Where the session lives between page loads (localStorage, shared by every tab of the
//! origin), and how a tab hears that another one changed it.

use gloo_events::EventListener;
use wasm_bindgen::JsCast;

use super::state::{Session, StoredSessionError};

pub const STORAGE_KEY: &str = "djoser-auth.session";

pub enum Loaded {
    Session(Box<Session>),
    Nothing,
    /// There was an entry, but not one to trust; it has been removed.
    Discarded(StoredSessionError),
}

/// The origin's localStorage; `None` where the browser blocks site storage ("block all cookies
/// and site data"), where reading `window.localStorage` throws. The session then lives in
/// memory only, for as long as the tab is open.
fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Whether a session can outlive this tab here.
pub fn available() -> bool {
    local_storage().is_some()
}

pub fn load(now: f64) -> Loaded {
    let Some(text) =
        local_storage().and_then(|storage| storage.get_item(STORAGE_KEY).ok().flatten())
    else {
        return Loaded::Nothing;
    };
    match Session::from_stored(&text, now) {
        Ok(session) => Loaded::Session(Box::new(session)),
        Err(error) => {
            clear();
            Loaded::Discarded(error)
        }
    }
}

/// The stored session, if a readable one is there (see [`load`] for why there isn't).
pub fn stored_session(now: f64) -> Option<Session> {
    match load(now) {
        Loaded::Session(session) => Some(*session),
        Loaded::Nothing | Loaded::Discarded(_) => None,
    }
}

/// Stores a session (as [`Session::stored`] writes it); false where the browser refused (a
/// full quota, blocked storage): the entry there, if any, is then older than the session.
pub fn save(text: &str) -> bool {
    local_storage().is_some_and(|storage| storage.set_item(STORAGE_KEY, text).is_ok())
}

pub fn clear() {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(STORAGE_KEY);
    }
}

/// Calls `on_change` whenever another tab writes or removes the session.
pub fn listen_for_other_tabs(on_change: impl Fn() + 'static) -> Option<EventListener> {
    let window = web_sys::window()?;
    Some(EventListener::new(&window, "storage", move |event| {
        let key = event
            .dyn_ref::<web_sys::StorageEvent>()
            .and_then(web_sys::StorageEvent::key);
        // No key: the whole storage was cleared.
        if key.as_deref().is_none_or(|key| key == STORAGE_KEY) {
            on_change();
        }
    }))
}
