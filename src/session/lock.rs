//! A lock shared by every tab of the origin (the Web Locks API), so that only one tab at a
//! time refreshes: with rotation on, two refreshes with the same token sign one tab out.

use futures::channel::oneshot;
use futures::future::{select, Either};
use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// The browser's Web Locks (`navigator.locks`), where it has them.
fn locks() -> Option<wasm_bindgen::JsValue> {
    web_sys::window()
        .and_then(|window| Reflect::get(&window.navigator(), &"locks".into()).ok())
        .filter(|locks| !locks.is_undefined() && !locks.is_null())
}

/// Whether tabs can take turns here (a browser with Web Locks, in a secure context).
pub fn available() -> bool {
    locks().is_some()
}

/// Runs `work` while holding the browser-wide lock `name`. Where the browser has no Web
/// Locks (an old browser, or a page not served from a secure context), or refuses the
/// request, it runs unlocked.
pub async fn with_lock<T>(name: &str, work: impl std::future::Future<Output = T>) -> T {
    let Some(release) = acquire(name).await else {
        return work.await;
    };
    let result = work.await;
    let _ = release.call0(&JsValue::UNDEFINED);
    result
}

/// Waits for the lock; returns the function that releases it.
async fn acquire(name: &str) -> Option<Function> {
    let locks = locks()?;
    let request: Function = Reflect::get(&locks, &"request".into())
        .ok()?
        .dyn_into()
        .ok()?;

    // The lock is held until the promise returned from the callback settles; keep that
    // promise's resolve function to settle it when the work is done.
    let mut release = None;
    let held = Promise::new(&mut |resolve, _reject| release = Some(resolve));
    let release = release?;
    let (granted_tx, granted_rx) = oneshot::channel::<()>();
    let mut granted_tx = Some(granted_tx);
    let on_granted = Closure::<dyn FnMut(JsValue) -> JsValue>::new(move |_lock| {
        if let Some(granted) = granted_tx.take() {
            let _ = granted.send(());
        }
        held.clone().into()
    });
    let requested = request
        .call2(&locks, &name.into(), on_granted.as_ref().unchecked_ref())
        .ok()?
        .dyn_into::<Promise>()
        .ok()?;
    // The request's promise settles only after the lock is released, unless the browser
    // refuses the request (e.g. a document without the right to locks): then it rejects
    // and the callback never comes.
    match select(granted_rx, JsFuture::from(requested)).await {
        Either::Left((Ok(()), _)) => {}
        _ => return None,
    }
    // The browser has called back, and never does twice: the closure may go now.
    drop(on_granted);
    Some(release)
}
