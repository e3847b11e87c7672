//! /settings, Profile: the name and username saved, shown everywhere.

use serde_json::json;

use crate::support::{find, App, PASSWORD};

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
