//! The session engine: one place that signs in, signs out, refreshes on a timer and hands out
//! fresh access tokens. The Yew provider only renders what it says.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::{Rc, Weak};

use futures::future::{FutureExt, LocalBoxFuture, Shared};
use gloo_events::EventListener;
use gloo_timers::callback::Timeout;
use wasm_bindgen_futures::spawn_local;

use super::latest;
use super::lock::with_lock;
use super::state::{Session, SessionState, SignedOutReason, StoredSessionError};
use super::store::{self, Loaded};
use crate::api::{self, ApiError, User};

const REFRESH_LOCK: &str = "djoser-auth.refresh";
/// Retry delays while the server can't be reached: 1, 2, 4, … up to 30 seconds.
const MAX_RETRY_DELAY_SECS: f64 = 30.0;
/// A profile fetched this recently isn't fetched again (the dashboard right after sign-in).
const PROFILE_FRESH_SECS: f64 = 60.0;

pub struct SessionManager {
    /// For the timer's callback, which must not keep the manager alive.
    me: Weak<SessionManager>,
    /// The session whose tokens this tab holds; `None` when signed out.
    session: RefCell<Option<Rc<Session>>>,
    /// Started with a lapsed access token and hasn't refreshed it yet.
    restoring: Cell<bool>,
    signed_out_reason: Cell<SignedOutReason>,
    /// The last refresh failed for want of a server; it is being retried.
    reconnecting: Cell<bool>,
    /// The browser lets the session outlive this tab (site storage isn't blocked).
    persistent: bool,
    failed_refreshes: Cell<u32>,
    /// When `users/me/` last answered in this tab (local seconds).
    profile_fetched_at: Cell<Option<f64>>,
    /// The one refresh under way, which every caller awaits instead of starting another.
    in_flight: RefCell<Option<Shared<LocalBoxFuture<'static, ()>>>>,
    timer: RefCell<Option<Timeout>>,
    /// Other tabs' storage writes, and the page coming back (shown, restored, online).
    listeners: RefCell<Vec<EventListener>>,
    on_change: RefCell<Option<Box<dyn Fn()>>>,
}

/// Calls `on_wake` when the page comes back: shown again (`visibilitychange`), shown from the
/// back-forward cache or anew (`pageshow`), or back online (`online`).
fn listen_for_wake(on_wake: impl Fn() + 'static) -> Vec<EventListener> {
    let Some(window) = web_sys::window() else {
        return Vec::new();
    };
    let on_wake = Rc::new(on_wake);
    let mut listeners = Vec::new();
    if let Some(document) = window.document() {
        let on_wake = on_wake.clone();
        let visible_document = document.clone();
        listeners.push(EventListener::new(
            &document,
            "visibilitychange",
            move |_| {
                if !visible_document.hidden() {
                    on_wake();
                }
            },
        ));
    }
    for event in ["pageshow", "online"] {
        let on_wake = on_wake.clone();
        listeners.push(EventListener::new(&window, event, move |_| on_wake()));
    }
    listeners
}

/// Local time in Unix seconds.
pub fn now() -> f64 {
    js_sys::Date::now() / 1000.0
}

impl SessionManager {
    /// Reads the stored session; no timers or listeners until [`SessionManager::attach`].
    pub fn new() -> Rc<SessionManager> {
        // The build-time prerender has no storage and no clock: it draws the signed-out pages.
        if crate::PRERENDERING {
            return SessionManager::with(None, SignedOutReason::NeverSignedIn, false);
        }
        let now = now();
        let (session, reason) = match store::load(now) {
            Loaded::Session(session) => (Some(Rc::new(*session)), SignedOutReason::NeverSignedIn),
            Loaded::Nothing => (None, SignedOutReason::NeverSignedIn),
            Loaded::Discarded(StoredSessionError::Expired) => (None, SignedOutReason::Expired),
            Loaded::Discarded(_) => (None, SignedOutReason::NeverSignedIn),
        };
        let restoring = session.as_ref().is_some_and(|s| !s.access_usable(now));
        SessionManager::with(session, reason, restoring)
    }

    fn with(
        session: Option<Rc<Session>>,
        reason: SignedOutReason,
        restoring: bool,
    ) -> Rc<SessionManager> {
        Rc::new_cyclic(|me| SessionManager {
            me: me.clone(),
            session: RefCell::new(session),
            restoring: Cell::new(restoring),
            signed_out_reason: Cell::new(reason),
            reconnecting: Cell::new(false),
            persistent: crate::PRERENDERING || store::available(),
            failed_refreshes: Cell::new(0),
            profile_fetched_at: Cell::new(None),
            in_flight: RefCell::new(None),
            timer: RefCell::new(None),
            listeners: RefCell::new(Vec::new()),
            on_change: RefCell::new(None),
        })
    }

    /// Starts the refresh timer and listens to other tabs and to the page coming back;
    /// `on_change` re-renders the UI.
    pub fn attach(self: &Rc<Self>, on_change: impl Fn() + 'static) {
        *self.on_change.borrow_mut() = Some(Box::new(on_change));
        let this = Rc::downgrade(self);
        let mut listeners: Vec<EventListener> = store::listen_for_other_tabs(move || {
            if let Some(this) = this.upgrade() {
                this.adopt_stored();
            }
        })
        .into_iter()
        .collect();
        let this = Rc::downgrade(self);
        listeners.extend(listen_for_wake(move || {
            if let Some(this) = this.upgrade() {
                this.catch_up();
            }
        }));
        *self.listeners.borrow_mut() = listeners;
        self.schedule_refresh();
    }

    pub fn detach(&self) {
        self.on_change.borrow_mut().take();
        self.listeners.borrow_mut().clear();
        self.timer.borrow_mut().take();
    }

    /// The page is back (tab shown, restored from the back-forward cache, network back): timers
    /// may have slept through the refresh point and other tabs may have moved on. Take what they
    /// stored, and refresh now if it is due (or was failing for want of a network).
    fn catch_up(self: &Rc<Self>) {
        self.adopt_stored();
        let due = self
            .current()
            .is_some_and(|session| self.reconnecting.get() || now() >= session.refresh_due_at());
        if due {
            drop(self.refresh());
        }
    }

    pub fn state(&self) -> SessionState {
        match self.session.borrow().as_ref() {
            Some(_) if self.restoring.get() => SessionState::Restoring,
            Some(session) => SessionState::SignedIn(session.clone()),
            None => SessionState::SignedOut(self.signed_out_reason.get()),
        }
    }

    pub fn reconnecting(&self) -> bool {
        self.reconnecting.get()
    }

    /// Whether a sign-in here outlives the tab (false where the browser blocks site storage).
    pub fn persistent(&self) -> bool {
        self.persistent
    }

    fn current(&self) -> Option<Rc<Session>> {
        self.session.borrow().clone()
    }

    pub async fn sign_in(self: &Rc<Self>, email: &str, password: &str) -> Result<(), ApiError> {
        let tokens = api::jwt_create(email, password).await?;
        let user = api::me(&tokens.access).await?;
        self.profile_fetched_at.set(Some(now()));
        let session =
            Session::new(user, tokens, now()).map_err(|_| ApiError::Unexpected { status: 200 })?;
        store::save(&session);
        self.set_session(session);
        Ok(())
    }

    /// Ends the session in every tab and revokes the refresh token (best effort: the
    /// session is gone locally whatever the server says).
    pub fn sign_out(&self) {
        if let Some(session) = self.current() {
            spawn_local(async move {
                let _ = api::jwt_blacklist(&session.refresh_token).await;
            });
        }
        spawn_local(latest::write(None));
        store::clear();
        self.end(SignedOutReason::SignedOut);
    }

    /// A fresh access token: the current one, or the result of the refresh under way (or of
    /// one started now if it has lapsed).
    pub async fn access_token(self: &Rc<Self>) -> Result<String, ApiError> {
        for _ in 0..2 {
            match self.current() {
                None => return Err(ApiError::NotSignedIn),
                Some(session) if !self.restoring.get() && session.access_usable(now()) => {
                    return Ok(session.access_token.clone())
                }
                Some(_) => self.refresh().await,
            }
        }
        Err(if self.current().is_some() {
            ApiError::Network
        } else {
            ApiError::NotSignedIn
        })
    }

    /// Runs an authenticated call with a fresh token. If the server still calls the token
    /// invalid (revoked, or clocks apart), refreshes once and tries again.
    pub async fn authorized<T, F, Fut>(self: &Rc<Self>, call: F) -> Result<T, ApiError>
    where
        F: Fn(String) -> Fut,
        Fut: Future<Output = Result<T, ApiError>>,
    {
        let token = self.access_token().await?;
        match call(token.clone()).await {
            Err(error) if error.is_invalid_token() => {
                if self.current().is_some_and(|s| s.access_token == token) {
                    self.refresh().await;
                }
                call(self.access_token().await?).await
            }
            result => result,
        }
    }

    /// Whether `users/me/` answered here within the last minute.
    pub fn profile_is_fresh(&self) -> bool {
        self.profile_fetched_at
            .get()
            .is_some_and(|at| now() - at < PROFILE_FRESH_SECS)
    }

    /// Keeps the profile shown (and stored) up to date after `users/me/`. Changes only the
    /// user: tokens another tab stored meanwhile are kept, never written over with older ones.
    pub fn update_user(&self, user: User) {
        self.profile_fetched_at.set(Some(now()));
        let Some(mine) = self.current() else {
            return;
        };
        let tokens_from = match store::load(now()) {
            Loaded::Session(stored) if stored.refresh_token != mine.refresh_token => {
                Rc::new(*stored)
            }
            _ => mine.clone(),
        };
        if mine.user != user || !Rc::ptr_eq(&tokens_from, &mine) {
            let session = Session {
                user,
                ..(*tokens_from).clone()
            };
            store::save(&session);
            self.set_session(session);
        }
    }

    /// Starts a refresh, or joins the one under way.
    pub fn refresh(self: &Rc<Self>) -> Shared<LocalBoxFuture<'static, ()>> {
        if let Some(in_flight) = self.in_flight.borrow().clone() {
            return in_flight;
        }
        let this = self.clone();
        // The session found wanting; by the time the lock is ours another tab may have
        // replaced it, and then there is nothing left to do.
        let stale = self.current();
        let refresh = async move {
            with_lock(REFRESH_LOCK, this.refresh_holding_lock(stale)).await;
            this.in_flight.borrow_mut().take();
        }
        .boxed_local()
        .shared();
        *self.in_flight.borrow_mut() = Some(refresh.clone());
        // Driven here so that it completes even if no caller awaits it (the timer).
        spawn_local(refresh.clone());
        refresh
    }

    async fn refresh_holding_lock(self: &Rc<Self>, stale: Option<Rc<Session>>) {
        let Some(session) = self.current() else {
            return;
        };
        // Another tab refreshed while this one waited, and its tokens have already arrived
        // here (storage event): refreshing again would spend a second call in this window.
        if stale.is_none_or(|stale| stale.access_token != session.access_token) {
            return;
        }
        // Another tab may have refreshed (or signed out) while this one waited for the lock.
        match store::load(now()) {
            Loaded::Session(stored) if stored.refresh_token != session.refresh_token => {
                self.set_session(*stored);
                return;
            }
            Loaded::Session(_) => {}
            Loaded::Nothing | Loaded::Discarded(_) => {
                self.end(SignedOutReason::SignedOut);
                return;
            }
        }
        // This tab's copy of localStorage may lag behind the tab that held the lock last;
        // the copy it left in IndexedDB doesn't.
        let newer = latest::read()
            .await
            .and_then(|text| Session::from_stored(&text, now()).ok())
            .filter(|latest| {
                latest.access_token != session.access_token
                    && latest.access_received_at > session.access_received_at
            });
        if let Some(newer) = newer {
            self.set_session(newer);
            return;
        }
        let outcome = api::jwt_refresh(&session.refresh_token).await;
        // Signed out, or signed in anew, meanwhile: this answer is for a session that's gone.
        if self.current().map(|s| s.refresh_token.clone()) != Some(session.refresh_token.clone()) {
            return;
        }
        match outcome.and_then(|tokens| {
            session
                .refreshed(tokens, now())
                .map_err(|_| ApiError::Unexpected { status: 200 })
        }) {
            Ok(next) => {
                let text = store::save(&next);
                self.set_session(next);
                // Done before the lock goes to the next tab.
                if let Some(text) = text {
                    latest::write(Some(&text)).await;
                }
            }
            Err(error) if error.is_rejection() => {
                // Refused: but another tab may have refreshed meanwhile and stored newer tokens
                // (in either store). Take those rather than signing every tab out.
                let stored = match store::load(now()) {
                    Loaded::Session(stored) => Some(*stored),
                    _ => None,
                };
                let latest = latest::read()
                    .await
                    .and_then(|text| Session::from_stored(&text, now()).ok());
                let newer = [stored, latest]
                    .into_iter()
                    .flatten()
                    .find(|other| other.refresh_token != session.refresh_token);
                match newer {
                    Some(newer) => self.set_session(newer),
                    None => {
                        store::clear();
                        latest::write(None).await;
                        self.end(SignedOutReason::Expired);
                    }
                }
            }
            // Server down, 5xx, throttled, garbled: keep the session and try again later.
            Err(_) => self.retry_later(),
        }
    }

    /// Takes whatever another tab stored: new tokens, a new sign-in, or a sign-out.
    fn adopt_stored(self: &Rc<Self>) {
        match store::load(now()) {
            Loaded::Session(stored) => {
                if self.current().as_deref() != Some(&*stored) {
                    self.set_session(*stored);
                }
            }
            Loaded::Nothing | Loaded::Discarded(_) => {
                if self.current().is_some() {
                    self.end(SignedOutReason::SignedOut);
                }
            }
        }
    }

    fn set_session(&self, session: Session) {
        *self.session.borrow_mut() = Some(Rc::new(session));
        self.restoring.set(false);
        self.reconnecting.set(false);
        self.failed_refreshes.set(0);
        self.schedule_refresh();
        self.changed();
    }

    fn end(&self, reason: SignedOutReason) {
        self.session.borrow_mut().take();
        self.signed_out_reason.set(reason);
        self.restoring.set(false);
        self.reconnecting.set(false);
        self.timer.borrow_mut().take();
        self.changed();
    }

    fn retry_later(&self) {
        let failures = self.failed_refreshes.get() + 1;
        self.failed_refreshes.set(failures);
        self.reconnecting.set(true);
        // The stored session stays usable while the server is away.
        self.restoring.set(false);
        let delay = 2f64
            .powi(failures.min(8) as i32 - 1)
            .min(MAX_RETRY_DELAY_SECS);
        self.arm_timer(now() + delay);
        self.changed();
    }

    fn schedule_refresh(&self) {
        if let Some(session) = self.current() {
            self.arm_timer(session.refresh_due_at());
        }
    }

    fn arm_timer(&self, at: f64) {
        let weak = self.me.clone();
        let delay_ms = ((at - now()) * 1000.0).clamp(0.0, f64::from(i32::MAX)) as u32;
        *self.timer.borrow_mut() = Some(Timeout::new(delay_ms, move || {
            if let Some(this) = weak.upgrade() {
                // The refresh is spawned and runs on its own; nothing here awaits it.
                drop(this.refresh());
            }
        }));
    }

    fn changed(&self) {
        if let Some(on_change) = self.on_change.borrow().as_ref() {
            on_change();
        }
    }
}

/// Where a tab that deleted the account leaves word of it for the sign-in page of the other tabs,
/// which only see the session vanish: the local time it happened (whole Unix seconds).
const ACCOUNT_DELETED_KEY: &str = "djoser-auth.account-deleted";
/// How long the sign-in page goes on saying so (unless someone signs in meanwhile).
const ACCOUNT_DELETED_NOTICE_SECS: i64 = 24 * 3600;

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// Whether a deletion marked at `marked_at` (the stored text) is recent enough to mention.
/// Whole seconds: parsing an `f64` would cost the wasm ~10 KB of tables.
fn deletion_worth_mentioning(marked_at: &str, now: i64) -> bool {
    marked_at
        .parse::<i64>()
        .is_ok_and(|at| (0..ACCOUNT_DELETED_NOTICE_SECS).contains(&now.saturating_sub(at)))
}

/// What the account settings need beyond signing in and out.
impl SessionManager {
    /// After a password change: a backend with SimpleJWT's `CHECK_REVOKE_TOKEN` refuses every
    /// token issued before it, so sign in again with the new password while it is at hand.
    /// Under the refresh lock, so that no refresh with the old tokens (here or in another tab)
    /// lands after it; the other tabs take the new session from storage. The replaced refresh
    /// token is revoked (best effort).
    pub async fn sign_in_again(self: &Rc<Self>, new_password: &str) -> Result<(), ApiError> {
        let replaced = with_lock(REFRESH_LOCK, async {
            let replaced = self.current().ok_or(ApiError::NotSignedIn)?;
            self.sign_in(&replaced.user.email, new_password).await?;
            // The next holder of the lock reads the newest session from IndexedDB.
            if let Some(text) = self
                .current()
                .and_then(|session| crate::json::print(&*session))
            {
                latest::write(Some(&text)).await;
            }
            Ok::<_, ApiError>(replaced)
        })
        .await?;
        spawn_local(async move {
            let _ = api::jwt_blacklist(&replaced.refresh_token).await;
        });
        Ok(())
    }

    /// After `DELETE users/me/`: signs out every tab, and tells their sign-in pages why.
    pub fn end_deleted_account(&self) {
        if let Some(storage) = local_storage() {
            let _ = storage.set_item(ACCOUNT_DELETED_KEY, &(now() as i64).to_string());
        }
        self.sign_out();
    }

    /// Whether the account signed in here was deleted lately (for the sign-in page's notice).
    pub fn account_deleted_recently(&self) -> bool {
        if crate::PRERENDERING {
            return false;
        }
        local_storage()
            .and_then(|storage| storage.get_item(ACCOUNT_DELETED_KEY).ok().flatten())
            .is_some_and(|marked_at| deletion_worth_mentioning(&marked_at, now() as i64))
    }

    /// Someone signed in again: the deletion is old news.
    pub fn forget_deleted_account(&self) {
        if let Some(storage) = local_storage() {
            let _ = storage.remove_item(ACCOUNT_DELETED_KEY);
        }
    }
}

#[cfg(test)]
mod account_deleted_tests {
    use super::*;

    #[test]
    fn a_deletion_is_mentioned_for_a_day() {
        assert!(deletion_worth_mentioning("1000", 1000));
        assert!(deletion_worth_mentioning("1000", 1000 + 23 * 3600));
        assert!(!deletion_worth_mentioning("1000", 1000 + 24 * 3600));
        // A clock set back since, or a marker that isn't one.
        assert!(!deletion_worth_mentioning("1000", 999));
        assert!(!deletion_worth_mentioning("-9223372036854775808", i64::MAX));
        for junk in ["", "soon", "1000.5", "NaN"] {
            assert!(!deletion_worth_mentioning(junk, 1000), "{junk:?}");
        }
    }
}
