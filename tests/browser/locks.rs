//! The cross-tab lock (`session::lock::with_lock`): one holder at a time, and what it does when
//! the browser refuses, never grants, or keeps a holder too long (stand-in `navigator.locks`).

use std::cell::RefCell;
use std::rc::Rc;

use djoser_auth_spa::session::lock::with_lock;
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

#[wasm_bindgen_test]
async fn the_lock_runs_one_holder_at_a_time() {
    let log = Rc::new(RefCell::new(Vec::new()));
    let worker = |name: &'static str, log: Rc<RefCell<Vec<String>>>| async move {
        with_lock("djoser-auth.test", |locked| async move {
            assert!(locked, "{name} should hold the lock");
            log.borrow_mut().push(format!("{name} in"));
            TimeoutFuture::new(50).await;
            log.borrow_mut().push(format!("{name} out"));
        })
        .await
    };
    futures::join!(worker("a", log.clone()), worker("b", log.clone()));
    assert_eq!(*log.borrow(), ["a in", "a out", "b in", "b out"]);
}

/// A browser that refuses the lock request (its promise rejects, the callback never comes):
/// the work runs unlocked instead of waiting forever.
#[wasm_bindgen_test]
async fn a_refused_lock_request_runs_unlocked() {
    use futures::future::{select, Either};
    use js_sys::{Function, Reflect};

    let navigator = web_sys::window().unwrap().navigator();
    let locks = Reflect::get(&navigator, &"locks".into()).unwrap();
    let request = Reflect::get(&locks, &"request".into()).unwrap();
    let refusing = Function::new_no_args(
        "return Promise.reject(new DOMException('refused', 'SecurityError'));",
    );
    Reflect::set(&locks, &"request".into(), &refusing).unwrap();
    let work = std::pin::pin!(with_lock("djoser-auth.test-refused", |locked| async move {
        (locked, 42)
    }));
    let ran = match select(work, TimeoutFuture::new(3_000)).await {
        Either::Left((value, _)) => Some(value),
        Either::Right(_) => None,
    };
    Reflect::set(&locks, &"request".into(), &request).unwrap();
    assert_eq!(
        ran,
        Some((false, 42)),
        "with_lock should run the work unlocked at once when the lock request is refused"
    );
}

/// Runs `with_lock(name)` with `navigator.locks` stood in for by the object `locks` (JavaScript),
/// timed: the stand-in (to read back), whether the work held the lock, and the ms it waited.
async fn with_stand_in_locks(locks: &str, name: &str) -> (JsValue, bool, f64) {
    let navigator = web_sys::window().unwrap().navigator();
    let stand_in = js_sys::Function::new_no_args(&format!(
        "const locks = {locks}; \
         Object.defineProperty(navigator, 'locks', {{ value: locks, configurable: true }}); \
         return locks;"
    ))
    .call0(&JsValue::NULL)
    .unwrap();
    let started = js_sys::Date::now();
    let locked = with_lock(name, |locked| async move { locked }).await;
    let waited = js_sys::Date::now() - started;
    js_sys::Reflect::delete_property(&navigator, &"locks".into()).unwrap();
    (stand_in, locked, waited)
}

/// A lock stuck with nobody holding it, for good (`held: []`, every request pending): the
/// request is made twice, then the work runs unlocked, and grants that come later are let go at
/// once. Stood in for by a `navigator.locks` that never grants and says nothing is held.
#[wasm_bindgen_test]
async fn a_lock_stuck_with_nobody_holding_it_runs_unlocked_after_a_while() {
    use js_sys::{Array, Function, Reflect};

    let (stuck, locked, waited) = with_stand_in_locks(
        "{ grants: [], \
           request(name, options, callback) { this.grants.push(callback); return new Promise(() => {}); }, \
           query() { return Promise.resolve({ held: [], pending: [{ name: 'djoser-auth.test-stuck' }] }); } }",
        "djoser-auth.test-stuck",
    )
    .await;
    let grants = Array::from(&Reflect::get(&stuck, &"grants".into()).unwrap());
    let late: Vec<JsValue> = grants
        .iter()
        .map(|grant| {
            Function::from(grant)
                .call1(&JsValue::NULL, &JsValue::NULL)
                .unwrap()
        })
        .collect();
    assert!(!locked, "the work should run unlocked");
    assert_eq!(late.len(), 2, "the lock should be asked for twice");
    assert!(
        waited >= 19_000.0,
        "it ran unlocked after {waited} ms, not twice the patience"
    );
    assert!(
        late.iter().all(JsValue::is_undefined),
        "a late grant is let go at once"
    );
}

/// Chromium, after a holder's page went away: nothing held, yet the request at the head of the
/// queue is never granted; withdrawing it sets the queue moving (storm seed 20005, where two
/// tabs then refreshed one token side by side). The request is made again and the work runs
/// holding the lock. Stood in for by a `navigator.locks` stuck until a request is withdrawn.
#[wasm_bindgen_test]
async fn a_stuck_lock_queue_is_set_moving_and_the_work_runs_holding_the_lock() {
    let (unsticks, locked, waited) = with_stand_in_locks(
        "{ stuck: true, requests: 0, \
           request(name, options, callback) { \
             this.requests += 1; \
             if (!this.stuck) return Promise.resolve().then(() => callback({ name })); \
             return new Promise((_, reject) => options.signal.addEventListener('abort', () => { \
               this.stuck = false; reject(new DOMException('withdrawn', 'AbortError')); })); }, \
           query() { return Promise.resolve({ held: [], pending: [] }); } }",
        "djoser-auth.test-unstuck",
    )
    .await;
    let requests = js_sys::Reflect::get(&unsticks, &"requests".into()).unwrap();
    assert!(locked, "the work should run holding the lock");
    assert_eq!(requests, JsValue::from(2), "asked twice");
    assert!(
        (9_000.0..15_000.0).contains(&waited),
        "it ran after {waited} ms, not once the patience"
    );
}

/// A lock another holder keeps for longer than the patience (a slow refresh) is waited for: the
/// work runs holding it, once it is let go, not unlocked beside it.
#[wasm_bindgen_test]
async fn a_lock_held_longer_than_the_patience_is_waited_for() {
    use js_sys::{Function, Reflect};

    let name = "djoser-auth.test-slow-holder";
    let locks = Reflect::get(&web_sys::window().unwrap().navigator(), &"locks".into()).unwrap();
    let request: Function = Reflect::get(&locks, &"request".into()).unwrap().into();
    let hold = Function::new_no_args("return new Promise((done) => setTimeout(done, 12000));");
    let _ = request.call2(&locks, &name.into(), &hold);
    TimeoutFuture::new(100).await;
    let started = js_sys::Date::now();
    let locked = with_lock(name, |locked| async move { locked }).await;
    let waited = js_sys::Date::now() - started;
    assert!(locked, "the work should run holding the lock");
    assert!(
        waited >= 11_000.0,
        "it ran after {waited} ms, before the holder let go"
    );
}
