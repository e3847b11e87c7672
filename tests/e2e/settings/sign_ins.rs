//! /settings, where you're signed in and Sign out: the account's sign-ins listed, one per
//! browser, another one ended (the reference backend's safe defaults, issue #19); signing out
//! from /settings signs out every tab.

use std::time::Duration;

use crate::support::{find, App, BackendOptions, PASSWORD};

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

/// /settings lists the account's sign-ins, one per browser, signs another one out, and signs out
/// everywhere else; the browsers signed out land on /login at their next refresh.
#[tokio::test(flavor = "multi_thread")]
async fn where_youre_signed_in_ends_other_sign_ins() {
    skip_unless_e2e!();
    let mut app = App::start_with(BackendOptions {
        access_seconds: 65,
        ..Default::default()
    })
    .await;
    let email = "devices@example.com";
    app.add_user(email).await;
    let mut other = app.second_browser("second-browser").await;
    let sign_in_there = async |app: &App| app.sign_in(email, PASSWORD).await;
    app.in_browser(&mut other, sign_in_there).await;
    app.sign_in(email, PASSWORD).await;

    app.goto("/settings").await;
    app.poll("two sign-ins listed", Duration::from_secs(10), || async {
        (app.count("#sign-ins li").await == 2).then_some(())
    })
    .await;
    app.wait_for_text("#sign-ins", "(this browser)").await;
    app.click("#sign-ins li button").await;
    app.poll("one sign-in left", Duration::from_secs(10), || async {
        (app.count("#sign-ins li").await == 1).then_some(())
    })
    .await;
    app.in_browser(&mut other, async |app: &App| {
        app.wait_for_pathname("/login").await
    })
    .await;

    // Signed in there again, then "Sign out everywhere else".
    app.in_browser(&mut other, sign_in_there).await;
    app.goto("/settings").await;
    app.poll(
        "two sign-ins listed again",
        Duration::from_secs(10),
        || async { (app.count("#sign-ins li").await == 2).then_some(()) },
    )
    .await;
    app.click("#sign-out-others").await;
    app.poll(
        "only this browser left",
        Duration::from_secs(10),
        || async { (app.count("#sign-ins li").await == 1).then_some(()) },
    )
    .await;
    assert!(!app.exists("#sign-out-others").await);
    app.in_browser(&mut other, async |app: &App| {
        app.wait_for_pathname("/login").await
    })
    .await;
    assert_eq!(app.pathname().await, "/settings");
}
