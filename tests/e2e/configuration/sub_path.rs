//! One build served under a sub-path: `scripts/configure-dist.py --base /account/` on a copy of
//! the build, served by a real nginx with deploy/nginx-subpath.conf, the backend's emailed links
//! pointing under the path (`AUTH_SPA_PATH`). An emailed deep link, a guard's redirect with
//! `next`, signing in and out: everything stays under /account/, the files too; `next` outside
//! the path is refused.

use serde_json::json;

use super::PASSWORD;
use crate::support::nginx::UnderAccount;
use crate::support::{find, App};

const EMAIL: &str = "sub@example.com";

/// Every URL this document loaded (its own and the resources) on the app's origin that is not
/// under /account/.
async fn loaded_outside_the_path(app: &App) -> Vec<String> {
    let urls = app
        .js(
            "return [location.href, ...performance.getEntriesByType('resource').map(e => e.name)]
                .filter(url => url.startsWith(arguments[0]) && !url.startsWith(arguments[0] + '/account/'));",
            vec![json!(app.origin())],
        )
        .await;
    serde_json::from_value(urls).expect("a list of URLs")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_app_under_a_sub_path_stays_there() {
    skip_unless_e2e!();
    let mut world = UnderAccount::start().await;
    let api = world.app.api_base();
    let _nginx = world.serve("deploy/nginx-subpath.conf", &api).await;
    let app = world.app;

    // The emailed deep link points under the path and opens its page there.
    let r = app.api().register(EMAIL, "Sub", PASSWORD).await;
    assert_eq!(r.status, 201, "register: {}", r.text());
    let link = app
        .backend
        .wait_for_email(EMAIL)
        .await
        .link("/account/user-activation/");
    app.goto_url(&link).await;
    app.wait_for("[data-result=\"activated\"]").await;
    assert_eq!(
        app.attr("main a[href$=\"login\"]", "href").await.as_deref(),
        Some("/account/login"),
        "the page's link to sign in"
    );
    assert_eq!(loaded_outside_the_path(&app).await, Vec::<String>::new());

    // A signed-out visit to a protected page: to sign in, with where it was as `next`, and back.
    app.goto("/account/settings?tab=x").await;
    app.wait_for_path("/account/login?next=%2Faccount%2Fsettings%3Ftab%3Dx")
        .await;
    app.submit_login("email", EMAIL, PASSWORD).await;
    app.wait_for_path("/account/settings?tab=x").await;
    app.wait_for_text("#settings-email", EMAIL).await;

    // In-app links and a reload stay under the path.
    app.click(".card-footer a").await;
    app.wait_for_path("/account/dashboard").await;
    app.wait_for_text("#user-email", EMAIL).await;
    app.reload().await;
    app.wait_for_text("#user-email", EMAIL).await;
    // The path itself, with or without its slash, is the app's start.
    for start in ["/account", "/account/"] {
        app.goto(start).await;
        app.wait_for_path("/account/dashboard").await;
    }
    assert_eq!(loaded_outside_the_path(&app).await, Vec::<String>::new());

    // Signing out lands on the sign-in page under the path.
    app.click(find::SIGN_OUT).await;
    app.wait_for_path("/account/login").await;

    // `next` outside the path (another app on this origin) is refused: home instead.
    for next in [
        "%2Fother%2F",
        "%2Fdashboard",
        "%2Faccount%2F%2Fevil.example",
    ] {
        app.goto(&format!("/account/login?next={next}")).await;
        app.submit_login("email", EMAIL, PASSWORD).await;
        app.wait_for_path("/account/dashboard").await;
        app.clear_site_storage().await;
    }
    app.assert_no_crash().await;
}
