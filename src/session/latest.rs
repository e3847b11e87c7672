//! The latest refreshed session, kept in IndexedDB for the tab that takes the refresh lock next
//! (and removed on sign-out).
//!
//! localStorage can't be trusted for that: each renderer process reads its own cached copy,
//! which the browser updates asynchronously, so a tab granted the lock just after another
//! tab's refresh may still read the old refresh token — now blacklisted — and be refused
//! (signing every tab out). IndexedDB is one store shared by every tab: a write completed
//! before the lock is released is seen by the next holder's read.
//!
//! Through `Reflect` (IndexedDB's event-style API, wrapped in promises) so as to need no more
//! web-sys features. Best effort: where IndexedDB is missing or fails, reads say so
//! ([`Unavailable`]) and the session manager goes by localStorage alone.

use std::future::Future;

use futures::future::{select, Either};
use gloo_timers::future::TimeoutFuture;
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

const DATABASE: &str = "djoser-auth";
const STORE: &str = "session";
const KEY: &str = "latest";
/// These run while the refresh lock is held: a stalled IndexedDB must not hold it for long.
const TIMEOUT_MS: u32 = 2_000;

/// IndexedDB is missing here (Firefox's private windows, old Safari), blocked, or failing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unavailable;

/// The stored text, if any.
pub async fn read() -> Result<Option<String>, Unavailable> {
    bounded(read_unbounded()).await.ok_or(Unavailable)
}

/// Stores `text` (or removes the entry for `None`) and waits until the write is committed.
pub async fn write(text: Option<&str>) {
    bounded(async {
        write_unbounded(text).await;
        Some(())
    })
    .await;
}

async fn bounded<T>(work: impl Future<Output = Option<T>>) -> Option<T> {
    match select(std::pin::pin!(work), TimeoutFuture::new(TIMEOUT_MS)).await {
        Either::Left((result, _)) => result,
        Either::Right(_) => None,
    }
}

/// `Some(None)`: IndexedDB works and holds no session.
async fn read_unbounded() -> Option<Option<String>> {
    let db = open().await?;
    let result = async {
        let store = object_store(&db, "readonly")?;
        let request = call(&store, "get", &[KEY.into()])?;
        settle(&request, "success", "error").await?;
        Some(Reflect::get(&request, &"result".into()).ok()?.as_string())
    }
    .await;
    close(&db);
    result
}

async fn write_unbounded(text: Option<&str>) {
    let Some(db) = open().await else {
        return;
    };
    // Committed or not, there is nothing to do about it: the next reader falls back on
    // localStorage.
    let _committed = async {
        let store = object_store(&db, "readwrite")?;
        let transaction = Reflect::get(&store, &"transaction".into()).ok()?;
        let done = settle(&transaction, "complete", "abort");
        match text {
            Some(text) => call(&store, "put", &[text.into(), KEY.into()])?,
            None => call(&store, "delete", &[KEY.into()])?,
        };
        done.await
    }
    .await;
    close(&db);
}

async fn open() -> Option<JsValue> {
    let window = web_sys::window()?;
    let factory = Reflect::get(&window, &"indexedDB".into())
        .ok()
        .filter(|f| !f.is_undefined() && !f.is_null())?;
    let request = call(&factory, "open", &[DATABASE.into(), 1.into()])?;
    // First use: create the object store.
    let upgrade = Closure::<dyn FnMut(JsValue)>::new({
        let request = request.clone();
        move |_event: JsValue| {
            if let Ok(db) = Reflect::get(&request, &"result".into()) {
                let _ = call(&db, "createObjectStore", &[STORE.into()]);
            }
        }
    });
    Reflect::set(
        &request,
        &"onupgradeneeded".into(),
        upgrade.as_ref().unchecked_ref(),
    )
    .ok()?;
    let opened = settle(&request, "success", "error").await;
    // Settled: the upgrade callback has run, if it had to.
    drop(upgrade);
    opened?;
    Reflect::get(&request, &"result".into()).ok()
}

fn object_store(db: &JsValue, mode: &str) -> Option<JsValue> {
    let transaction = call(db, "transaction", &[STORE.into(), mode.into()])?;
    call(&transaction, "objectStore", &[STORE.into()])
}

fn close(db: &JsValue) {
    let _ = call(db, "close", &[]);
}

/// Waits for the event `ok` on a request or transaction: `Some(())`, or `None` after `failed`.
async fn settle(target: &JsValue, ok: &str, failed: &str) -> Option<()> {
    let mut installed = true;
    let promise = Promise::new(&mut |resolve, reject| {
        installed = Reflect::set(target, &format!("on{ok}").into(), &resolve).is_ok()
            && Reflect::set(target, &format!("on{failed}").into(), &reject).is_ok();
    });
    if !installed {
        return None;
    }
    JsFuture::from(promise).await.ok().map(|_| ())
}

/// `target.name(...args)`, `None` if it isn't a function or throws.
fn call(target: &JsValue, name: &str, args: &[JsValue]) -> Option<JsValue> {
    let function: Function = Reflect::get(target, &name.into()).ok()?.dyn_into().ok()?;
    let args: js_sys::Array = args.iter().collect();
    function.apply(target, &args).ok()
}
