//! The signed-in account settings page (/settings): change the password, edit the profile, sign out
//! of every tab. End to end: the release build in Chromium against the reference backend.

use serde_json::json;

use crate::support::{find, App, NEW_PASSWORD, PASSWORD};

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
async fn edit_profile_saves_name_and_username_everywhere() {
    skip_unless_e2e!();
    let app = App::start().await;
    let email = "quinn@example.com";
    app.backend
        .create_active_user_with(email, PASSWORD, "Quinn Old", "quinn_old")
        .await;
    app.open_settings(email, PASSWORD).await;
    assert_eq!(
        app.value("name").await,
        "Quinn Old",
        "the form starts from the profile"
    );
    assert_eq!(app.value("username").await, "quinn_old");

    app.fill("name", "Quinn Newname").await;
    app.fill("username", "quinn_new").await;
    app.click(&find::submit(find::PROFILE_FORM)).await;
    app.wait_for(&find::notice("profile-saved")).await;
    assert_eq!(app.value("name").await, "Quinn Newname");

    // The dashboard shows the new values (the session's copy of the user was updated)…
    app.click("a[href=\"/dashboard\"]").await;
    app.wait_for_path("/dashboard").await;
    app.wait_for_text("#user-name", "Quinn Newname").await;
    assert_eq!(app.text("#user-username").await.trim(), "quinn_new");
    let stored = app.session().await.expect("a stored session");
    assert_eq!(
        stored["user"]["name"],
        json!("Quinn Newname"),
        "the stored session should hold the saved profile"
    );
    // …and so does a reload, which fetches users/me/ afresh.
    app.reload().await;
    app.wait_for_text("#user-name", "Quinn Newname").await;

    // The API has them.
    let access = app.access_token_for(email, PASSWORD).await;
    let me = app.api().get("/auth/users/me/", Some(&access)).await;
    assert_eq!(me.status, 200, "users/me/: {}", me.text());
    let me = me.json();
    assert_eq!(me["name"], json!("Quinn Newname"), "users/me/: {me}");
    assert_eq!(me["username"], json!("quinn_new"), "users/me/: {me}");
    assert_eq!(me["email"], json!(email), "the email is not editable: {me}");
}

#[tokio::test(flavor = "multi_thread")]
async fn sign_out_from_settings_signs_out_every_tab() {
    skip_unless_e2e!();
    let email = "rae@example.com";
    let app = App::start_with_user(email).await;
    app.open_settings(email, PASSWORD).await;
    let refresh = app.session_field("refresh_token").await;
    let client = &app.browser.client;
    let first = client.window().await.expect("this window");

    // A second window of the same browser shares the session.
    let second = client.new_window(false).await.expect("a new window").handle;
    client
        .switch_to_window(second.clone())
        .await
        .expect("switch to the second window");
    app.goto("/dashboard").await;
    app.wait_for_text("#user-email", email).await;

    // Sign out from the settings page in the first window.
    client
        .switch_to_window(first)
        .await
        .expect("switch to the first window");
    assert_eq!(app.pathname().await, "/settings");
    app.click(find::SIGN_OUT).await;
    app.wait_for_pathname("/login").await;
    app.wait_for(find::LOGIN_FORM).await;
    assert_eq!(
        app.session().await,
        None,
        "signing out should clear the stored session"
    );

    // The other window followed, without being touched.
    client
        .switch_to_window(second)
        .await
        .expect("switch back to the second window");
    app.wait_for_pathname("/login").await;
    app.wait_for(find::LOGIN_FORM).await;
    assert!(
        !app.exists("#user-email").await,
        "the second window should no longer show the account"
    );
    // It stays signed out when reloaded, and the refresh token is dead server-side.
    app.goto("/dashboard").await;
    app.wait_for_pathname("/login").await;
    app.assert_refresh_token_revoked(&refresh).await;
}
