//! /settings, Delete account: a wrong password refused, then the account deleted and every tab
//! signed out.

use super::text_of;
use crate::support::{find, App, PASSWORD, WAIT};

#[tokio::test(flavor = "multi_thread")]
async fn delete_account_refuses_a_wrong_password_then_signs_out_every_tab() {
    skip_unless_e2e!();
    let email = "wes@example.com";
    let app = App::start_signed_in(email).await;
    let (first, second) = app.second_window("/dashboard").await;
    app.click(find::SETTINGS_LINK).await;
    let refresh = app.session_field("refresh_token").await;

    // The confirm step opens with the focus in its password input, and can be left.
    app.click("button#delete-account").await;
    app.wait_for(find::DELETE_ACCOUNT_FORM).await;
    app.poll("the focus in the confirm step's password", WAIT, || async {
        (app.focused_id().await == "delete-account-form-field-current_password").then_some(())
    })
    .await;
    assert!(
        text_of(&app, ".danger-zone")
            .await
            .contains("cannot be undone"),
        "the page says it is for good"
    );
    app.click("button#delete-account-cancel").await;
    app.wait_gone(find::DELETE_ACCOUNT_FORM).await;
    app.poll("the focus back on the button", WAIT, || async {
        (app.focused_id().await == "delete-account").then_some(())
    })
    .await;

    // A wrong password: the server's error, and nothing changes.
    app.click("button#delete-account").await;
    app.retype(
        "#delete-account-form-field-current_password",
        "Not-the-password-1",
    )
    .await;
    app.click(&find::submit(find::DELETE_ACCOUNT_FORM)).await;
    let error = text_of(&app, "#delete-account-form-field-current_password-error").await;
    assert!(error.contains("Invalid password"), "{error:?}");
    assert_eq!(app.pathname().await, "/settings");
    assert!(app.session().await.is_some(), "still signed in");
    assert_eq!(app.api().jwt_create(email, PASSWORD).await.status, 200);

    // The right one: gone, and every tab lands on the sign-in page saying so.
    app.retype("#delete-account-form-field-current_password", PASSWORD)
        .await;
    app.click(&find::submit(find::DELETE_ACCOUNT_FORM)).await;
    app.wait_for_pathname("/login").await;
    app.wait_for(&find::notice("account-deleted")).await;
    assert_eq!(app.session().await, None);
    app.switch_to(&second).await;
    app.wait_for_pathname("/login").await;
    app.wait_for(&find::notice("account-deleted")).await;
    assert!(!app.exists("#user-email").await);
    app.switch_to(&first).await;

    let r = app.api().jwt_create(email, PASSWORD).await;
    assert_eq!(
        r.status,
        401,
        "jwt/create for the deleted account: {}",
        r.text()
    );
    let r = app.api().jwt_refresh(&refresh).await;
    assert_eq!(r.status, 401, "its refresh token: {}", r.text());

    // A new sign-in (of another account) ends the notice.
    app.add_user("xan@example.com").await;
    app.sign_in("xan@example.com", PASSWORD).await;
    app.click(find::SIGN_OUT).await;
    app.wait_for(find::LOGIN_FORM).await;
    assert!(!app.exists(&find::notice("account-deleted")).await);
    app.assert_no_crash().await;
}
