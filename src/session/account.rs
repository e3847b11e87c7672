//! What the account settings need from the session beyond signing in and out.

use std::rc::Rc;

use super::lock::with_lock;
use super::manager::SessionManager;
use super::record;
use super::revocations;
use super::shared::{self, name, Updated};
use super::state::Session;
use crate::api::{self, ApiError, PasswordChange};
use crate::clock::now;

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
        with_lock(&name("refresh"), |_| async {
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
                revocations::send_now(vec![tokens.refresh]).await;
                return Err(error);
            }
        };
        if matches!(updated, Updated::Unchanged(_)) {
            revocations::send_now(vec![tokens.refresh]).await;
        } else {
            revocations::send_now(vec![mine.refresh_token.clone()]).await;
        }
        self.apply(updated, "signed in again with the new password");
        Ok(())
    }
}
