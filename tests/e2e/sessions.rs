//! Sessions that never break, in the release build in headless Chromium against the reference
//! backend (see tests/README.md): tabs.rs, one refresh per browser across tabs and sign-in and
//! sign-out reaching every tab; resilience.rs, an outage survived, failed and throttled forms, bad
//! stored data, a spent access token; races.rs, tabs without Web Locks and a sign-out during
//! another tab's refresh; back_forward_cache.rs, a page restored after a sign-out;
//! three_tabs.rs, one refresh call per window with three tabs, in every engine.

use fantoccini::wd::WindowHandle;

use crate::support::{App, PASSWORD};

mod back_forward_cache;
mod races;
mod resilience;
mod tabs;
mod three_tabs;

const EMAIL: &str = "tabs@example.com";

/// The stored session's access token, if there is a session.
async fn stored_access(app: &App) -> Option<String> {
    app.session()
        .await
        .and_then(|s| s["access_token"].as_str().map(str::to_string))
}

/// Opens another tab of the same WebDriver session and switches to it, with nothing loaded yet.
pub(crate) async fn new_tab(app: &App) -> WindowHandle {
    let handle = app
        .browser
        .client
        .new_window(true)
        .await
        .expect("open a new tab")
        .handle;
    app.switch_to(&handle).await;
    handle
}

/// Opens another tab, switches to it and loads `path`.
pub(crate) async fn open_tab(app: &App, path: &str) -> WindowHandle {
    let handle = new_tab(app).await;
    app.goto(path).await;
    handle
}

/// Lines of the backend's request log answering `POST /auth/jwt/refresh/` with 401.
pub(crate) fn refused_refreshes(app: &App) -> usize {
    std::fs::read_to_string(app.backend.stderr_log())
        .unwrap_or_default()
        .lines()
        .filter(|l| l.contains("POST /auth/jwt/refresh/") && l.contains("\" 401 "))
        .count()
}
