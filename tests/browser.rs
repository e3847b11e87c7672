//! The browser effects, in headless Chromium (wasm-bindgen-test): storage, fetch failures,
//! start-up from bad stored data; the cross-tab lock in browser/locks.rs.
#![cfg(target_arch = "wasm32")]

use djoser_auth_spa::api::{self, ApiError};
use djoser_auth_spa::config::{self, Config};
use djoser_auth_spa::session::record::{self, Record};
use djoser_auth_spa::session::shared::{self, Updated};
use djoser_auth_spa::session::{SessionManager, SessionState, SignedOutReason};
use gloo_storage::{LocalStorage, Storage};
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[path = "browser/locks.rs"]
mod locks;

fn put_raw(text: &str) {
    LocalStorage::raw()
        .set_item(&shared::name("session"), text)
        .unwrap();
}

fn raw() -> Option<String> {
    LocalStorage::raw()
        .get_item(&shared::name("session"))
        .unwrap()
}

#[wasm_bindgen_test]
fn garbage_in_storage_starts_signed_out_and_a_newer_format_is_left_alone() {
    for garbage in [
        "garbage",
        "{\"format\":2,\"user\":",
        "{\"format\":2,\"generation\":1,\"api\":\"x\",\"session\":{\"access_token\":\"x.y.z\"}}",
        "{\"accessToken\":\"from-an-older-version\"}",
        "{\"format\":99,\"from\":\"a newer deployment\"}",
        "null",
    ] {
        put_raw(garbage);
        let manager = SessionManager::new();
        assert_eq!(
            manager.state(),
            SessionState::SignedOut(SignedOutReason::NeverSignedIn),
            "{garbage}"
        );
        // Nothing is deleted on reading: a newer tab's entry stays for it, and the next write
        // here replaces the rest.
        assert_eq!(raw().as_deref(), Some(garbage));
    }
    LocalStorage::raw()
        .remove_item(&shared::name("session"))
        .unwrap();
}

/// A newer build of the app stored the record in IndexedDB alone (its copy not written: a full
/// quota): reading it says so, so that a tab of this build lets go rather than refresh over it.
#[wasm_bindgen_test]
async fn a_newer_builds_record_in_indexeddb_alone_is_seen() {
    let put = js_sys::Function::new_with_args(
        "name, text",
        "return new Promise((resolve, reject) => {
           const open = indexedDB.open(name, 1);
           open.onupgradeneeded = () => open.result.createObjectStore('session');
           open.onerror = () => reject(open.error);
           open.onsuccess = () => {
             const db = open.result;
             const t = db.transaction('session', 'readwrite');
             t.objectStore('session').put(text, 'record');
             t.oncomplete = () => { db.close(); resolve(true); };
             t.onabort = () => { db.close(); reject(t.error); };
           };
         });",
    );
    let newer = "{\"format\":99,\"from\":\"a newer deployment\"}";
    let written = put
        .call2(
            &JsValue::NULL,
            &shared::name("database").into(),
            &newer.into(),
        )
        .unwrap();
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(written))
        .await
        .expect("the newer record written");
    LocalStorage::raw()
        .remove_item(&shared::name("session"))
        .unwrap();
    let now = js_sys::Date::now() / 1000.0;
    assert!(
        shared::read(now).await.is_err(),
        "a record of a newer format in IndexedDB should read as a newer version's"
    );
    // Nothing usable there for the tests after this one.
    let emptied = put
        .call2(&JsValue::NULL, &shared::name("database").into(), &"".into())
        .unwrap();
    wasm_bindgen_futures::JsFuture::from(js_sys::Promise::from(emptied))
        .await
        .expect("the record emptied");
}

#[wasm_bindgen_test]
fn names_are_this_apps_own() {
    let name = shared::name("session");
    assert!(name.contains(&shared::api()), "{name}");
    assert!(name.ends_with(" / session"), "{name}");
}

#[wasm_bindgen_test]
async fn unreachable_server_is_a_network_error() {
    // Port 9 (discard) has nothing listening: the fetch fails without a response.
    let meta = |name: &str| (name == "djoser-api-base").then(|| "http://127.0.0.1:9".to_string());
    config::init(Config::resolve(&meta, None, None));
    assert_eq!(
        api::reset_password("a@example.com").await,
        Err(ApiError::Network)
    );
    assert_eq!(
        api::jwt_create("a@example.com", "password")
            .await
            .unwrap_err()
            .summary(),
        ApiError::Network.summary()
    );
}

#[wasm_bindgen_test]
async fn the_record_changes_atomically_through_indexeddb() {
    // Two steps started together: each decides on what the other wrote, none is lost.
    let bump = |current: &Record| {
        let mut next = current.clone();
        next.generation += 1;
        Some(next)
    };
    let now = js_sys::Date::now() / 1000.0;
    let start = shared::read(now)
        .await
        .ok()
        .flatten()
        .map_or(0, |read| read.record.generation);
    let (a, b) = futures::join!(shared::update(bump, now), shared::update(bump, now));
    for updated in [a, b] {
        assert!(
            matches!(updated, Updated::Written(_)),
            "both steps are stored"
        );
    }
    let read = shared::read(now).await.ok().flatten().expect("the record");
    assert_eq!(read.record.generation, start + 2);
    // The localStorage copy follows, never behind.
    assert_eq!(
        shared::read_copy(now).map(|read| read.record.generation),
        Ok(start + 2)
    );
    // A step that changes nothing writes nothing.
    let unchanged = shared::update(|_| None, now).await;
    assert!(
        matches!(unchanged, Updated::Unchanged(Some(read)) if read.record.generation == start + 2)
    );
}

// JSON goes through the browser's JSON.parse/stringify here (src/json.rs), through serde_json
// in the native unit tests: the same bodies must read the same way on both.

#[wasm_bindgen_test]
fn djoser_error_bodies_read_as_in_the_native_tests() {
    let rejected = |status, body| match ApiError::from_response(status, None, body) {
        ApiError::Rejected(rejection) => *rejection,
        other => panic!("{body}: {other:?}"),
    };
    let token = rejected(
        401,
        r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is expired"}]}"#,
    );
    assert_eq!(
        token.detail.as_deref(),
        Some("Given token not valid for any token type")
    );
    assert_eq!(token.code.as_deref(), Some("token_not_valid"));
    assert_eq!(token.general, ["Token is expired"]);

    let fields = rejected(
        400,
        r#"{"password":["This password is too short.","This password is too common."],"non_field_errors":["The two password fields didn't match."],"age":[3, true, 1.5, 1e21, -2e-7]}"#,
    );
    let names: Vec<&str> = fields.fields.keys().map(String::as_str).collect();
    assert_eq!(names, ["password", "age"], "the server's order");
    assert_eq!(fields.fields["password"].len(), 2);
    // Floats as Rust writes them, though the engine finds their digits (json::float_text).
    assert_eq!(
        fields.fields["age"],
        ["3", "true", "1.5", "1000000000000000000000", "-0.0000002"]
    );
    assert_eq!(fields.general, ["The two password fields didn't match."]);

    assert_eq!(
        rejected(400, r#"["User with given email does not exist."]"#).general,
        ["User with given email does not exist."]
    );
    for odd in ["<html>Bad Request</html>", "", "null", "42", "{}", "[1"] {
        assert_eq!(
            ApiError::from_response(400, None, odd),
            ApiError::Unexpected { status: 400 },
            "{odd}"
        );
    }
    assert_eq!(
        ApiError::from_response(
            429,
            None,
            r#"{"detail":"Request was throttled. Expected available in 59 seconds."}"#
        ),
        ApiError::Throttled {
            retry_after: Some(59)
        }
    );
}

/// A JWT whose payload is `{"iat":…,"exp":…}` (the signature is never checked here).
fn jwt(iat: i64, exp: i64) -> String {
    let window = web_sys::window().unwrap();
    let part = |json: &str| {
        window
            .btoa(json)
            .unwrap()
            .trim_end_matches('=')
            .replace('+', "-")
            .replace('/', "_")
    };
    format!(
        "{}.{}.signature",
        part(r#"{"alg":"HS256","typ":"JWT"}"#),
        part(&format!(
            r#"{{"token_type":"access","iat":{iat},"exp":{exp}}}"#
        ))
    )
}

/// Stores the sign-in `sign_in` of `user`, with tokens issued at `iat` (a 5-minute access token
/// and a 1-day refresh token), received at `now`.
async fn store_a_sign_in(user: api::User, iat: i64, now: f64, sign_in: &str) -> Updated {
    let tokens = api::TokenPair {
        access: jwt(iat, iat + 300),
        refresh: jwt(iat, iat + 86_400),
    };
    let session =
        djoser_auth_spa::session::Session::new(user, tokens, now, sign_in.into()).unwrap();
    shared::update(
        move |current| record::signed_in(current, session.clone()),
        now,
    )
    .await
}

#[wasm_bindgen_test]
async fn a_session_survives_storage_exactly() {
    let user: api::User = djoser_auth_spa::json::parse(
        r#"{"id":42,"email":"ada@example.com","name":"Ada","username":null,"image":"https://x.example/a.png","has_active_subscription":true,"unknown":{"x":[1]}}"#,
    )
    .unwrap();
    assert_eq!(user.id, "42");
    assert_eq!(user.has_active_subscription, Some(true));
    let uuid_user: api::User = djoser_auth_spa::json::parse(
        r#"{"id":"9b2c0f5e-1d2a-4c6e-9a51-3f1f0a6b7c8d","email":"b@example.com"}"#,
    )
    .unwrap();
    assert_eq!(uuid_user.id, "9b2c0f5e-1d2a-4c6e-9a51-3f1f0a6b7c8d");
    assert!(djoser_auth_spa::json::parse::<api::User>(r#"{"id":1.5,"email":"a@b.c"}"#).is_none());

    let now = js_sys::Date::now() / 1000.0;
    let updated = store_a_sign_in(user, 1_700_000_000, now, "sign-in").await;
    let Updated::Written(written) = updated else {
        panic!("the session wasn't stored");
    };
    let text = written.stored().expect("the record as text");
    assert_eq!(raw().as_deref(), Some(text.as_str()));
    let loaded = shared::read_copy(now + 1.0).expect("the stored record reads back");
    assert_eq!(loaded.record, written);
    let read = shared::read(now + 1.0)
        .await
        .ok()
        .flatten()
        .expect("IndexedDB holds it too");
    assert_eq!(read.record, written);
}

#[wasm_bindgen_test]
async fn a_sign_out_written_to_the_copy_alone_is_never_undone_by_indexeddb() {
    let now = js_sys::Date::now() / 1000.0;
    let user: api::User =
        djoser_auth_spa::json::parse(r#"{"id":7,"email":"eve@example.com"}"#).expect("a user");
    let signed_in = store_a_sign_in(user, now as i64, now, "split").await;
    assert!(
        matches!(signed_in, Updated::Written(_)),
        "the sign-in is stored"
    );
    // Another tab's step lands on top of this one before it reads the copy back (a profile
    // saved onto the same sign-in, one generation further): this change is still stored.
    let renamed: api::User =
        djoser_auth_spa::json::parse(r#"{"id":7,"email":"eve@example.com","name":"Eve B"}"#)
            .expect("a user");
    let ahead = shared::update(
        move |current| {
            let next = Record {
                generation: current.generation + 1,
                ..current.clone()
            };
            let further = record::profile_saved(&next, "split", renamed.clone()).unwrap();
            put_raw(&further.stored().unwrap());
            Some(next)
        },
        now,
    )
    .await;
    assert!(
        matches!(ahead, Updated::Written(_)),
        "a change the copy is already past is still stored"
    );
    let stored = shared::read(now)
        .await
        .ok()
        .flatten()
        .expect("a record")
        .record;
    let mine = stored.session.clone().expect("a session");
    // Another tab, IndexedDB too slow for it, writes its sign-out to the copy alone while this
    // tab's refresh answer is being stored: both are one generation on.
    let out = record::signed_out(&stored, "split").unwrap();
    let answer = djoser_auth_spa::session::Session {
        refresh_token: jwt(now as i64 + 1, now as i64 + 86_401),
        ..mine.clone()
    };
    let updated = shared::update(
        move |current| {
            put_raw(&out.stored().unwrap());
            record::refreshed(current, &mine, answer.clone())
        },
        now,
    )
    .await;
    assert!(
        matches!(&updated, Updated::Unchanged(Some(read)) if read.record.session.is_none()),
        "the refresh is overtaken by the sign-out"
    );
    // IndexedDB holds the refresh, the copy the sign-out: they read as signed out, and the
    // next step stores that in IndexedDB too.
    let read = shared::read(now).await.ok().flatten().expect("a record");
    assert!(read.record.session.is_none() && read.record.has_ended("split"));
    shared::update(|_| None, now).await;
    LocalStorage::raw()
        .remove_item(&shared::name("session"))
        .unwrap();
    let read = shared::read(now)
        .await
        .ok()
        .flatten()
        .expect("IndexedDB's record");
    assert!(read.record.session.is_none() && read.record.has_ended("split"));
}
