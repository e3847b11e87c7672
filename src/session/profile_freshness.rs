//! When this tab last read the signed-in user's profile (`users/me/`): the dashboard reads it
//! afresh only when that was over a minute ago (not right after the sign-in did). Per tab, in
//! memory: a cache policy of the pages, apart from the session's state.

use std::cell::Cell;

use crate::clock::now;

const FRESH_SECS: f64 = 60.0;

thread_local! {
    static READ_AT: Cell<Option<f64>> = const { Cell::new(None) };
}

/// `users/me/` has just answered.
pub fn profile_read() {
    READ_AT.set(Some(now()));
}

/// Whether `users/me/` answered here within the last minute.
pub fn profile_is_fresh() -> bool {
    READ_AT.get().is_some_and(|at| now() - at < FRESH_SECS)
}
