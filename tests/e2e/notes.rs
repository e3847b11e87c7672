//! /notes, the worked example of a page of your own (`make build-example`'s dist-example/): it
//! calls the reference backend's /api/notes/ through `SessionManager::send`, which shares the
//! session's refresh.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::support::http::request;
use crate::support::{example_dist_dir, find, App, AppOptions, BackendOptions, PASSWORD};

const ALICE: &str = "alice@example.com";
const BOB: &str = "bob@example.com";

/// The notes' texts as the API lists them for `email` (newest first).
async fn notes_of(app: &App, email: &str) -> Vec<String> {
    let access = app.access_token_for(email, PASSWORD).await;
    let r = app.api().get("/api/notes/", Some(&access)).await;
    assert_eq!(r.status, 200, "GET /api/notes/ as {email}: {}", r.text());
    r.json()
        .as_array()
        .expect("a list of notes")
        .iter()
        .map(|note| note["text"].as_str().expect("a text").to_string())
        .collect()
}

/// The texts the page lists, in its order.
async fn shown_notes(app: &App) -> Vec<String> {
    let texts = app
        .js(
            "return [...document.querySelectorAll('#notes .note-text')].map(p => p.textContent)",
            vec![],
        )
        .await;
    serde_json::from_value(texts).expect("a list of texts")
}

async fn add_note(app: &App, text: &str) {
    app.fill("text", text).await;
    app.submit().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn notes_are_private_and_share_the_sessions_refresh() {
    skip_unless_e2e!();
    // Access tokens of 10 s: the app refreshes 5 s after each arrives, when the token is no
    // longer one it sends (5 s safety margin), and the first refresh answers 3 s late, so a note
    // call made meanwhile needs a new token and must wait for that refresh.
    let app = App::start_opts_with_user(
        AppOptions {
            backend: BackendOptions {
                access_seconds: 10,
                ..Default::default()
            }
            .with_faults("POST /auth/jwt/refresh/=delay-3000"),
            dist: Some(example_dist_dir()),
            ..Default::default()
        },
        ALICE,
    )
    .await;
    app.add_user(BOB).await;
    let bobs = app.access_token_for(BOB, PASSWORD).await;
    let body = json!({ "text": "Bob's secret" }).to_string();
    let auth = format!("JWT {bobs}");
    let url = format!("{}/api/notes/", app.api_base());
    let headers = [
        ("Content-Type", "application/json"),
        ("Authorization", auth.as_str()),
    ];
    let created = request("POST", &url, &headers, Some(body.as_bytes()))
        .await
        .unwrap();
    assert_eq!(created.status, 201, "{}", created.text());
    // Without a token: 401, not the notes.
    let anonymous = app.api().get("/api/notes/", None).await;
    assert_eq!(anonymous.status, 401, "{}", anonymous.text());

    app.sign_in(ALICE, PASSWORD).await;
    app.click("main a[href=\"/notes\"]").await;
    app.wait_for_path("/notes").await;
    // Bob's note is his alone.
    app.wait_for("#notes-empty").await;

    add_note(&app, "Buy milk").await;
    app.wait_for_text("#notes .note-text", "Buy milk").await;

    // The refresh has reached the server; its answer comes 3 s later. A note added now finds
    // the access token due, and joins that refresh instead of starting another.
    app.poll(
        "the first refresh to reach the server",
        Duration::from_secs(15),
        || async { (app.backend.refresh_calls().await >= 1).then_some(()) },
    )
    .await;
    let submitted = Instant::now();
    add_note(&app, "Call mom").await;
    app.poll("the second note", Duration::from_secs(10), || async {
        (shown_notes(&app).await == ["Call mom", "Buy milk"]).then_some(())
    })
    .await;
    let waited = submitted.elapsed();
    assert_eq!(
        app.backend.refresh_calls().await,
        1,
        "the note call started a refresh of its own"
    );
    assert!(
        waited >= Duration::from_millis(1_000),
        "the note was added {waited:?} after the submit: it didn't wait for the refresh in flight"
    );

    // Delete the older one.
    let delete = "[...document.querySelectorAll('#notes .note')].find(li => li.textContent.includes('Buy milk')).querySelector('button').click()";
    app.js(delete, vec![]).await;
    app.poll("the note to go", Duration::from_secs(10), || async {
        (shown_notes(&app).await == ["Call mom"]).then_some(())
    })
    .await;
    assert!(!app.exists(&find::banner("notes-problem")).await);
    assert_eq!(notes_of(&app, ALICE).await, ["Call mom"]);
    assert_eq!(notes_of(&app, BOB).await, ["Bob's secret"]);

    // The list again from the server, after a reload: still only hers.
    app.reload().await;
    app.wait_for_text("#notes .note-text", "Call mom").await;
    assert_eq!(shown_notes(&app).await, ["Call mom"]);
    app.assert_no_crash().await;
}
