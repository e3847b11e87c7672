//! What the reference backend's safe defaults (issue #19) mean in a real browser: an emailed link
//! does one thing, and a lost refresh answer costs nobody their session. ("Where you're signed
//! in", which lists and ends the account's sign-ins: settings/sign_ins.rs.)

use std::time::Duration;

use crate::support::{find, url_path, App, BackendOptions, NEW_PASSWORD, PASSWORD};

/// An activation link, once used, is refused where a password reset is confirmed: the page
/// says the link doesn't work and the password stays what it was.
#[tokio::test(flavor = "multi_thread")]
async fn a_used_activation_link_does_not_reset_the_password() {
    skip_unless_e2e!();
    let app = App::start().await;
    let email = "once@example.com";
    let r = app.api().register(email, "Once", PASSWORD).await;
    assert_eq!(r.status, 201, "{}", r.text());
    let link = app
        .backend
        .wait_for_email(email)
        .await
        .link("/user-activation/");
    app.goto_url(&link).await;
    app.wait_for("[data-result=\"activated\"]").await;

    let replayed = url_path(&link).replacen("/user-activation/", "/confirm-password-reset/", 1);
    app.goto(&replayed).await;
    app.wait_for(find::CONFIRM_RESET_FORM).await;
    app.fill("new_password", NEW_PASSWORD).await;
    app.fill("re_new_password", NEW_PASSWORD).await;
    app.submit().await;
    app.wait_for("[data-result=\"invalid\"]").await;
    assert_eq!(app.api().jwt_create(email, PASSWORD).await.status, 200);
    assert_eq!(app.api().jwt_create(email, NEW_PASSWORD).await.status, 401);
}

/// A refresh answer lost on its way back (the server rotated the token, then went away before
/// the browser heard) is retried with the same token: the rotation overlap answers it again, and
/// neither this browser nor another sign-in of the account is signed out.
#[tokio::test(flavor = "multi_thread")]
async fn a_lost_refresh_answer_signs_nobody_out() {
    skip_unless_e2e!();
    let mut app = App::start_with(
        BackendOptions::short_access().with_faults("POST /auth/jwt/refresh/=delay-6000"),
    )
    .await;
    let email = "lost@example.com";
    app.add_user(email).await;
    let mut other = app.second_browser("second-browser").await;
    app.sign_in(email, PASSWORD).await;
    let signed_in = std::time::Instant::now();
    let signed_in_with = app.session_field("refresh_token").await;
    app.in_browser(&mut other, async |app: &App| {
        app.sign_in(email, PASSWORD).await
    })
    .await;
    // This browser's first refresh (5 s after a sign-in with 65 s tokens) is held back 6 s after
    // the server has rotated; the server goes away in the middle, and the answer with it.
    tokio::time::sleep(Duration::from_secs(8).saturating_sub(signed_in.elapsed())).await;
    app.backend.stop().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    app.backend.start_again().await;

    app.poll(
        "this browser refreshed again after the lost answer",
        Duration::from_secs(40),
        || async {
            let now = app.session_field("refresh_token").await;
            (now != signed_in_with).then_some(())
        },
    )
    .await;
    tokio::time::sleep(Duration::from_secs(8)).await;
    for browser in ["this browser", "the other browser"] {
        let check = async |app: &App| {
            app.goto("/dashboard").await;
            app.wait_for_text("#user-email", email).await;
            assert_eq!(
                app.pathname().await,
                "/dashboard",
                "{browser} was signed out"
            );
        };
        if browser == "this browser" {
            check(&app).await;
        } else {
            app.in_browser(&mut other, check).await;
        }
    }
    let log = std::fs::read_to_string(app.backend.stderr_log()).unwrap_or_default();
    assert!(
        !log.contains("reuse"),
        "the retry counted as reuse:\n{}",
        app.backend.log_tail(40)
    );
}
