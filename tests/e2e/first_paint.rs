//! The first paint before the wasm (issue #10): the release build's prerendered pages show the
//! card at once, can't send anything, hand what was typed (and the focus) over to the app when it
//! takes over, without moving anything; signed-in pages and `/` are a neutral loading shell; the
//! loader (`boot-*.js`) says so when the app can't start; without JavaScript the page says it
//! needs it. The release build in headless Chromium against the reference backend (see
//! tests/README.md), the static server holding back the `.wasm` (`AppOptions::wasm_delay`) so the
//! prerendered page can be looked at and typed into.
//!
//! takeover.rs: the prerendered card before the app, what was typed into it, the app taking it
//! over without a shift, the neutral shell for a stored session; boot.rs: no JavaScript, a wasm
//! that fails to load, no WebAssembly, a slow start; pages.rs: a page per route and which page
//! answers which path; styled.rs: the styled card painted from the HTML alone (issue #21).

use std::time::{Duration, Instant};

use crate::support::{App, AppOptions, PASSWORD};

mod boot;
mod pages;
mod styled;
mod takeover;

/// How long the static server holds back the `.wasm`: time to look at and type into the
/// prerendered page, within the harness's 10 s waits for the app.
const WASM_DELAY: Duration = Duration::from_secs(4);

fn held_back(delay: Duration) -> AppOptions {
    AppOptions {
        wasm_delay: Some(delay),
        ..Default::default()
    }
}

/// Opens `path` without waiting for the app: what shows is the prerendered page.
async fn open_as_is(app: &App, path: &str) -> Instant {
    let opened = Instant::now();
    app.goto_url_as_is(&format!("{}{path}", app.origin())).await;
    opened
}

async fn app_running(app: &App) -> bool {
    app.exists("html[data-app]").await
}

/// Fails unless the app has yet to start: what the test just saw was the prerendered page.
async fn assert_not_started(app: &App, what: &str) {
    assert!(
        !app_running(app).await,
        "{what}: the app was already running, so this was not the prerendered page\n{}",
        app.describe().await
    );
}

/// The requests the static server got that carry `secret` (in the target or the body), or any
/// form field (a native form submission: `/login?email=…&password=…`).
fn requests_carrying(app: &App, secret: &str) -> Vec<String> {
    app.server
        .requests()
        .into_iter()
        .filter(|r| {
            r.target.contains(secret)
                || r.target.contains("password=")
                || r.target.contains("email=")
                || String::from_utf8_lossy(&r.body).contains(secret)
                || (r.method != "GET" && r.method != "HEAD")
        })
        .map(|r| format!("{} {}", r.method, r.target))
        .collect()
}

/// Lines of the backend's request log naming `fragment` (preflights included).
fn backend_requests(app: &App, fragment: &str) -> Vec<String> {
    std::fs::read_to_string(app.backend.stderr_log())
        .unwrap_or_default()
        .lines()
        .filter(|line| line.contains(fragment))
        .map(str::to_string)
        .collect()
}

/// After a click or a key press that must send nothing: waits long enough for a native form
/// submission to leave, then checks that none did (same address, nothing carrying the form's
/// values to the static server, no sign-in request to the API).
async fn assert_nothing_sent(app: &App, url: &str, secret: &str, what: &str) {
    tokio::time::sleep(Duration::from_millis(600)).await;
    assert_eq!(
        app.url().await,
        url,
        "{what}: the page went elsewhere (the form was sent natively)"
    );
    let sent = requests_carrying(app, secret);
    assert!(
        sent.is_empty(),
        "{what}: the form was sent to the static server: {sent:#?}"
    );
    let api = backend_requests(app, "/auth/jwt/create/");
    assert!(api.is_empty(), "{what}: the form reached the API: {api:#?}");
}
