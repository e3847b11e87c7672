//! Three tabs, one refresh call per refresh window, in every engine (issue #18, 4): Firefox was
//! seen making two calls in the same second in some windows where Chromium and WebKit made one.
//! Each tab records its own refresh calls (what it sent, when, the answer) and what it did with
//! the refresh lock (Web Locks: asked, granted, released), so a failure shows which tabs
//! refreshed in one window, with which refresh token, and whether the lock kept them apart.

use std::time::{Duration, Instant};

use fantoccini::wd::WindowHandle;
use serde_json::Value;

use super::{new_tab, refused_refreshes, EMAIL, PASSWORD};
use crate::support::{App, BackendOptions};

/// `window.__lockLog`: one entry per `navigator.locks.request` of the document, with when it
/// was asked, granted and released (Unix ms, comparable across tabs).
const RECORD_LOCKS: &str = "(() => {
  if (!window.LockManager) return;
  const log = (window.__lockLog = []);
  const now = () => performance.timeOrigin + performance.now();
  const request = LockManager.prototype.request;
  LockManager.prototype.request = function (name, ...rest) {
    const callback = rest[rest.length - 1];
    const entry = { name, asked: now(), granted: null, released: null };
    log.push(entry);
    rest[rest.length - 1] = (lock) => {
      entry.granted = now();
      const held = Promise.resolve(callback(lock));
      held.then(() => { entry.released = now(); }, () => { entry.released = now(); });
      return held;
    };
    return request.call(this, name, ...rest);
  };
})();";

/// Opens another tab that records its auth calls and lock requests, and loads the dashboard.
async fn open_watched_tab(app: &App) -> WindowHandle {
    let handle = new_tab(app).await;
    app.add_init_script(RECORD_LOCKS).await;
    app.record_auth_calls().await;
    app.goto("/dashboard").await;
    app.wait_for_text("#user-email", EMAIL).await;
    handle
}

/// The last 8 characters of a token, to tell them apart in a message.
fn end(token: &str) -> &str {
    &token[token.len().saturating_sub(8)..]
}

#[tokio::test(flavor = "multi_thread")]
async fn three_tabs_make_one_refresh_call_per_window() {
    skip_unless_e2e!();
    /// Four windows (a refresh ~5 s after each new token), or until four calls have been made.
    const OBSERVE: Duration = Duration::from_secs(22);
    const OBSERVE_AT_MOST: Duration = Duration::from_secs(30);

    let app = App::start_with(BackendOptions::short_access()).await;
    app.add_user(EMAIL).await;
    let first = app.browser.client.window().await.expect("window handle");
    app.add_init_script(RECORD_LOCKS).await;
    app.record_auth_calls().await;
    app.sign_in(EMAIL, PASSWORD).await;
    let signed_in = Instant::now();
    let tabs = [
        first,
        open_watched_tab(&app).await,
        open_watched_tab(&app).await,
    ];

    // The tabs stay where they are; the test watches the backend's counter from the last tab.
    while signed_in.elapsed() < OBSERVE
        || (app.backend.refresh_calls().await < 4 && signed_in.elapsed() < OBSERVE_AT_MOST)
    {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let backend_calls = app.backend.refresh_calls().await;
    let refused = refused_refreshes(&app);

    // Every tab's refresh calls and lock requests.
    struct Call {
        tab: usize,
        at: f64,
        sent: String,
        status: Value,
        got: Option<String>,
    }
    let mut calls: Vec<Call> = vec![];
    let mut locks: Vec<(usize, Value)> = vec![];
    let mut signed_out = vec![];
    for (i, tab) in tabs.iter().enumerate() {
        app.switch_to(tab).await;
        for c in app.auth_calls_to("/jwt/refresh/").await {
            calls.push(Call {
                tab: i,
                at: c["at"].as_f64().unwrap_or(0.0),
                sent: c["sent"]["refresh"].as_str().unwrap_or("?").to_string(),
                status: c["status"].clone(),
                got: c["answer"]["refresh"].as_str().map(str::to_string),
            });
        }
        let log = app.js("return window.__lockLog || [];", vec![]).await;
        for entry in log.as_array().cloned().unwrap_or_default() {
            locks.push((i, entry));
        }
        if app.pathname().await != "/dashboard" || !app.exists("#user-email").await {
            signed_out.push(format!("tab {i}:\n{}", app.describe().await));
        }
        app.assert_no_crash().await;
    }
    calls.sort_by(|a, b| a.at.total_cmp(&b.at));
    let t0 = calls.first().map(|c| c.at).unwrap_or(0.0);
    let timeline: Vec<String> = calls
        .iter()
        .map(|c| {
            format!(
                "{:+8.0} ms tab {} sent …{} → {} (new …{})",
                c.at - t0,
                c.tab,
                end(&c.sent),
                c.status,
                c.got.as_deref().map(end).unwrap_or("-")
            )
        })
        .collect();
    let mut lock_lines: Vec<(f64, String)> = locks
        .iter()
        .filter(|(_, e)| e["name"].as_str().is_some_and(|n| n.contains("refresh")))
        .map(|(tab, e)| {
            let ms = |k: &str| {
                e[k].as_f64()
                    .map(|v| format!("{:+.0}", v - t0))
                    .unwrap_or_else(|| "never".into())
            };
            let asked = e["asked"].as_f64().unwrap_or(0.0);
            (
                asked,
                format!(
                    "tab {tab}: asked {} granted {} released {}",
                    ms("asked"),
                    ms("granted"),
                    ms("released")
                ),
            )
        })
        .collect();
    lock_lines.sort_by(|a, b| a.0.total_cmp(&b.0));
    let lock_lines: Vec<String> = lock_lines.into_iter().map(|(_, l)| l).collect();
    println!(
        "three tabs, {:.1?}: {backend_calls} refresh calls at the backend, {refused} refused\n  calls (ms from the first):\n    {}\n  the refresh lock (ms from the first call):\n    {}",
        signed_in.elapsed(),
        timeline.join("\n    "),
        lock_lines.join("\n    ")
    );

    // One call per window: every refresh token is sent once (a second call with a token is a
    // second refresh in its window), and each call sends the token the previous one got.
    let mut twice = vec![];
    for (i, c) in calls.iter().enumerate() {
        if calls[..i].iter().any(|earlier| earlier.sent == c.sent) {
            twice.push(format!(
                "tab {} sent …{} again {:.0} ms after the first call with it (answered {})",
                c.tab,
                end(&c.sent),
                c.at - calls.iter().find(|e| e.sent == c.sent).unwrap().at,
                c.status
            ));
        }
    }
    assert!(
        signed_out.is_empty(),
        "a tab was signed out:\n{}",
        signed_out.join("\n")
    );
    assert!(
        twice.is_empty(),
        "more than one refresh call in a window:\n{}\ncalls:\n{}\nlock:\n{}",
        twice.join("\n"),
        timeline.join("\n"),
        lock_lines.join("\n")
    );
    assert!(
        backend_calls as usize <= calls.len(),
        "the backend counted {backend_calls} refresh calls, the tabs recorded {}",
        calls.len()
    );
    assert!(
        calls.len() >= 3,
        "only {} refreshes in {:?}: the test didn't see three windows",
        calls.len(),
        signed_in.elapsed()
    );
    assert_eq!(refused, 0, "the backend refused a refresh");
}
