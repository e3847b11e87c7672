//! Where the tabs of this app agree on the session: the one [`Record`], changed only by atomic
//! read-decide-write steps ([`update`]) whose decisions are the pure functions of `record`.
//!
//! - IndexedDB, where it works: each change is one `readwrite` transaction (get, decide, put),
//!   and the browser runs those one at a time across every tab and process.
//! - localStorage keeps a copy: read synchronously when a page loads (the first paint doesn't
//!   wait), and its `storage` event tells the other tabs that something changed. A copy is
//!   never overwritten by an older generation, and a decision goes by both
//!   (`Read::joined`: the later generation, with every sign-in either ended).
//! - Without IndexedDB, the same steps run on localStorage under a Web Lock (or plainly,
//!   where there are none); with site storage blocked, in this tab's memory only.
//!
//! Every name is this app's own (its API and base path): another app on the same origin, or
//! another build of this one for another API, never reads or writes this session.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::Rc;

use futures::channel::oneshot;
use futures::future::{select, Either};
use gloo_events::EventListener;
use gloo_timers::future::TimeoutFuture;
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{spawn_local, JsFuture};

use super::lock::with_lock;
use super::record::{Change, Read, Record};
use super::revocations;
use super::state::StoredSessionError;
use super::timing::STORE_TIMEOUT_MS;

const OBJECT_STORE: &str = "session";
const RECORD_KEY: &str = "record";

thread_local! {
    /// The record where site storage is blocked: this tab's only.
    static MEMORY: RefCell<Option<Record>> = const { RefCell::new(None) };
}

/// The API this build's tokens are for: `{api_base}{api_prefix}`.
pub fn api() -> String {
    let config = crate::config::get();
    format!("{}{}", config.api_base, config.api_prefix)
}

/// The prefix of every name this app stores under (localStorage keys, the database, the locks).
pub fn name(what: &str) -> String {
    format!(
        "djoser-auth {} {} {what}",
        api(),
        crate::config::get().base_path
    )
}

/// The origin's localStorage; `None` where the browser blocks site storage (reading
/// `window.localStorage` throws). The session then lives in this tab's memory only.
pub fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Whether a session can outlive this tab here.
pub fn available() -> bool {
    local_storage().is_some()
}

/// A stored record for this app's API, its session dated by this tab's clock.
fn parse(text: &str, now: f64) -> Result<Read, StoredSessionError> {
    Read::parse(text, &api(), now, crate::clock::server_offset())
}

/// The localStorage copy, read at once (a page's first paint): no waiting for IndexedDB.
pub fn read_copy(now: f64) -> Result<Read, StoredSessionError> {
    match local_storage() {
        Some(storage) => {
            let text = storage.get_item(&name("session")).ok().flatten();
            parse(text.as_deref().unwrap_or(""), now)
        }
        None => MEMORY.with_borrow(|memory| match memory {
            Some(record) => Ok(Read {
                record: record.clone(),
                dropped: None,
            }),
            None => Err(StoredSessionError::Unreadable),
        }),
    }
}

/// A newer version of the app (another tab on a newer deployment) stored the record, in a shape
/// this one can't read.
pub struct NewerVersion;

/// Writes the localStorage copy unless it already holds this generation or a later one.
fn write_copy(record: &Record, now: f64) -> bool {
    let Some(storage) = local_storage() else {
        MEMORY.with_borrow_mut(|memory| *memory = Some(record.clone()));
        return true;
    };
    // The same generation with other content: a copy written alone (IndexedDB too slow), which
    // `record` has been joined with.
    if read_copy(now)
        .is_ok_and(|copy| copy.record.generation > record.generation || copy.record == *record)
    {
        return true;
    }
    let written = record
        .stored()
        .is_some_and(|text| storage.set_item(&name("session"), &text).is_ok());
    if !written {
        // A full quota: no copy rather than a stale one (removing always works). Pages load
        // from the agreed record then, a moment later.
        let _ = storage.remove_item(&name("session"));
    }
    written
}

/// What the tabs agree on now, unless a newer version of the app stored it (in either store:
/// its copy may be missing, a full quota).
pub async fn read(now: f64) -> Result<Option<Read>, NewerVersion> {
    let stored = if available() {
        bounded(read_database(now)).await.flatten()
    } else {
        None
    };
    let copy = read_copy(now);
    let newer = |read: &Result<Read, StoredSessionError>| {
        matches!(read, Err(StoredSessionError::NewerFormat))
    };
    if stored.as_ref().is_some_and(newer) || newer(&copy) {
        return Err(NewerVersion);
    }
    Ok(Read::joined(stored.and_then(Result::ok), copy.ok()))
}

/// What became of an [`update`].
pub enum Updated {
    /// The change was stored for every tab.
    Written(Record),
    /// Nothing to change: what is stored, if anything.
    Unchanged(Option<Read>),
    /// The browser refused to store the change (a full quota): it holds in this tab only.
    Refused(Record),
}

/// One atomic step: reads the record, lets `decide` choose the change, and writes it, with no
/// other tab's step in between.
pub async fn update(decide: impl Fn(&Record) -> Change + 'static, now: f64) -> Updated {
    // Compiled once, not once per caller's closure.
    update_with(Rc::new(decide), now).await
}

async fn update_with(decide: Rc<dyn Fn(&Record) -> Change>, now: f64) -> Updated {
    if available() {
        // Run on its own, so that a transaction too slow to wait for still ends: given up on,
        // it changes nothing but brings IndexedDB up to the copy written meanwhile, so that it
        // doesn't keep what this change replaced (a signed-out user's tokens and profile).
        let given_up = Rc::new(Cell::new(false));
        let (done, outcome) = oneshot::channel();
        let step = {
            let (decide, given_up) = (decide.clone(), given_up.clone());
            move |current: &Record| {
                if given_up.get() {
                    None
                } else {
                    decide(current)
                }
            }
        };
        spawn_local(async move {
            let _ = done.send(update_database(Rc::new(step), now).await);
        });
        match bounded(outcome).await {
            Some(Ok(Some(Updated::Written(record)))) => {
                // A tab that gave up on IndexedDB may have written the copy alone meanwhile, at
                // the same generation: the copy gets what the two agree on.
                let copy = read_copy(now).ok();
                let split = copy
                    .as_ref()
                    .filter(|copy| copy.record.generation >= record.generation)
                    .and_then(|copy| copy.record.session.clone());
                let written = Read {
                    record: record.clone(),
                    dropped: None,
                };
                let agreed = Read::joined(Some(written.clone()), copy).unwrap_or(written);
                write_copy(&agreed.record, now);
                // A sign-in there that this change had ended: its tokens must not outlive it.
                if let Some(ended) = split.filter(|s| agreed.record.has_ended(&s.sign_in)) {
                    spawn_local(revocations::send_now(vec![ended.refresh_token]));
                }
                // Ended there meanwhile (a sign-out written to the copy alone): this change is
                // overtaken, as if never written.
                let overtaken = record
                    .session
                    .as_ref()
                    .is_some_and(|s| agreed.record.has_ended(&s.sign_in));
                return if overtaken {
                    Updated::Unchanged(Some(agreed))
                } else {
                    Updated::Written(record)
                };
            }
            // IndexedDB read the record but refused the write (a full quota: another app of
            // the origin may have filled it), and dropped what it held: the copy takes the
            // change.
            Some(Ok(Some(Updated::Refused(_)))) => {}
            Some(Ok(Some(updated))) => return updated,
            None => given_up.set(true),
            Some(_) => {}
        }
    }
    // No IndexedDB (or none that stores): the copy is the store, under a lock where the browser
    // has them.
    with_lock(&name("store"), |_| async {
        let current = read_copy(now).ok();
        let base = current
            .as_ref()
            .map_or_else(|| Record::empty(&api()), |read| read.record.clone());
        match decide(&base) {
            None => Updated::Unchanged(current),
            Some(record) if write_copy(&record, now) => Updated::Written(record),
            Some(record) => Updated::Refused(record),
        }
    })
    .await
}

/// Calls `on_change` whenever another tab changes the record.
pub fn listen(on_change: impl Fn() + 'static) -> Option<EventListener> {
    let window = web_sys::window()?;
    let key = name("session");
    Some(EventListener::new(&window, "storage", move |event| {
        let changed = event
            .dyn_ref::<web_sys::StorageEvent>()
            .and_then(web_sys::StorageEvent::key);
        // No key: the whole storage was cleared.
        if changed.is_none_or(|changed| changed == key) {
            on_change();
        }
    }))
}

/// `None` if `work` takes longer than IndexedDB is given.
async fn bounded<T>(work: impl Future<Output = T>) -> Option<T> {
    match select(std::pin::pin!(work), TimeoutFuture::new(STORE_TIMEOUT_MS)).await {
        Either::Left((result, _)) => Some(result),
        Either::Right(_) => None,
    }
}

/// IndexedDB's record, read (an error: nothing usable there). `None`: IndexedDB doesn't work.
async fn read_database(now: f64) -> Option<Result<Read, StoredSessionError>> {
    let db = open().await?;
    let result = async {
        let store = object_store(&db, "readonly")?;
        let request = call(&store, "get", &[RECORD_KEY.into()])?;
        settle(&request, "success", "error").await?;
        let text = Reflect::get(&request, &"result".into()).ok()?.as_string();
        Some(parse(text.as_deref().unwrap_or(""), now))
    }
    .await;
    close(&db);
    result
}

/// The atomic step in one `readwrite` transaction: the decision runs synchronously in the
/// `get`'s success event, where the transaction is still active, and the `put` joins it.
async fn update_database(decide: Rc<dyn Fn(&Record) -> Change>, now: f64) -> Option<Updated> {
    let db = open().await?;
    let outcome = Rc::new(RefCell::new(None));
    let result = async {
        let store = object_store(&db, "readwrite")?;
        let transaction = Reflect::get(&store, &"transaction".into()).ok()?;
        let committed = settle(&transaction, "complete", "abort");
        let request = call(&store, "get", &[RECORD_KEY.into()])?;
        let on_read = Closure::once({
            let (request, store, outcome) = (request.clone(), store.clone(), outcome.clone());
            move |_event: JsValue| {
                let text = Reflect::get(&request, &"result".into())
                    .ok()
                    .and_then(|result| result.as_string());
                let stored = text.and_then(|text| parse(&text, now).ok());
                let stored_record = stored.as_ref().map(|read| read.record.clone());
                // A tab that found IndexedDB missing or slow wrote the copy alone: go by both,
                // and store what they agree on over the record here even when nothing else
                // changes.
                let current = Read::joined(stored, read_copy(now).ok());
                let stored_differs = current
                    .as_ref()
                    .zip(stored_record)
                    .is_some_and(|(read, stored)| read.record != stored);
                let base = current
                    .as_ref()
                    .map_or_else(|| Record::empty(&api()), |read| read.record.clone());
                let put = |record: &Record| {
                    record
                        .stored()
                        .and_then(|text| call(&store, "put", &[text.into(), RECORD_KEY.into()]))
                };
                let updated = match decide(&base) {
                    None => {
                        if stored_differs {
                            put(&base);
                        }
                        Updated::Unchanged(current)
                    }
                    Some(record) => match put(&record) {
                        Some(_) => Updated::Written(record),
                        None => Updated::Refused(record),
                    },
                };
                *outcome.borrow_mut() = Some(updated);
            }
        });
        Reflect::set(
            &request,
            &"onsuccess".into(),
            on_read.as_ref().unchecked_ref(),
        )
        .ok()?;
        let done = committed.await;
        drop(on_read);
        done
    }
    .await;
    let updated = outcome.borrow_mut().take();
    // The put was decided but not committed (quota, an aborted transaction): IndexedDB must
    // not keep what the change replaced either (a signed-out user's session, for the next page
    // to load once the copy is gone), so its record goes (removing works on a full quota).
    let refused = result.is_none() && matches!(updated, Some(Updated::Written(_)));
    if refused {
        let _ = object_store(&db, "readwrite")
            .and_then(|store| call(&store, "delete", &[RECORD_KEY.into()]));
    }
    close(&db);
    match (result, updated?) {
        (Some(()), updated) => Some(updated),
        (None, Updated::Written(record)) => Some(Updated::Refused(record)),
        (None, _) => None,
    }
}

async fn open() -> Option<JsValue> {
    let window = web_sys::window()?;
    let factory = Reflect::get(&window, &"indexedDB".into())
        .ok()
        .filter(|f| !f.is_undefined() && !f.is_null())?;
    let request = call(&factory, "open", &[name("database").into(), 1.into()])?;
    // First use: create the object store.
    let upgrade = Closure::<dyn FnMut(JsValue)>::new({
        let request = request.clone();
        move |_event: JsValue| {
            if let Ok(db) = Reflect::get(&request, &"result".into()) {
                let _ = call(&db, "createObjectStore", &[OBJECT_STORE.into()]);
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
    let transaction = call(db, "transaction", &[OBJECT_STORE.into(), mode.into()])?;
    call(&transaction, "objectStore", &[OBJECT_STORE.into()])
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
