//! What the account settings need from the session beyond signing in and out.

use std::rc::Rc;

use super::lock::with_lock;
use super::manager::{now, SessionManager, REFRESH_LOCK};
use crate::api::{self, ApiError};

/// Where a tab that deleted the account leaves word of it for the sign-in page of the other tabs,
/// which only see the session vanish: the local time it happened (whole Unix seconds).
const ACCOUNT_DELETED_KEY: &str = "djoser-auth.account-deleted";
/// How long the sign-in page goes on saying so (unless someone signs in meanwhile).
const ACCOUNT_DELETED_NOTICE_SECS: i64 = 24 * 3600;

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Whether a deletion marked at `marked_at` (the stored text) is recent enough to mention.
/// Whole seconds: parsing an `f64` would cost the wasm ~10 KB of tables.
fn deletion_worth_mentioning(marked_at: &str, now: i64) -> bool {
    marked_at
        .parse::<i64>()
        .is_ok_and(|at| (0..ACCOUNT_DELETED_NOTICE_SECS).contains(&now.saturating_sub(at)))
}

impl SessionManager {
    /// After a password change: the backend has revoked every refresh token of the account
    /// (and one with SimpleJWT's `CHECK_REVOKE_TOKEN` refuses every token issued before), so
    /// sign in again with the new password while it is at hand: this browser stays signed in
    /// while the others are signed out. Under the refresh lock, so that no refresh with the old
    /// tokens (here or in another tab) lands after it; the other tabs take the new session from
    /// storage. The replaced refresh token is revoked (best effort).
    pub async fn sign_in_again(self: &Rc<Self>, new_password: &str) -> Result<(), ApiError> {
        let replaced = with_lock(REFRESH_LOCK, async {
            let replaced = self.current().ok_or(ApiError::NotSignedIn)?;
            let login = crate::config::get().login_field.value_of(&replaced.user);
            self.sign_in(login, new_password).await?;
            Ok::<_, ApiError>(replaced)
        })
        .await?;
        api::revoke_refresh_token(&replaced.refresh_token);
        Ok(())
    }

    /// After `DELETE users/me/`: signs out every tab, and tells their sign-in pages why.
    pub fn end_deleted_account(&self) {
        if let Some(storage) = local_storage() {
            let _ = storage.set_item(ACCOUNT_DELETED_KEY, &(now() as i64).to_string());
        }
        self.sign_out();
    }

    /// Whether the account signed in here was deleted lately (for the sign-in page's notice).
    pub fn account_deleted_recently(&self) -> bool {
        if crate::PRERENDERING {
            return false;
        }
        local_storage()
            .and_then(|storage| storage.get_item(ACCOUNT_DELETED_KEY).ok().flatten())
            .is_some_and(|marked_at| deletion_worth_mentioning(&marked_at, now() as i64))
    }

    /// Someone signed in again: the deletion is old news.
    pub fn forget_deleted_account(&self) {
        if let Some(storage) = local_storage() {
            let _ = storage.remove_item(ACCOUNT_DELETED_KEY);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deletion_is_mentioned_for_a_day() {
        assert!(deletion_worth_mentioning("1000", 1000));
        assert!(deletion_worth_mentioning("1000", 1000 + 23 * 3600));
        assert!(!deletion_worth_mentioning("1000", 1000 + 24 * 3600));
        // A clock set back since, or a marker that isn't one.
        assert!(!deletion_worth_mentioning("1000", 999));
        assert!(!deletion_worth_mentioning("-9223372036854775808", i64::MAX));
        for junk in ["", "soon", "1000.5", "NaN"] {
            assert!(!deletion_worth_mentioning(junk, 1000), "{junk:?}");
        }
    }
}
