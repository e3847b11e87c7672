//! Sessions that never break, in the release build in headless Chromium against the reference
//! backend (see tests/README.md): tabs.rs, one refresh per browser across tabs and sign-in and
//! sign-out reaching every tab; resilience.rs, an outage survived, failed and throttled forms, bad
//! stored data, a spent access token; races.rs, tabs without Web Locks and a sign-out during
//! another tab's refresh; back_forward_cache.rs, a page restored after a sign-out.

use crate::support::App;

mod back_forward_cache;
mod races;
mod resilience;
mod tabs;

const EMAIL: &str = "tabs@example.com";
const PASSWORD: &str = "Correct-horse-42";

/// The stored session's access token, if there is a session.
async fn stored_access(app: &App) -> Option<String> {
    app.session()
        .await
        .and_then(|s| s["access_token"].as_str().map(str::to_string))
}
