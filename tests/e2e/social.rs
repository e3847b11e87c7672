//! Social sign-in (issue #20) through the documented same-origin layout: a real nginx with
//! deploy/nginx-proxy.conf serves a copy of the release build configured with `--api same-origin`
//! and `--social` (which puts the build with social sign-in, dist/social/, in place) and passes /auth/ to the reference backend, whose social mode uses social-core's
//! generic OpenID Connect backend against a real provider (npm oidc-provider, its development
//! login and consent pages). Chromium clicks "Continue with …", signs in at the provider and
//! comes back signed in; the failures each say what happened and leave nothing stored; and
//! registration and password sign-in work as ever beside the buttons.

use std::time::Duration;

use serde_json::json;

use crate::support::axe::Audit;
use crate::support::dist::configured_copy;
use crate::support::nginx::Nginx;
use crate::support::oidc::OidcProvider;
use crate::support::{find, url_path, App, AppOptions, BackendOptions, TestDir, PASSWORD};

/// Where the app keeps `next` for the trip to the provider (src/pages/social.rs).
const NEXT_KEY: &str = "djoser-social-next";

/// One test's world: nginx (the app and the API on one origin), the backend, the provider.
struct Social {
    app: App,
    _nginx: Nginx,
    _provider: OidcProvider,
    _provider_dir: TestDir,
}

/// Where the API is, as the app's build is told.
#[derive(PartialEq)]
enum Layout {
    /// The documented one: the app and the API behind one nginx (deploy/nginx-proxy.conf).
    SameOrigin,
    /// The app on 127.0.0.1 (deploy/nginx.conf), the API on `localhost`: another site to the
    /// browser, whatever the ports.
    CrossSite,
}

async fn start() -> Social {
    start_in(Layout::SameOrigin).await
}

async fn start_in(layout: Layout) -> Social {
    // Hold nginx's port while the rest starts, so no other server of this run is given it.
    let reserved = std::net::TcpListener::bind("127.0.0.1:0").expect("no free port");
    let port = reserved.local_addr().expect("reserved port").port();
    let origin = format!("http://127.0.0.1:{port}");
    let provider_dir = TestDir::new();
    let provider = OidcProvider::start(
        provider_dir.path(),
        &[format!("{origin}/oauth-callback/oidc")],
    )
    .await;
    let mut env = provider.backend_env();
    if layout == Layout::SameOrigin {
        env.push(("AUTH_SAME_ORIGIN".into(), "1".into()));
    }
    let app = App::start_served_by(
        &origin,
        AppOptions {
            backend: BackendOptions {
                extra_env: env,
                ..Default::default()
            },
            ..Default::default()
        },
    )
    .await;
    let root = app.dir.join("www");
    let api = match layout {
        Layout::SameOrigin => "same-origin".to_string(),
        Layout::CrossSite => app.api_base().replace("127.0.0.1", "localhost"),
    };
    // GitHub is offered, but the backend doesn't enable it.
    configured_copy(&root, &["--api", &api, "--social", "oidc=Test ID,github"]);
    drop(reserved);
    let nginx = match layout {
        Layout::SameOrigin => {
            Nginx::start_proxy(app.dir.path(), &root, port, app.backend.port()).await
        }
        Layout::CrossSite => Nginx::start(app.dir.path(), &root, port, &api).await,
    };
    Social {
        app,
        _nginx: nginx,
        _provider: provider,
        _provider_dir: provider_dir,
    }
}

/// Where the browser is now: the app's path, or the provider's page.
async fn location(app: &App) -> String {
    app.browser
        .client
        .current_url()
        .await
        .map(|url| url.to_string())
        .unwrap_or_default()
}

/// Clicks "Continue with Test ID" and goes through the provider's pages (login, then consent,
/// each only if it asks) as `login`, until the browser is back on the app.
async fn continue_with_provider(app: &App, login: &str) {
    let button = app.wait_for("button[data-provider=\"oidc\"]").await;
    assert_eq!(
        button.text().await.unwrap_or_default(),
        "Continue with Test ID"
    );
    button.click().await.expect("click Continue with Test ID");
    app.poll(
        "the provider's pages, then the app",
        Duration::from_secs(20),
        || async {
            let here = location(app).await;
            if here.starts_with(app.origin()) && !here.contains("/login") {
                return Some(());
            }
            if here.starts_with(app.origin()) {
                return None; // still asking the API where to go
            }
            if app.exists("input[name=\"login\"]").await {
                app.fill("login", login).await;
                app.fill("password", "any-password").await;
                app.click("button[type=submit]").await;
            } else if app
                .exists("input[name=\"prompt\"][value=\"consent\"]")
                .await
            {
                app.click("button[type=submit]").await;
            }
            None
        },
    )
    .await;
}

/// The requests nginx answered with this method (its access log), e.g. "OPTIONS".
fn requests_with_method(app: &App, method: &str) -> usize {
    std::fs::read_to_string(app.dir.join("nginx-access.log"))
        .unwrap_or_default()
        .lines()
        .filter(|line| line.contains(&format!("\"{method} ")))
        .count()
}

async fn session_storage(app: &App, key: &str) -> Option<String> {
    app.js(
        "return window.sessionStorage.getItem(arguments[0]);",
        vec![json!(key)],
    )
    .await
    .as_str()
    .map(str::to_string)
}

/// Nothing of a sign-in is kept: no session, no `next` waiting, and the sign-in page is offered.
async fn assert_nothing_stored(app: &App) {
    assert_eq!(
        app.session().await,
        None,
        "a failed sign-in stored a session"
    );
    assert_eq!(session_storage(app, NEXT_KEY).await, None);
    let here = location(app).await;
    for leftover in ["code=", "state=", "error="] {
        assert!(!here.contains(leftover), "{leftover} left in {here}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn signs_in_with_the_provider_through_the_proxy() {
    skip_unless_e2e!();
    let world = start().await;
    let app = &world.app;

    app.goto("/login").await;
    continue_with_provider(app, "alice").await;
    app.wait_for_pathname("/dashboard").await;
    app.wait_for_text("#user-email", "alice@example.com").await;
    let here = location(app).await;
    assert!(
        !here.contains("code=") && !here.contains("state=") && !here.contains("iss="),
        "the provider's answer is still in the address bar: {here}"
    );
    assert_eq!(session_storage(app, NEXT_KEY).await, None);
    // One origin: the browser made no preflight at all.
    assert_eq!(
        requests_with_method(app, "OPTIONS"),
        0,
        "a preflight went through the proxy"
    );
    assert!(requests_with_method(app, "POST") >= 1);
    let first_user = app
        .api()
        .get(
            "/auth/users/me/",
            Some(&app.session_field("access_token").await),
        )
        .await
        .json();
    assert_eq!(first_user["email"], "alice@example.com");

    // Another tab is signed in too.
    let first_tab = app.browser.client.window().await.expect("this tab");
    crate::sessions::new_tab(app).await;
    app.goto("/dashboard").await;
    app.wait_for_text("#user-email", "alice@example.com").await;
    app.browser
        .client
        .close_window()
        .await
        .expect("close the tab");
    app.switch_to(&first_tab).await;

    // Signing out revokes the refresh token, as after a password sign-in.
    let refresh = app.session_field("refresh_token").await;
    app.click(find::SIGN_OUT).await;
    app.wait_for_pathname("/login").await;
    app.assert_refresh_token_revoked(&refresh).await;

    // A second sign-in with the same identity is the same account.
    continue_with_provider(app, "alice").await;
    app.wait_for_pathname("/dashboard").await;
    app.wait_for_text("#user-email", "alice@example.com").await;
    let again = app
        .api()
        .get(
            "/auth/users/me/",
            Some(&app.session_field("access_token").await),
        )
        .await
        .json();
    assert_eq!(again["id"], first_user["id"], "a second account was made");
    app.assert_no_crash().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn next_survives_the_trip_to_the_provider() {
    skip_unless_e2e!();
    let world = start().await;
    let app = &world.app;
    app.goto("/settings").await;
    app.wait_for_pathname("/login").await;
    assert!(app.path().await.contains("next=%2Fsettings"));
    continue_with_provider(app, "bob").await;
    app.wait_for_pathname("/settings").await;
    assert_eq!(session_storage(app, NEXT_KEY).await, None);
}

#[tokio::test(flavor = "multi_thread")]
async fn registration_and_password_sign_in_work_beside_the_buttons() {
    skip_unless_e2e!();
    let world = start().await;
    let app = &world.app;
    let email = "carol@example.com";
    app.register_through_ui(email, "Carol", PASSWORD).await;
    let link = app
        .backend
        .wait_for_email(email)
        .await
        .link("/user-activation/");
    app.goto(url_path(&link)).await;
    app.wait_for("[data-result=\"activated\"]").await;
    app.goto("/login").await;
    app.wait_for("button[data-provider=\"oidc\"]").await;
    app.sign_in(email, PASSWORD).await;
    let refresh = app.session_field("refresh_token").await;
    app.click(find::SIGN_OUT).await;
    app.wait_for_pathname("/login").await;
    app.assert_refresh_token_revoked(&refresh).await;
    app.assert_no_crash().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn failures_say_what_happened_and_keep_nothing() {
    skip_unless_e2e!();
    let world = start().await;
    let app = &world.app;
    let mut audit = Audit::default();
    app.goto("/register").await;
    app.wait_for("button[data-provider=\"github\"]").await;
    audit.check(app, "/register with providers").await;

    // The user cancels at the provider.
    app.goto("/login?next=%2Fsettings").await;
    app.wait_for_text("button[data-provider=\"github\"]", "Continue with GitHub")
        .await;
    audit.check(app, "/login with providers").await;
    app.click("button[data-provider=\"oidc\"]").await;
    app.wait_for("input[name=\"login\"]").await;
    app.click("a[href*=\"abort\"]").await;
    app.wait_for_pathname("/oauth-callback/oidc").await;
    let message = app.wait_for("[data-error=\"refused\"]").await;
    assert!(message
        .text()
        .await
        .unwrap_or_default()
        .contains("cancelled"));
    assert_nothing_stored(app).await;
    audit.check(app, "/oauth-callback cancelled").await;
    app.click("a[href=\"/login\"]").await;
    app.wait_for_pathname("/login").await;

    // A forged state: the flow was started (the API's session holds the real one).
    app.click("button[data-provider=\"oidc\"]").await;
    app.wait_for("input[name=\"login\"]").await;
    app.goto("/oauth-callback/oidc?code=stolen&state=forged")
        .await;
    app.wait_for("[data-error=\"state\"]").await;
    assert!(app
        .text("[data-error=\"state\"]")
        .await
        .contains("same site"));
    assert_nothing_stored(app).await;

    // A provider the backend doesn't enable: said on the sign-in page itself.
    app.goto("/login").await;
    app.click("button[data-provider=\"github\"]").await;
    app.wait_for_text("[data-error=\"not-enabled\"]", "isn't turned on")
        .await;
    assert_nothing_stored(app).await;
    audit.check(app, "/login provider not enabled").await;
    app.assert_no_crash().await;
    audit.finish();
}

/// The cross-site layout (docs/deploy.md says what it costs): the app on one site, the API on
/// another (`127.0.0.1` and `localhost` are two sites to the browser, whatever the ports). The
/// API's flow cookie (SameSite=Lax) comes back on a cross-site answer, so the browser drops it;
/// the callback's POST goes without it, Djoser can't find the state, and the page says that the
/// app and the API must share a site, keeping nothing. (Same-site layouts work: the tests above.)
#[tokio::test(flavor = "multi_thread")]
async fn a_cross_site_api_loses_the_flow_and_says_so() {
    skip_unless_e2e!();
    let world = start_in(Layout::CrossSite).await;
    let app = &world.app;
    app.goto("/login").await;
    continue_with_provider(app, "carol").await;
    app.wait_for_pathname("/oauth-callback/oidc").await;
    app.wait_for("[data-error=\"state\"]").await;
    assert!(app
        .text("[data-error=\"state\"]")
        .await
        .contains("same site"));
    assert_nothing_stored(app).await;
    app.assert_no_crash().await;
}
