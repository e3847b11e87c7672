//! A stored entry of a newer format (issue #18: "an old tab deletes every stored entry of a
//! newer format"): written by a newer build of the app, it must be left alone by this one, so
//! that the first format bump doesn't sign everyone out. And a tab of this build, signed in
//! when a newer build takes the session over, lets go of its own: it could not see that
//! build's sign-outs.

use std::time::Duration;

use serde_json::{json, Value};

use super::{alice_in_two_tabs, control_tab, ALICE, PASSWORD};
use crate::support::{find, App};

/// The app's stored records, as text: `{ copy, database }` (localStorage, IndexedDB). With
/// `bump`, first rewrites each as a newer build would (format 99, a field of its own), the
/// database first, so that the copy's storage event finds both written.
async fn records(app: &App, bump: bool) -> Value {
    app.js(
        r#"const bump = arguments[0];
        const newer = (text) => {
          const record = JSON.parse(text);
          record.format = 99;
          record.written_by = 'a newer build';
          return JSON.stringify(record);
        };
        return (async () => {
          const found = { copy: null, database: null };
          const name = (await indexedDB.databases()).map((d) => d.name)
            .find((n) => n.startsWith('djoser-auth ') && n.endsWith(' database'));
          if (name) {
            const db = await new Promise((resolve) => {
              const request = indexedDB.open(name);
              request.onsuccess = () => resolve(request.result);
              request.onerror = () => resolve(null);
            });
            if (db) {
              found.database = await new Promise((resolve) => {
                const store = db.transaction('session', 'readwrite').objectStore('session');
                const get = store.get('record');
                get.onsuccess = () => {
                  if (bump && typeof get.result === 'string') store.put(newer(get.result), 'record');
                  const text = typeof get.result === 'string' ? get.result : null;
                  store.transaction.oncomplete = () => resolve(bump && text ? newer(text) : text);
                };
                get.onerror = () => resolve(null);
              });
              db.close();
            }
          }
          for (let i = 0; i < localStorage.length; i++) {
            const key = localStorage.key(i);
            const text = localStorage.getItem(key);
            let record = null;
            try { record = JSON.parse(text); } catch (e) {}
            const isRecord = record && typeof record === 'object'
              && 'format' in record && 'generation' in record && 'api' in record;
            if (!isRecord) continue;
            if (bump) localStorage.setItem(key, newer(text));
            found.copy = localStorage.getItem(key);
          }
          return found;
        })();"#,
        vec![json!(bump)],
    )
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn an_entry_of_a_newer_format_is_left_alone() {
    skip_unless_e2e!();
    let app = App::start_with_user(ALICE).await;
    control_tab(&app).await;
    app.sign_in(ALICE, PASSWORD).await;
    let newer = records(&app, true).await;
    assert!(
        newer["copy"].is_string() && newer["database"].is_string(),
        "both stores should hold the record: {newer}"
    );

    app.reload().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        records(&app, false).await,
        newer,
        "the entries of format 99 were not left alone"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_newer_build_taking_the_session_over_signs_this_one_out_and_leaves_it_alone() {
    skip_unless_e2e!();
    let app = App::start().await;
    let [first, second] = alice_in_two_tabs(&app, "/dashboard").await;
    let refresh_token = app
        .stored_session()
        .await
        .expect("a stored session")
        .refresh_token()
        .to_string();
    // A newer build in the second tab stores the session in its own shape.
    let newer = records(&app, true).await;
    assert!(
        newer["copy"].is_string() && newer["database"].is_string(),
        "both stores should hold the record: {newer}"
    );

    // The first tab hears of it (the copy's storage event) and lets go of its session:
    // signed in on, it would never see that build's sign-outs.
    app.switch_to(&first).await;
    app.wait_for(&find::notice("app-updated")).await;
    // The second tab, which wrote it (no storage event there), when it next wakes.
    app.switch_to(&second).await;
    app.dispatch_window_event("online").await;
    app.wait_for(&find::notice("app-updated")).await;

    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        records(&app, false).await,
        newer,
        "the newer build's entries were not left alone"
    );
    let still_alive = app.api().jwt_refresh(&refresh_token).await;
    assert_eq!(
        still_alive.status,
        200,
        "letting go here must not revoke what the newer build holds: {}",
        String::from_utf8_lossy(&still_alive.body)
    );
}
