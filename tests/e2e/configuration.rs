//! The runtime configuration (issue #12): one build, configured at deploy time by the meta tags
//! that `scripts/configure-dist.py` writes into every page. djoser_layout.rs: a backend with
//! Djoser under another prefix that signs in by username; sub_path.rs: the app under /account/
//! through nginx (deploy/nginx-subpath.conf); social_build.rs: the build with social sign-in put
//! in place by `--social`. Here: each bad value shows the not-configured page,
//! naming its tag, and calls nothing.

use serde_json::json;

use crate::support::dist::copy_dist;
use crate::support::static_server::rewrite_meta;
use crate::support::{find, App, AppOptions, TestDir, PASSWORD};

mod djoser_layout;
mod social_build;
mod sub_path;

#[tokio::test(flavor = "multi_thread")]
async fn each_bad_value_shows_the_configuration_page() {
    skip_unless_e2e!();
    let copy = TestDir::new();
    copy_dist(copy.path());
    let app = App::start_opts(AppOptions {
        dist: Some(copy.path().to_path_buf()),
        ..Default::default()
    })
    .await;
    let login = copy.join("login.html");
    let built = std::fs::read_to_string(&login).expect("login.html");
    let long_name = "x".repeat(61);
    for (tag, bad) in [
        ("djoser-api-prefix", "api/v1/auth"),
        ("djoser-api-prefix", "/api/../auth/"),
        ("djoser-login-field", "phone"),
        ("app-name", long_name.as_str()),
        ("app-base-path", "account"),
        // A well-formed base path the page isn't served under.
        ("app-base-path", "/account/"),
    ] {
        let page = rewrite_meta(&built, tag, bad).expect("the build's pages carry every tag");
        std::fs::write(&login, page).expect("write login.html");
        app.goto("/login").await;
        let notice = app
            .wait_for_text(&find::banner("not-configured"), &format!("\"{tag}\""))
            .await
            .text()
            .await
            .expect("the notice's text");
        println!("{tag}={bad:?}: {notice}");
        assert!(
            !app.exists("form").await,
            "{tag}={bad:?}: a form is offered"
        );
        let calls = app
            .js(
                "return performance.getEntriesByType('resource').filter(e => e.name.startsWith(arguments[0])).length",
                vec![json!(app.api_base())],
            )
            .await;
        assert_eq!(calls, json!(0), "{tag}={bad:?}: the app called the API");
        app.assert_no_crash().await;
    }

    // The same page as built works (the harness points it at the backend).
    std::fs::write(&login, &built).expect("write login.html");
    app.goto("/login").await;
    app.wait_for(find::LOGIN_FORM).await;
    assert!(!app.exists(&find::banner("not-configured")).await);
}
