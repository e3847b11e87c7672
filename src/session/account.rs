//! What the account settings need from the session beyond signing in and out.

use std::rc::Rc;

use super::lock::with_lock;
use super::manager::SessionManager;
use super::record;
use super::shared::{self, local_storage, name, Updated};
use super::state::Session;
use crate::api::{self, ApiError, PasswordChange};
use crate::clock::now;

/// How long the sign-in page goes on saying that the account was deleted (unless someone signs
/// in meanwhile). The mark (`name("account-deleted")`) is the local time it happened, in whole
/// Unix seconds: the other tabs only see their session vanish.
const ACCOUNT_DELETED_NOTICE_SECS: i64 = 24 * 3600;

/// Whether a deletion marked at `marked_at` (the stored text) is recent enough to mention.
/// Whole seconds: parsing an `f64` would cost the wasm ~10 KB of tables.
fn deletion_worth_mentioning(marked_at: &str, now: i64) -> bool {
    marked_at
        .parse::<i64>()
        .is_ok_and(|at| (0..ACCOUNT_DELETED_NOTICE_SECS).contains(&now.saturating_sub(at)))
}

impl SessionManager {
    /// Changes the password, then signs in again with the new one while it is at hand: the
    /// backend has revoked every refresh token of the account (and one with SimpleJWT's
    /// `CHECK_REVOKE_TOKEN` refuses every token issued before), so this browser stays signed
    /// in while the others are signed out. All of it under the refresh lock, so that no refresh
    /// with the old tokens (here or in another tab) lands in between and ends this sign-in.
    /// `Ok(false)`: the password changed but signing in again failed; the session goes on with
    /// the tokens it has for as long as the server takes them.
    pub async fn change_password(
        self: &Rc<Self>,
        change: &PasswordChange<'_>,
    ) -> Result<bool, ApiError> {
        // Fresh before the lock: a refresh needs the lock itself.
        let token = self.access_token().await?;
        with_lock(&name("refresh"), async {
            api::set_password(change).send_with::<()>(&token).await?;
            Ok(self.sign_in_again(change.new_password).await.is_ok())
        })
        .await
    }

    /// New tokens for the same sign-in (the same user, the same tabs): stored onto it only if
    /// it is still the one stored, else they are revoked.
    async fn sign_in_again(self: &Rc<Self>, new_password: &str) -> Result<(), ApiError> {
        let mine = self.current().ok_or(ApiError::NotSignedIn)?;
        let login = mine.user.login(crate::config::get().login_field);
        let tokens = api::jwt_create(login, new_password).await?;
        let user = api::me().send_with(&tokens.access).await;
        let next = user.and_then(|user| {
            Session::new(user, tokens.clone(), now(), mine.sign_in.clone())
                .map_err(|_| ApiError::BadToken)
        });
        let updated = match next {
            Ok(next) => {
                let mine = mine.clone();
                shared::update(
                    move |current| record::refreshed(current, &mine, next.clone()),
                    now(),
                )
                .await
            }
            Err(error) => {
                api::revoke_refresh_token(&tokens.refresh).await;
                return Err(error);
            }
        };
        if matches!(updated, Updated::Unchanged(_)) {
            api::revoke_refresh_token(&tokens.refresh).await;
        } else {
            api::revoke_refresh_token(&mine.refresh_token).await;
        }
        self.apply(updated, "signed in again with the new password");
        Ok(())
    }

    /// After `DELETE users/me/`: signs out every tab, and tells their sign-in pages why.
    pub fn end_deleted_account(self: &Rc<Self>) {
        if let Some(storage) = local_storage() {
            let _ = storage.set_item(&name("account-deleted"), &(now() as i64).to_string());
        }
        self.sign_out();
    }

    /// Whether the account signed in here was deleted lately (for the sign-in page's notice).
    pub fn account_deleted_recently(&self) -> bool {
        if crate::PRERENDERING {
            return false;
        }
        local_storage()
            .and_then(|storage| storage.get_item(&name("account-deleted")).ok().flatten())
            .is_some_and(|marked_at| deletion_worth_mentioning(&marked_at, now() as i64))
    }

    /// Someone signed in again: the deletion is old news.
    pub fn forget_deleted_account(&self) {
        if let Some(storage) = local_storage() {
            let _ = storage.remove_item(&name("account-deleted"));
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
