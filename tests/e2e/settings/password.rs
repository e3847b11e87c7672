//! /settings, Password: a wrong current password refused, then a change; and a change that
//! keeps this browser signed in when the backend refuses every token from before it.

use std::time::Duration;

use super::{stored_access_works, text_of};
use crate::support::{find, App, BackendOptions, NEW_PASSWORD, PASSWORD, WAIT};

#[tokio::test(flavor = "multi_thread")]
async fn change_password_refuses_a_wrong_current_password_then_replaces_it() {
    skip_unless_e2e!();
    let email = "pat@example.com";
    let app = App::start_with_user(email).await;
    app.open_settings(email, PASSWORD).await;

    // A wrong current password: Djoser's 400 lands under that field, nothing changes.
    app.fill("current_password", "Not-the-password-1").await;
    app.fill("new_password", NEW_PASSWORD).await;
    app.fill("re_new_password", NEW_PASSWORD).await;
    app.click(&find::submit(find::PASSWORD_FORM)).await;
    let error = app
        .wait_for(&find::inside(
            find::PASSWORD_FORM,
            "#field-current_password-error",
        ))
        .await;
    let message = error.text().await.expect("error text");
    assert!(
        message.to_lowercase().contains("password"),
        "the error under current_password should be the server's message, got {message:?}"
    );
    assert_eq!(
        app.attr("#field-current_password", "aria-invalid")
            .await
            .as_deref(),
        Some("true")
    );
    assert!(
        !app.exists(&find::notice("password-changed")).await,
        "no success notice after a refused change"
    );
    assert_eq!(
        app.api().jwt_create(email, PASSWORD).await.status,
        200,
        "a refused change must leave the old password working"
    );

    // The right one: a notice, an emptied form, and the API takes only the new password.
    app.fill("current_password", PASSWORD).await;
    app.click(&find::submit(find::PASSWORD_FORM)).await;
    app.wait_for(&find::notice("password-changed")).await;
    assert!(
        !app.exists("#field-current_password-error").await,
        "the old error should be gone after success"
    );
    for field in ["current_password", "new_password", "re_new_password"] {
        assert_eq!(
            app.value(field).await,
            "",
            "{field} should be emptied after a successful change"
        );
    }
    assert_eq!(
        app.api().jwt_create(email, PASSWORD).await.status,
        401,
        "the old password must be refused after the change"
    );
    assert_eq!(
        app.api().jwt_create(email, NEW_PASSWORD).await.status,
        200,
        "the new password must work after the change"
    );
    // Still signed in here: the page didn't lose the session.
    assert_eq!(app.pathname().await, "/settings");
    assert!(app.session().await.is_some(), "the session should remain");
}

#[tokio::test(flavor = "multi_thread")]
async fn password_change_keeps_this_browser_signed_in_when_old_tokens_are_revoked() {
    skip_unless_e2e!();
    // Access tokens of 65 s: the app refreshes about 5 s after each arrives.
    let app = App::start_with(BackendOptions {
        extra_env: vec![("AUTH_CHECK_REVOKE_TOKEN".into(), "1".into())],
        ..BackendOptions::short_access()
    })
    .await;
    let email = "yul@example.com";
    app.backend
        .create_active_user_with(email, PASSWORD, "Yul", "yul")
        .await;
    app.open_settings(email, PASSWORD).await;
    let (first, second) = app.second_window("/settings").await;
    let old_refresh = app.session_field("refresh_token").await;

    app.fill("current_password", PASSWORD).await;
    app.fill("new_password", NEW_PASSWORD).await;
    app.fill("re_new_password", NEW_PASSWORD).await;
    app.click(&find::submit(find::PASSWORD_FORM)).await;
    let notice = text_of(&app, &find::notice("password-changed")).await;
    assert!(
        !notice.contains("asked to sign in again"),
        "signing in again should have worked: {notice:?}"
    );
    assert_ne!(app.session_field("refresh_token").await, old_refresh);
    assert!(
        stored_access_works(&app).await,
        "the stored tokens must be the new ones"
    );
    // The replaced refresh token is revoked (it would still refresh, into refused tokens).
    app.assert_refresh_token_revoked(&old_refresh).await;

    // The other tab took the new tokens: an authenticated call from it goes through.
    app.switch_to(&second).await;
    app.fill("name", "Yul Other Tab").await;
    app.click(&find::submit(find::PROFILE_FORM)).await;
    app.wait_for(&find::notice("profile-saved")).await;
    app.switch_to(&first).await;

    // Still signed in after a reload: the dashboard's users/me/ goes through.
    app.goto("/dashboard").await;
    app.wait_for_text("#user-email", email).await;
    app.poll("the dashboard's users/me/ to answer", WAIT, || async {
        (app.requests_to("/auth/users/me/").await > 0).then_some(())
    })
    .await;
    app.wait_for_text("#user-name", "Yul Other Tab").await;
    assert!(!app.exists(&find::banner("profile-stale")).await);

    // …and after the next refresh.
    let calls = app.backend.refresh_calls().await;
    let access = app.session_field("access_token").await;
    app.poll("the next refresh", Duration::from_secs(20), || async {
        (app.backend.refresh_calls().await > calls
            && app.session_field("access_token").await != access)
            .then_some(())
    })
    .await;
    assert!(stored_access_works(&app).await, "the refreshed tokens work");
    app.reload().await;
    app.wait_for_text("#user-name", "Yul Other Tab").await;
    assert_eq!(app.pathname().await, "/dashboard");
    assert!(!app.exists(&find::banner("profile-stale")).await);
    assert!(!app.exists(&find::banner("expired")).await);
    app.assert_no_crash().await;
}
