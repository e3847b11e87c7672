//! The sign-in page's "your account has been deleted": the tab that deleted it says so in the
//! link it goes to; the other tabs are only signed out, and learn why from a mark left in
//! localStorage (`name("account-deleted")`: the local time it happened, in whole Unix seconds).

use super::shared::{local_storage, name};
use crate::clock::now;

/// How long the sign-in page goes on saying that the account was deleted (unless someone signs
/// in meanwhile).
const NOTICE_SECS: i64 = 24 * 3600;

/// After `DELETE users/me/`, before signing out.
pub fn mark() {
    if let Some(storage) = local_storage() {
        let _ = storage.set_item(&name("account-deleted"), &(now() as i64).to_string());
    }
}

/// Whether the account signed in here was deleted lately.
pub fn marked_recently() -> bool {
    if crate::PRERENDERING {
        return false;
    }
    local_storage()
        .and_then(|storage| storage.get_item(&name("account-deleted")).ok().flatten())
        .is_some_and(|marked_at| worth_mentioning(&marked_at, now() as i64))
}

/// Someone signed in again: the deletion is old news.
pub fn forget() {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(&name("account-deleted"));
    }
}

/// Whether a deletion marked at `marked_at` (the stored text) is recent enough to mention.
/// Whole seconds: parsing an `f64` would cost the wasm ~10 KB of tables.
fn worth_mentioning(marked_at: &str, now: i64) -> bool {
    marked_at
        .parse::<i64>()
        .is_ok_and(|at| (0..NOTICE_SECS).contains(&now.saturating_sub(at)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deletion_is_mentioned_for_a_day() {
        assert!(worth_mentioning("1000", 1000));
        assert!(worth_mentioning("1000", 1000 + 23 * 3600));
        assert!(!worth_mentioning("1000", 1000 + 24 * 3600));
        // A clock set back since, or a marker that isn't one.
        assert!(!worth_mentioning("1000", 999));
        assert!(!worth_mentioning("-9223372036854775808", i64::MAX));
        for junk in ["", "soon", "1000.5", "NaN"] {
            assert!(!worth_mentioning(junk, 1000), "{junk:?}");
        }
    }
}
