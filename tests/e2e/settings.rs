//! The signed-in account settings page (/settings), a module per section of the page: the
//! profile (profile.rs), the password (password.rs: a change, and one that keeps this browser
//! signed in against a backend that refuses tokens from before it, SimpleJWT's
//! `CHECK_REVOKE_TOKEN`), the sign-in email (email.rs: with the password, or through an emailed
//! link), where you're signed in and signing out (sign_ins.rs: every tab, every other browser),
//! and the danger zone (danger_zone.rs: deleting the account). End to end: the release build
//! against the reference backend, emails read from its outbox. axe over these pages and states:
//! accessibility/signed_in.rs.

use crate::support::{find, App};

mod danger_zone;
mod email;
mod password;
mod profile;
mod sign_ins;

/// Fills /settings' email form and sends it.
pub(crate) async fn submit_email_change(app: &App, new: &str, again: &str, password: &str) {
    app.retype("#email-form-field-new_email", new).await;
    app.retype("#email-form-field-re_new_email", again).await;
    app.retype("#email-form-field-current_password", password)
        .await;
    app.click(&find::submit(find::EMAIL_FORM)).await;
}

/// The text of the element matching `css`, once it has some.
pub(super) async fn text_of(app: &App, css: &str) -> String {
    app.wait_for(css).await;
    app.text(css).await.trim().to_string()
}

/// `users/me/` with the access token this browser has stored: proof that it holds tokens the
/// server takes (not just a session that looks signed in).
pub(super) async fn stored_access_works(app: &App) -> bool {
    let access = app.session_field("access_token").await;
    app.api().get("/auth/users/me/", Some(&access)).await.status == 200
}
