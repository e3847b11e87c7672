//! Smoke test: the release build, served like a CDN, mounts and talks to the test backend.

use crate::support::{find, App};

#[tokio::test(flavor = "multi_thread")]
async fn login_page_renders_from_dist() {
    skip_unless_e2e!();
    let app = App::start().await;

    app.goto("/login").await;
    app.wait_for(find::LOGIN_FORM).await;
    app.wait_for(&find::inside(
        find::LOGIN_FORM,
        "#field-email[name=\"email\"]",
    ))
    .await;
    app.wait_for(&find::inside(
        find::LOGIN_FORM,
        "#field-password[name=\"password\"]",
    ))
    .await;
    assert_eq!(
        app.count("main h1").await,
        1,
        "the login page should have exactly one h1 in main"
    );

    let api_base = app
        .js("const m = document.querySelector('meta[name=\"djoser-api-base\"]'); return m && m.content;", vec![])
        .await;
    assert_eq!(
        api_base.as_str(),
        Some(app.api_base().as_str()),
        "the served index.html should point the app at the test backend"
    );

    let errors = app.browser.console_errors().await;
    assert!(
        errors.is_empty(),
        "the login page logged errors: {errors:#?}"
    );
}

/// The static server's SPA fallback: unknown paths get index.html (status 200, rewritten), real
/// files their own type. Checked here because every other test relies on it.
#[tokio::test(flavor = "multi_thread")]
async fn static_server_serves_files_and_falls_back_to_index() {
    skip_unless_e2e!();
    let app = App::start().await;
    let get = |path: &str| {
        let url = format!("{}{path}", app.origin());
        async move {
            crate::support::http::request("GET", &url, &[], None)
                .await
                .expect("GET from the static server")
        }
    };

    let deep = get("/user-activation/MQ/abc-123?x=1").await;
    assert_eq!(deep.status, 200);
    assert!(deep
        .header("content-type")
        .unwrap_or("")
        .starts_with("text/html"));
    let want = format!(
        "<meta name=\"djoser-api-base\" content=\"{}\">",
        app.api_base()
    );
    assert!(
        deep.text().contains(&want),
        "index.html should carry {want}"
    );

    let wasm = std::fs::read_dir(crate::support::static_server::dist_dir())
        .expect("dist dir")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.ends_with(".wasm"))
        .expect("a .wasm file in the build folder");
    let r = get(&format!("/{wasm}")).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/wasm"));
    assert_eq!(
        &r.body[..4],
        b"\0asm",
        "the wasm file should be served as is"
    );
}
