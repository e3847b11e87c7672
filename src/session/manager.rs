//! The session engine: one place that signs in, signs out, refreshes on a timer and hands out
//! fresh access tokens. The Yew provider only renders what it says.
//!
//! Its state is one [`Phase`], written only by `SessionManager::transition`, which also arms
//! the one refresh timer and tells the UI. What other tabs did is read from two stores:
//! localStorage (fast, and its `storage` event tells every tab) and IndexedDB ([`latest`]: one
//! copy for every tab, where localStorage may lag). Every write that could undo another tab's
//! work is checked against them first: the session this tab last saw must still be the one
//! stored, else the newer one is taken and this tab's answer revoked.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::rc::{Rc, Weak};

use futures::future::{FutureExt, LocalBoxFuture, Shared};
use gloo_events::EventListener;
use gloo_timers::callback::Timeout;
use serde::de::DeserializeOwned;
use wasm_bindgen_futures::spawn_local;

use super::latest;
use super::lock::with_lock;
use super::other_tabs::{listen_for_wake, read_latest, Elsewhere};
use super::phase::Phase;
use super::state::{Session, SessionState, SignedOutReason, StoredSessionError};
use super::store::{self, Loaded};
use crate::api::{self, ApiError, ApiRequest, User};

pub(super) const REFRESH_LOCK: &str = "djoser-auth.refresh";
/// A profile fetched this recently isn't fetched again (the dashboard right after sign-in).
const PROFILE_FRESH_SECS: f64 = 60.0;
/// Signs in and out, keeps the access token fresh, and shares all of it with the other tabs.
/// Pages reach it as `use_session().manager`.
pub struct SessionManager {
    /// For the timer's callback, which must not keep the manager alive.
    me: Weak<SessionManager>,
    phase: RefCell<Phase>,
    /// The browser lets the session outlive this tab (site storage isn't blocked).
    pub(super) persistent: bool,
    /// The last localStorage write was refused (full quota): the entry there is older than this
    /// tab's session, or missing, and says nothing about other tabs.
    pub(super) store_behind: Cell<bool>,
    /// When `users/me/` last answered in this tab (local seconds).
    profile_fetched_at: Cell<Option<f64>>,
    /// The one refresh under way, which every caller awaits instead of starting another.
    in_flight: RefCell<Option<Shared<LocalBoxFuture<'static, ()>>>>,
    timer: RefCell<Option<Timeout>>,
    /// Other tabs' storage writes, and the page coming back (shown, restored, online).
    listeners: RefCell<Vec<EventListener>>,
    on_change: RefCell<Option<Box<dyn Fn()>>>,
}

/// Local time in Unix seconds.
pub fn now() -> f64 {
    js_sys::Date::now() / 1000.0
}

impl SessionManager {
    /// Reads the stored session; no timers or listeners until [`SessionManager::attach`].
    pub fn new() -> Rc<SessionManager> {
        // The build-time prerender has no storage and no clock: it draws the signed-out pages,
        // without the blocked-storage notice (a browser that blocks storage is the exception).
        if crate::PRERENDERING {
            return SessionManager::with(Phase::SignedOut(SignedOutReason::NeverSignedIn), true);
        }
        let now = now();
        let (session, reason) = match store::load(now) {
            Loaded::Session(session) => (Some(*session), SignedOutReason::NeverSignedIn),
            Loaded::Nothing => (None, SignedOutReason::NeverSignedIn),
            Loaded::Discarded(StoredSessionError::Expired) => (None, SignedOutReason::Expired),
            Loaded::Discarded(_) => (None, SignedOutReason::NeverSignedIn),
        };
        SessionManager::with(Phase::loaded(session, reason, now), store::available())
    }

    fn with(phase: Phase, persistent: bool) -> Rc<SessionManager> {
        Rc::new_cyclic(|me| SessionManager {
            me: me.clone(),
            phase: RefCell::new(phase),
            persistent,
            store_behind: Cell::new(false),
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
                this.adopt_stored(true);
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
        self.arm_timer();
    }

    pub fn detach(&self) {
        self.on_change.borrow_mut().take();
        self.listeners.borrow_mut().clear();
        self.timer.borrow_mut().take();
    }

    /// What the UI renders from.
    pub fn state(&self) -> SessionState {
        self.phase.borrow().state()
    }

    /// A refresh failed for want of a server and is being retried.
    pub fn reconnecting(&self) -> bool {
        matches!(*self.phase.borrow(), Phase::Reconnecting { .. })
    }

    /// Whether a sign-in here outlives the tab (false where the browser blocks site storage).
    pub fn persistent(&self) -> bool {
        self.persistent
    }

    /// The phase, to read (only `transition` writes it).
    pub(super) fn phase(&self) -> std::cell::Ref<'_, Phase> {
        self.phase.borrow()
    }

    pub(super) fn current(&self) -> Option<Rc<Session>> {
        self.phase.borrow().session().cloned()
    }

    /// The only writer of the phase: also re-arms the refresh timer and re-renders.
    pub(super) fn transition(&self, next: Phase, why: &str) {
        let previous = self.phase.replace(next);
        if cfg!(debug_assertions) {
            let line = format!(
                "session: {} -> {} ({why})",
                previous.name(),
                self.phase.borrow().name()
            );
            web_sys::console::debug_1(&line.into());
        }
        self.arm_timer();
        if let Some(on_change) = self.on_change.borrow().as_ref() {
            on_change();
        }
    }

    fn arm_timer(&self) {
        let at = self.phase.borrow().refresh_at();
        *self.timer.borrow_mut() = at.map(|at| {
            let weak = self.me.clone();
            let delay_ms = ((at - now()) * 1000.0).clamp(0.0, f64::from(i32::MAX)) as u32;
            Timeout::new(delay_ms, move || {
                if let Some(this) = weak.upgrade() {
                    // The refresh is spawned and runs on its own; nothing here awaits it.
                    drop(this.refresh());
                }
            })
        });
    }

    /// Stores `session` for every tab (both stores) and makes it this tab's. The page moves on
    /// at once; the IndexedDB copy is awaited after (under the refresh lock, it must be there
    /// before the next holder reads it).
    async fn keep(&self, session: Session, why: &str) {
        let text = session.stored().filter(|_| self.persistent);
        if let Some(text) = &text {
            self.store_behind.set(!store::save(text));
        }
        self.transition(Phase::SignedIn(Rc::new(session)), why);
        if let Some(text) = &text {
            latest::write(Some(text)).await;
        }
    }

    /// Signs in with Djoser's login field (email or username) and password.
    pub async fn sign_in(self: &Rc<Self>, login: &str, password: &str) -> Result<(), ApiError> {
        let tokens = api::jwt_create(login, password).await?;
        self.sign_in_with_tokens(tokens).await
    }

    /// Takes a sign-in's first tokens (from `jwt/create/`, or a social provider's callback):
    /// reads the profile, stores the session for every tab and starts its timer.
    pub async fn sign_in_with_tokens(
        self: &Rc<Self>,
        tokens: api::TokenPair,
    ) -> Result<(), ApiError> {
        let user = api::me(&tokens.access).await?;
        self.profile_fetched_at.set(Some(now()));
        let session =
            Session::new(user, tokens, now()).map_err(|_| ApiError::Unexpected { status: 200 })?;
        self.keep(session, "signed in").await;
        Ok(())
    }

    /// Ends the session in every tab at once, and revokes its refresh tokens (best effort:
    /// the session is gone here whatever the server says).
    ///
    /// Then, under the refresh lock (once a refresh under way in another tab has finished),
    /// anything stored since from the same sign-in is revoked and wiped too: a sign-out is
    /// never undone by a late refresh answer.
    pub fn sign_out(&self) {
        let Some(mine) = self.current() else {
            return;
        };
        let stored = store::stored_session(now()).filter(|stored| stored.same_sign_in(&mine));
        store::clear();
        self.store_behind.set(false);
        self.transition(
            Phase::SignedOut(SignedOutReason::SignedOut),
            "signed out here",
        );
        let mut revoked = vec![mine.refresh_token.clone()];
        revoked.extend(stored.map(|stored| stored.refresh_token));
        spawn_local(async move {
            let latest = read_latest().await.ok().flatten();
            // First, so that a refresh answering in another tab sees the sign-out.
            latest::write(None).await;
            revoked.extend(
                latest
                    .filter(|latest| latest.same_sign_in(&mine))
                    .map(|latest| latest.refresh_token),
            );
            // Each once: the stores usually hold the token this tab holds.
            revoked.sort_unstable();
            revoked.dedup();
            revoked
                .iter()
                .for_each(|token| api::revoke_refresh_token(token));
            with_lock(REFRESH_LOCK, async {
                let late = [
                    store::stored_session(now()),
                    read_latest().await.ok().flatten(),
                ];
                for session in late.into_iter().flatten() {
                    if session.same_sign_in(&mine) && !revoked.contains(&session.refresh_token) {
                        api::revoke_refresh_token(&session.refresh_token);
                        store::clear();
                        latest::write(None).await;
                    }
                }
            })
            .await;
        });
    }

    /// A fresh access token: the current one, or the result of the refresh under way (or of
    /// one started now if it has lapsed).
    pub async fn access_token(self: &Rc<Self>) -> Result<String, ApiError> {
        for _ in 0..2 {
            let token = {
                let phase = self.phase.borrow();
                if phase.session().is_none() {
                    return Err(ApiError::NotSignedIn);
                }
                phase.usable_access_token(now()).map(str::to_string)
            };
            match token {
                Some(token) => return Ok(token),
                None => self.refresh().await,
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

    /// Calls your own API with this session's access token, and reads the JSON answer as `T`.
    ///
    /// When the access token is due it refreshes first, joining a refresh already under way
    /// (in this tab, or in another one through the shared lock) instead of starting another.
    /// If the server still answers `token_not_valid`, it refreshes once and tries again. Every
    /// failure is an [`ApiError`]: [`ApiError::NotSignedIn`] without a session, and the
    /// server's own errors parsed as Djoser's are ([`ApiError::Rejected`] with field messages).
    ///
    /// ```no_run
    /// use djoser_auth_spa::api::{ApiError, ApiRequest};
    /// use djoser_auth_spa::session::SessionManager;
    /// use std::rc::Rc;
    ///
    /// #[derive(serde::Deserialize)]
    /// struct Note {
    ///     id: u64,
    ///     text: String,
    /// }
    ///
    /// async fn notes(manager: &Rc<SessionManager>) -> Result<Vec<Note>, ApiError> {
    ///     manager.send(&ApiRequest::get("/api/notes/")).await
    /// }
    /// ```
    pub async fn send<T: DeserializeOwned>(
        self: &Rc<Self>,
        request: &ApiRequest,
    ) -> Result<T, ApiError> {
        let (status, text) = self.send_for_text(request).await?;
        api::read_answer(status, &text)
    }

    async fn send_for_text(
        self: &Rc<Self>,
        request: &ApiRequest,
    ) -> Result<(u16, String), ApiError> {
        self.authorized(|token| async move { request.send_with(&token).await })
            .await
    }

    /// Whether `users/me/` answered here within the last minute.
    pub fn profile_is_fresh(&self) -> bool {
        self.profile_fetched_at
            .get()
            .is_some_and(|at| now() - at < PROFILE_FRESH_SECS)
    }

    /// Keeps the profile shown (and stored) up to date after `users/me/`. Changes only the
    /// user: tokens another tab stored meanwhile are kept, never written over with older ones,
    /// and a session another tab ended isn't stored again.
    pub fn update_user(self: &Rc<Self>, user: User) {
        self.profile_fetched_at.set(Some(now()));
        let Some(mine) = self.current() else {
            return;
        };
        let tokens_from = match store::load(now()) {
            Loaded::Session(stored) if stored.is_newer_than(&mine) => Rc::new(*stored),
            Loaded::Nothing | Loaded::Discarded(_)
                if self.persistent && !self.store_behind.get() =>
            {
                // Signed out in another tab; its `storage` event ends this one's session.
                return self.adopt_stored(true);
            }
            _ => mine.clone(),
        };
        if mine.user == user && Rc::ptr_eq(&tokens_from, &mine) {
            return;
        }
        let session = Session {
            user,
            ..(*tokens_from).clone()
        };
        if let Some(text) = session.stored().filter(|_| self.persistent) {
            self.store_behind.set(!store::save(&text));
        }
        let next = if Rc::ptr_eq(&tokens_from, &mine) {
            self.phase.borrow().with_session(Rc::new(session))
        } else {
            Phase::SignedIn(Rc::new(session))
        };
        self.transition(next, "profile updated");
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
        if self.take_elsewhere(&session).await {
            return;
        }
        let outcome = api::jwt_refresh(&session.refresh_token).await;
        let refreshed = outcome.and_then(|tokens| {
            session
                .refreshed(tokens, now())
                .map_err(|_| ApiError::Unexpected { status: 200 })
        });
        // Signed out, or signed in anew, in this tab meanwhile: the answer is for a session
        // that's gone; its new refresh token must not outlive it.
        if self.current().map(|s| s.refresh_token.clone()) != Some(session.refresh_token.clone()) {
            if let Ok(next) = &refreshed {
                revoke_if_rotated(next, &session);
            }
            return;
        }
        match refreshed {
            Ok(next) => {
                // Compare-and-set: stored only if no other tab moved on meanwhile (without Web
                // Locks two tabs may refresh at once, and a sign-out doesn't wait).
                match self.elsewhere(&session).await {
                    Elsewhere::Unchanged => self.keep(next, "refreshed").await,
                    moved_on => {
                        revoke_if_rotated(&next, &session);
                        self.take(moved_on, &session);
                    }
                }
            }
            Err(error) if error.is_rejection() => {
                // Refused: but another tab may have refreshed meanwhile and stored newer tokens
                // (in either store), or be about to. Take those rather than signing every tab out.
                if !self.wait_for_elsewhere(&session).await {
                    if self.persistent {
                        store::clear();
                        latest::write(None).await;
                    }
                    self.transition(
                        Phase::SignedOut(SignedOutReason::Expired),
                        "the refresh was refused",
                    );
                }
            }
            // Server down, 5xx, throttled, garbled: keep the session and try again later.
            Err(_) => {
                // Bound first: the phase must not stay borrowed while `transition` writes it.
                let next = self.phase.borrow().unreachable(now());
                if let Some(next) = next {
                    self.transition(next, "no server for the refresh");
                }
            }
        }
    }
}

/// A refresh answer that won't be kept: its new refresh token is revoked, so that it can't
/// sign anyone back in.
fn revoke_if_rotated(next: &Session, used: &Session) {
    if next.refresh_token != used.refresh_token {
        api::revoke_refresh_token(&next.refresh_token);
    }
}
