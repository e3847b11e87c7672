//! Site storage that fails (issue #11), other than all of it being blocked at page load
//! (storage_blocked.rs): IndexedDB that throws or fails its requests, Web Locks that refuse, a
//! full localStorage quota; and blocked storage through a refresh. Each failure is set up by a
//! script that runs in every document of the tab before the app's own. Through each, the app
//! must render, sign in, refresh its tokens (65 s access tokens: a refresh ~5 s after each new
//! token) twice without signing the user out, and sign out; with no notice, except the "only
//! while this tab is open" one where storage is blocked.

use std::time::Duration;

use serde_json::{json, Value};

use crate::support::{find, wait, App, BackendOptions, PASSWORD};

const EMAIL: &str = "storage-failures@example.com";

/// `indexedDB.open` throws, as it does where the browser refuses IndexedDB outright.
const INDEXEDDB_OPEN_THROWS: &str = "IDBFactory.prototype.open = function () {
    throw new DOMException('Internal error opening backing store for indexedDB.open.', 'UnknownError');
};";

/// `indexedDB.open` gives a real request that fires `error` (a VersionError): every open is
/// turned into one for a database made at a higher version first (IndexedDB queues the opens of
/// one database in order, so that one is there before the app's).
const INDEXEDDB_OPEN_FIRES_ERROR: &str = "(() => {
    const open = IDBFactory.prototype.open;
    const made = open.call(indexedDB, 'broken-on-purpose', 5);
    made.onsuccess = () => made.result.close();
    IDBFactory.prototype.open = function () { return open.call(this, 'broken-on-purpose', 1); };
})();";

/// The database opens, but every `get`, `put` and `delete` request fires `error` (AbortError)
/// and its transaction `abort`, as when the disk is full or the backing store is corrupt.
const INDEXEDDB_REQUESTS_FIRE_ERROR: &str = "for (const name of ['get', 'put', 'delete']) {
    const original = IDBObjectStore.prototype[name];
    IDBObjectStore.prototype[name] = function (...args) {
        const request = original.apply(this, args);
        this.transaction.abort();
        return request;
    };
}";

/// The database opens and reads, but every write aborts its transaction, as when the origin's
/// storage quota is full (filled by another app of the origin, say).
const INDEXEDDB_WRITES_REFUSED: &str = "(() => {
    const put = IDBObjectStore.prototype.put;
    IDBObjectStore.prototype.put = function (...args) {
        const request = put.apply(this, args);
        this.transaction.abort();
        return request;
    };
})();";

/// What a write to IndexedDB gives in the page: 'written', or the error's name.
const WRITE_PROBE: &str = "return new Promise((resolve) => {
    const request = indexedDB.open('probe', 1);
    request.onupgradeneeded = () => request.result.createObjectStore('s');
    request.onsuccess = () => {
        const db = request.result;
        const put = db.transaction('s', 'readwrite').objectStore('s').put('x', 'k');
        put.onsuccess = () => { db.close(); resolve('written'); };
        put.onerror = () => { db.close(); resolve(put.error.name); };
    };
    request.onerror = () => resolve('not opened');
});";

/// `navigator.locks.request` rejects (as in a document without the right to locks).
const LOCKS_REJECT: &str = "LockManager.prototype.request = function () {
    return Promise.reject(new DOMException('Access to the Locks API is denied in this context.', 'SecurityError'));
};";

/// localStorage.setItem throws QuotaExceededError once this document has made `ALLOWED` writes.
fn full_quota(allowed: u32) -> String {
    format!(
        "(() => {{
            const setItem = Storage.prototype.setItem;
            let writes = 0;
            Storage.prototype.setItem = function (key, value) {{
                if (this === window.localStorage && writes++ >= {allowed}) {{
                    throw new DOMException(`Failed to execute 'setItem' on 'Storage': Setting the value of '${{key}}' exceeded the quota.`, 'QuotaExceededError');
                }}
                return setItem.call(this, key, value);
            }};
        }})();"
    )
}

/// Reading `window.localStorage` throws, as with "block all cookies and site data".
const STORAGE_BLOCKED: &str = "Object.defineProperty(window, 'localStorage', { configurable: true, get() { throw new DOMException('The operation is insecure.', 'SecurityError'); } });";

/// What localStorage holds while signed in, with the failure in place.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Stored {
    /// The latest tokens.
    Latest,
    /// Nothing: no write got through.
    Nothing,
    /// Can't be read at all (storage blocked).
    Unreadable,
}

struct Failure {
    script: String,
    /// A script whose result shows the page sees the failure: it must give `expect`.
    probe: Option<(&'static str, Value)>,
    /// The app says the sign-in lasts only while the tab is open.
    blocked_notice: bool,
    stored: Stored,
}

/// Sign in, two refreshes (with the page coming back online between them: the app re-reads
/// storage then), sign out, with `failure` set up before the app starts.
async fn survives(failure: Failure) {
    let app = App::start_with(BackendOptions::short_access()).await;
    app.add_user(EMAIL).await;
    app.add_init_script(&failure.script).await;
    app.record_auth_calls().await;

    app.goto("/login").await;
    if let Some((probe, expect)) = &failure.probe {
        assert_eq!(
            &app.js(probe, vec![]).await,
            expect,
            "the page should see the failure ({probe})"
        );
    }
    app.wait_for(find::LOGIN_FORM).await;
    assert_notices(&app, &failure, "the sign-in page").await;

    app.sign_in(EMAIL, PASSWORD).await;
    assert_notices(&app, &failure, "the dashboard").await;
    let sign_in_refresh = app
        .auth_calls_to("/jwt/create/")
        .await
        .last()
        .and_then(|c| c["answer"]["refresh"].as_str().map(str::to_string))
        .expect("the sign-in's refresh token");

    // The first refresh, then the page comes back online (the app re-reads storage), then the
    // next refresh: both with the newest refresh token, neither signing the user out.
    refreshes(&app, 1).await;
    app.dispatch_window_event("online").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let calls = refreshes(&app, 2).await;
    let mut expected = sign_in_refresh.clone();
    for (i, call) in calls.iter().enumerate() {
        assert_eq!(
            call["sent"]["refresh"].as_str(),
            Some(expected.as_str()),
            "refresh {} sent another refresh token than the newest one (an older session came back)\ncalls: {calls:#?}",
            i + 1
        );
        assert_eq!(
            call["status"],
            json!(200),
            "refresh {} was refused: {call}",
            i + 1
        );
        expected = call["answer"]["refresh"]
            .as_str()
            .unwrap_or_else(|| panic!("refresh {} gave no refresh token: {call}", i + 1))
            .to_string();
    }
    assert_eq!(
        app.backend.refresh_calls().await,
        calls.len() as u64,
        "the backend saw other refresh calls than the page made"
    );
    app.wait_for_text("#user-email", EMAIL).await;
    assert_eq!(app.pathname().await, "/dashboard");
    assert_notices(&app, &failure, "the dashboard after two refreshes").await;
    let stored = match failure.stored {
        Stored::Unreadable => None,
        _ => app
            .session()
            .await
            .map(|s| s["refresh_token"].as_str().unwrap_or("").to_string()),
    };
    match failure.stored {
        Stored::Latest => assert_eq!(stored.as_deref(), Some(expected.as_str())),
        Stored::Nothing | Stored::Unreadable => assert_eq!(stored, None),
    }

    // The newest refresh token the page was given (a third refresh may have come meanwhile).
    let newest = app
        .refresh_tokens_seen()
        .await
        .pop()
        .expect("refresh tokens seen");
    app.click(find::SIGN_OUT).await;
    app.wait_for_pathname("/login").await;
    app.wait_for(find::LOGIN_FORM).await;
    assert_notices(&app, &failure, "the sign-in page after signing out").await;
    if failure.stored != Stored::Unreadable {
        assert_eq!(app.session().await, None, "the session is still stored");
    }
    app.assert_refresh_token_revoked(&newest).await;
    app.assert_no_crash().await;
}

/// Waits (≤ 20 s) until the page has had `n` refresh answers; fails at once if it leaves the
/// dashboard meanwhile. Gives the recorded refresh calls.
async fn refreshes(app: &App, n: usize) -> Vec<Value> {
    let outcome = wait::poll(Duration::from_secs(20), wait::EVERY, || async {
        let calls = app.auth_calls_to("/jwt/refresh/").await;
        if app.pathname().await != "/dashboard" {
            return Some(Err(calls));
        }
        let answered = calls.iter().filter(|c| !c["status"].is_null()).count();
        (answered >= n).then_some(Ok(calls))
    })
    .await;
    match outcome {
        Some(Ok(calls)) => calls,
        Some(Err(calls)) => panic!(
            "signed out while waiting for refresh {n}; refresh calls so far: {calls:#?}\n{}",
            app.describe().await
        ),
        None => panic!(
            "no refresh answer {n} within 20 s (the backend saw {} refresh calls); page calls: {:#?}\n{}",
            app.backend.refresh_calls().await,
            app.auth_calls().await,
            app.describe().await
        ),
    }
}

/// The storage notice shows exactly where storage is blocked, and no other notice shows.
async fn assert_notices(app: &App, failure: &Failure, place: &str) {
    if failure.blocked_notice {
        app.wait_for_text(
            &find::banner("storage-blocked"),
            "only while this tab is open",
        )
        .await;
    }
    let notices = app
        .js(
            "return [...document.querySelectorAll('[data-notice]')].map(n => n.dataset.notice);",
            vec![],
        )
        .await;
    let expected = if failure.blocked_notice {
        json!(["storage-blocked"])
    } else {
        json!([])
    };
    assert_eq!(notices, expected, "notices on {place}");
}

#[tokio::test(flavor = "multi_thread")]
async fn indexeddb_open_throwing_changes_nothing() {
    skip_unless_e2e!();
    survives(Failure {
        script: INDEXEDDB_OPEN_THROWS.into(),
        probe: Some((
            "try { indexedDB.open('probe'); return 'opened'; } catch (e) { return e.name; }",
            json!("UnknownError"),
        )),
        blocked_notice: false,
        stored: Stored::Latest,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn indexeddb_open_failing_changes_nothing() {
    skip_unless_e2e!();
    survives(Failure {
        script: INDEXEDDB_OPEN_FIRES_ERROR.into(),
        probe: Some((
            "return new Promise((resolve) => {
                const request = indexedDB.open('djoser-auth', 1);
                request.onsuccess = () => { request.result.close(); resolve('opened'); };
                request.onerror = () => resolve(request.error.name);
            });",
            json!("VersionError"),
        )),
        blocked_notice: false,
        stored: Stored::Latest,
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn indexeddb_requests_failing_change_nothing() {
    skip_unless_e2e!();
    survives(Failure {
        script: INDEXEDDB_REQUESTS_FIRE_ERROR.into(),
        probe: Some((WRITE_PROBE, json!("AbortError"))),
        blocked_notice: false,
        stored: Stored::Latest,
    })
    .await;
}

/// IndexedDB reads but won't store (a full quota): every change goes to the copy instead of
/// living in the tab alone (where the next refresh found nothing to store its answer onto).
#[tokio::test(flavor = "multi_thread")]
async fn indexeddb_refusing_every_write_changes_nothing() {
    skip_unless_e2e!();
    survives(Failure {
        script: INDEXEDDB_WRITES_REFUSED.into(),
        probe: Some((WRITE_PROBE, json!("AbortError"))),
        blocked_notice: false,
        stored: Stored::Latest,
    })
    .await;
}

/// IndexedDB starts refusing writes while signed in, then the user signs out: the sign-out
/// must not come undone at the next page load (the stores once kept the session, and the
/// dashboard came back), and nothing of the session is left stored.
#[tokio::test(flavor = "multi_thread")]
async fn a_sign_out_indexeddb_refuses_to_store_stays_done() {
    skip_unless_e2e!();
    let app = App::start_with_user(EMAIL).await;
    app.sign_in(EMAIL, PASSWORD).await;
    app.js(INDEXEDDB_WRITES_REFUSED, vec![]).await;
    assert_eq!(app.js(WRITE_PROBE, vec![]).await, json!("AbortError"));
    app.click(find::SIGN_OUT).await;
    app.wait_for_pathname("/login").await;

    app.goto("/dashboard").await;
    app.wait_for_pathname("/login").await;
    app.wait_for(find::LOGIN_FORM).await;
    assert_eq!(app.session().await, None, "the session is still stored");
    app.assert_no_crash().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn web_locks_refused_changes_nothing() {
    skip_unless_e2e!();
    survives(Failure {
        script: LOCKS_REJECT.into(),
        probe: Some((
            "return navigator.locks.request('probe', () => 'held').then(() => 'granted', (e) => e.name);",
            json!("SecurityError"),
        )),
        blocked_notice: false,
        stored: Stored::Latest,
    })
    .await;
}

/// localStorage takes the sign-in, then is full: the refreshed tokens live in the tab and in
/// IndexedDB, and the older copy is dropped from localStorage rather than left stale (it could
/// only ever mislead).
#[tokio::test(flavor = "multi_thread")]
async fn full_quota_after_the_first_write_keeps_the_newest_tokens() {
    skip_unless_e2e!();
    survives(Failure {
        script: full_quota(1),
        probe: None,
        blocked_notice: false,
        stored: Stored::Nothing,
    })
    .await;
}

/// localStorage is full from the start: the session can't even be written at sign-in.
#[tokio::test(flavor = "multi_thread")]
async fn full_quota_from_the_start_keeps_the_session_in_the_tab() {
    skip_unless_e2e!();
    survives(Failure {
        script: full_quota(0),
        probe: Some((
            "try { localStorage.setItem('probe', 'x'); return 'written'; } catch (e) { return e.name; }",
            json!("QuotaExceededError"),
        )),
        blocked_notice: false,
        stored: Stored::Nothing,
    })
    .await;
}

/// Storage blocked (storage_blocked.rs signs in and out): the in-memory session must also
/// survive its refreshes and the page coming back online.
#[tokio::test(flavor = "multi_thread")]
async fn blocked_storage_keeps_the_session_through_refreshes() {
    skip_unless_e2e!();
    survives(Failure {
        script: STORAGE_BLOCKED.into(),
        probe: Some((
            "try { window.localStorage; return 'readable'; } catch (e) { return e.name; }",
            json!("SecurityError"),
        )),
        blocked_notice: true,
        stored: Stored::Unreadable,
    })
    .await;
}
