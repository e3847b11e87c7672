//! A lock shared by every tab of the origin (the Web Locks API), so that only one tab at a
//! time refreshes: with rotation on, two refreshes with the same token sign one tab out.

use std::cell::Cell;
use std::future::Future;
use std::rc::Rc;

use futures::channel::oneshot;
use futures::future::{select, Either};
use futures::FutureExt;
use gloo_events::EventListener;
use gloo_timers::future::TimeoutFuture;
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::timing::{LOCK_HOLDER_PATIENCE_MS, LOCK_PATIENCE_MS, LOCK_QUERY_PATIENCE_MS};

/// The browser's Web Locks (`navigator.locks`), where it has them.
fn locks() -> Option<wasm_bindgen::JsValue> {
    web_sys::window()
        .and_then(|window| Reflect::get(&window.navigator(), &"locks".into()).ok())
        .filter(|locks| !locks.is_undefined() && !locks.is_null())
}

/// Runs `work` while holding the browser-wide lock `name`; `work` is told whether it does.
/// Where the browser has no Web Locks (an old browser, or a page not served from a secure
/// context) or refuses the request, it runs unlocked, as it would in a browser without them.
/// A request not granted within `LOCK_PATIENCE_MS` while no page holds it (seen in Chromium
/// after a holder's page went away: nothing held, the queue stuck) is withdrawn and made again,
/// which sets the queue moving; stuck a second time, it runs unlocked. A page that holds it is
/// waited for longer, up to `LOCK_HOLDER_PATIENCE_MS` more (a page suspended while it holds it
/// must not hold the others up for good).
pub async fn with_lock<T, F: Future<Output = T>>(name: &str, work: impl FnOnce(bool) -> F) -> T {
    let Some(release) = acquire(name).await else {
        return work(false).await;
    };
    let result = work(true).await;
    let _ = release.call0(&JsValue::UNDEFINED);
    result
}

/// Waits for the lock; returns the function that releases it, or `None` to run unlocked.
/// Compiled once, not once per caller's work.
async fn acquire(name: &str) -> Option<Function> {
    let mut asked_again = false;
    loop {
        match request(name).await? {
            Request::Granted(release) => return Some(release),
            // Going on unlocked at once, two tabs stuck side by side sent one token twice
            // (storm seed 20005); withdrawing the first request had unstuck the queue.
            Request::Stuck if !asked_again => asked_again = true,
            Request::Stuck | Request::Unlocked => return None,
            // Nothing runs in a page that has gone; one restored from the back-forward cache
            // asks again.
            Request::Left => shown_again().await,
        }
    }
}

/// Whether some page holds the lock `name` (`navigator.locks.query()`; `false` where it can't
/// be asked).
async fn held_by_a_page(locks: &JsValue, name: &str) -> bool {
    let query = Reflect::get(locks, &"query".into())
        .ok()
        .and_then(|query| query.dyn_into::<Function>().ok());
    let Some(snapshot) = query.and_then(|query| query.call0(locks).ok()) else {
        return false;
    };
    // A lock manager too stuck to answer: nobody to wait for.
    let answer = select(
        JsFuture::from(Promise::from(snapshot)),
        TimeoutFuture::new(LOCK_QUERY_PATIENCE_MS),
    );
    let Either::Left((Ok(snapshot), _)) = answer.await else {
        return false;
    };
    let held = Reflect::get(&snapshot, &"held".into()).unwrap_or_default();
    js_sys::Array::from(&held).iter().any(|lock| {
        Reflect::get(&lock, &"name".into())
            .ok()
            .and_then(|held| held.as_string())
            .is_some_and(|held| held == name)
    })
}

/// What became of a request for the lock.
enum Request {
    /// Held until the function is called.
    Granted(Function),
    /// Refused by the browser, or held by a page for longer than the patience: withdrawn.
    Unlocked,
    /// Not granted in time while no page held it: withdrawn.
    Stuck,
    /// The page left (or went into the back-forward cache) while it waited: withdrawn.
    Left,
}

/// Until the page is shown again (`pageshow`).
async fn shown_again() {
    let (shown_tx, shown) = oneshot::channel::<()>();
    let mut shown_tx = Some(shown_tx);
    let _on_show = web_sys::window().map(|window| {
        EventListener::new(&window, "pageshow", move |_| {
            if let Some(shown_tx) = shown_tx.take() {
                let _ = shown_tx.send(());
            }
        })
    });
    let _ = shown.await;
}

/// Asks for the lock and waits; `None` where the browser has no Web Locks to ask.
async fn request(name: &str) -> Option<Request> {
    let locks = locks()?;
    let request: Function = Reflect::get(&locks, &"request".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let abort = web_sys::AbortController::new().ok()?;
    let options = js_sys::Object::new();
    Reflect::set(&options, &"signal".into(), &abort.signal()).ok()?;

    // The lock is held until the promise returned from the callback settles; keep that
    // promise's resolve function to settle it when the work is done.
    let mut release = None;
    let held = Promise::new(&mut |resolve, _reject| release = Some(resolve));
    let release = release?;
    let (granted_tx, granted_rx) = oneshot::channel::<()>();
    let mut granted_tx = Some(granted_tx);
    let gave_up = Rc::new(Cell::new(false));
    let on_granted = Closure::<dyn FnMut(JsValue) -> JsValue>::new({
        let gave_up = gave_up.clone();
        move |_lock| {
            if gave_up.get() {
                // Granted after all, too late: let it go at once.
                return JsValue::UNDEFINED;
            }
            if let Some(granted) = granted_tx.take() {
                let _ = granted.send(());
            }
            held.clone().into()
        }
    });
    let requested = request
        .call3(
            &locks,
            &name.into(),
            &options,
            on_granted.as_ref().unchecked_ref(),
        )
        .ok()?
        .dyn_into::<Promise>()
        .ok()?;
    // The request's promise settles only after the lock is released, unless the browser
    // refuses the request (e.g. a document without the right to locks): then it rejects
    // and the callback never comes.
    let give_up = {
        let gave_up = gave_up.clone();
        move || {
            gave_up.set(true);
            abort.abort();
        }
    };
    // A page leaving (or going into the back-forward cache) withdraws its request: granted to
    // a page that is gone, the lock was seen held by nobody with every other tab's request
    // stuck behind it (Chromium).
    let left = Rc::new(Cell::new(false));
    let _on_leave = web_sys::window().map(|window| {
        let (give_up, left) = (give_up.clone(), left.clone());
        EventListener::new(&window, "pagehide", move |_| {
            left.set(true);
            give_up();
        })
    });
    let mut answered = select(granted_rx, JsFuture::from(requested));
    let mut waited = 0;
    // Given up on with nobody holding the lock (rather than on a holder that kept it too long).
    let mut stuck = false;
    let outcome = loop {
        match select(answered, TimeoutFuture::new(LOCK_PATIENCE_MS)).await {
            Either::Left((outcome, _)) => break Some(outcome),
            Either::Right((_, mut waiting)) => {
                // A holder that takes its time (a slow server, a slow IndexedDB) is waited for:
                // going on without the lock would refresh the same token twice.
                let patient = waited < LOCK_HOLDER_PATIENCE_MS;
                let holder = patient && held_by_a_page(&locks, name).await;
                // Granted while asking: taken.
                if let Some(outcome) = (&mut waiting).now_or_never() {
                    break Some(outcome);
                }
                if !holder {
                    stuck = patient;
                    break None;
                }
                waited += LOCK_PATIENCE_MS;
                answered = waiting;
            }
        }
    };
    if outcome.is_none() {
        give_up();
    }
    let granted = matches!(outcome, Some(Either::Left((Ok(()), _))));
    if gave_up.get() {
        if granted {
            let _ = release.call0(&JsValue::UNDEFINED);
        } else {
            // A grant already on its way still calls back (and is let go there).
            on_granted.forget();
        }
        return Some(if left.get() {
            Request::Left
        } else if stuck {
            Request::Stuck
        } else {
            Request::Unlocked
        });
    }
    if !granted {
        return Some(Request::Unlocked);
    }
    // The browser has called back, and never does twice: the closure may go now.
    drop(on_granted);
    Some(Request::Granted(release))
}
