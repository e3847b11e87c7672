//! The browser effects, in headless Chromium (wasm-bindgen-test): storage, fetch failures,
//! the cross-tab lock, and start-up from bad stored data.
#![cfg(target_arch = "wasm32")]

use std::cell::RefCell;
use std::rc::Rc;

use djoser_auth_spa::api::{self, ApiError};
use djoser_auth_spa::config::{self, Config};
use djoser_auth_spa::session::latest;
use djoser_auth_spa::session::lock::with_lock;
use djoser_auth_spa::session::store::{self, Loaded, STORAGE_KEY};
use djoser_auth_spa::session::{SessionManager, SessionState, SignedOutReason};
use gloo_storage::{LocalStorage, Storage};
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn put_raw(text: &str) {
    LocalStorage::raw().set_item(STORAGE_KEY, text).unwrap();
}

fn raw() -> Option<String> {
    LocalStorage::raw().get_item(STORAGE_KEY).unwrap()
}

#[wasm_bindgen_test]
fn garbage_in_storage_starts_signed_out_and_is_cleared() {
    for garbage in [
        "garbage",
        "{\"format\":1,\"user\":",
        "{\"format\":1,\"user\":{\"id\":1,\"email\":\"a@b.c\"},\"access_token\":\"x.y.z\"}",
        "{\"accessToken\":\"from-an-older-version\"}",
        "null",
    ] {
        put_raw(garbage);
        let manager = SessionManager::new();
        assert_eq!(
            manager.state(),
            SessionState::SignedOut(SignedOutReason::NeverSignedIn),
            "{garbage}"
        );
        assert_eq!(raw(), None, "the bad entry is removed: {garbage}");
    }
}

#[wasm_bindgen_test]
fn empty_storage_loads_nothing() {
    store::clear();
    assert!(matches!(store::load(0.0), Loaded::Nothing));
}

#[wasm_bindgen_test]
async fn unreachable_server_is_a_network_error() {
    // Port 9 (discard) has nothing listening: the fetch fails without a response.
    config::init(Config::resolve(Some("http://127.0.0.1:9"), None, None));
    assert_eq!(
        api::reset_password("a@example.com").await,
        Err(ApiError::Network)
    );
    assert_eq!(
        api::me("token").await.unwrap_err().summary(),
        ApiError::Network.summary()
    );
}

#[wasm_bindgen_test]
async fn the_lock_runs_one_holder_at_a_time() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let worker = |name: &'static str, log: Rc<RefCell<Vec<String>>>| async move {
        with_lock("djoser-auth.test", async {
            log.borrow_mut().push(format!("{name} in"));
            TimeoutFuture::new(50).await;
            log.borrow_mut().push(format!("{name} out"));
        })
        .await
    };
    futures::join!(worker("a", log.clone()), worker("b", log.clone()));
    assert_eq!(*log.borrow(), ["a in", "a out", "b in", "b out"]);
}

#[wasm_bindgen_test]
async fn latest_session_round_trips_through_indexeddb() {
    // What the refreshing tab leaves for the next lock holder: the last write wins, and a
    // sign-out removes it.
    latest::write(Some("first")).await;
    latest::write(Some("second")).await;
    assert_eq!(latest::read().await.as_deref(), Some("second"));
    latest::write(None).await;
    assert_eq!(latest::read().await, None);
}
