//! The time source: local time in Unix seconds, for the session and the forms' countdowns, and
//! how far this tab's clock is from the server's.

use std::cell::Cell;

thread_local! {
    static SERVER_OFFSET: Cell<Option<(f64, u32)>> = const { Cell::new(None) };
}

pub fn now() -> f64 {
    js_sys::Date::now() / 1000.0
}

/// This tab's clock minus the server's (±1 s), as the session it holds last showed it, and that
/// session's generation (what was stored since was measured later).
pub fn server_offset() -> Option<(f64, u32)> {
    SERVER_OFFSET.get()
}

pub fn set_server_offset(offset: f64, generation: u32) {
    SERVER_OFFSET.set(Some((offset, generation)));
}
