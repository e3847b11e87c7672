//! The session engine: one place that signs in, signs out, refreshes on a timer and hands out
//! fresh access tokens. The Yew provider only renders what it says.
//!
//! Its state is one [`Phase`], written only by `SessionManager::transition`, which also arms
//! the one refresh timer and tells the UI. Every change that other tabs must see is one atomic
//! step on the shared record (`shared::update`, deciding with the pure functions of `record`);
//! what other tabs did reaches this one through `reconcile` (`other_tabs`).

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use futures::future::{select, LocalBoxFuture, Shared};
use gloo_events::EventListener;
use gloo_timers::callback::Timeout;
use gloo_timers::future::TimeoutFuture;
use serde::de::DeserializeOwned;
use wasm_bindgen_futures::spawn_local;

use super::other_tabs::listen_for_wake;
use super::phase::Phase;
use super::profile_freshness;
use super::record::{self, Read};
use super::revocations;
use super::shared::{self, Updated};
use super::state::{Session, SessionState, SignedOutReason, StoredSessionError};
use super::timing::REVOCATION_PATIENCE_MS;
use crate::api::{self, ApiError, ApiRequest, TokenPair, User};
use crate::clock::now;

mod refresh;

/// A profile fetched this recently isn't fetched again (the dashboard right after sign-in).
/// Signs in and out, keeps the access token fresh, and shares all of it with the other tabs.
/// Pages reach it as `use_session().manager`.
pub struct SessionManager {
    /// For the timer's callback, which must not keep the manager alive.
    pub(super) me: Weak<SessionManager>,
    phase: RefCell<Phase>,
    /// The browser lets the session outlive this tab (site storage isn't blocked).
    persistent: bool,
    /// A sign-out is under way (waiting for the server to confirm the revocation).
    signing_out: Cell<bool>,
    /// The one refresh under way, which every caller awaits instead of starting another.
    in_flight: RefCell<Option<Shared<LocalBoxFuture<'static, ()>>>>,
    timer: RefCell<Option<Timeout>>,
    /// Other tabs' storage writes, and the page coming back (shown, restored, online).
    listeners: RefCell<Vec<EventListener>>,
    on_change: RefCell<Option<Box<dyn Fn()>>>,
    /// Every sign-in this tab has seen end, in any record it read (`Phase::reconciled`).
    pub(super) ended_seen: RefCell<Vec<String>>,
}

/// A new sign-in's id: random, never reused.
fn new_sign_in_id() -> String {
    let part = || (js_sys::Math::random() * f64::from(u32::MAX)) as u32;
    format!("{:08x}{:08x}{:08x}", part(), part(), part())
}

/// Waits for `work` at most `ms`. A request given up on still goes on; a revocation stays kept
/// until it has been answered.
async fn within(ms: u32, work: LocalBoxFuture<'static, ()>) {
    select(work, TimeoutFuture::new(ms)).await;
}

/// Copies this tab reads from now on are dated by the clock its session shows (`clock.rs`).
fn note_clock(phase: &Phase) {
    if let Some(session) = phase.session() {
        crate::clock::set_server_offset(session.clock_offset(), session.generation);
    }
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
        // The localStorage copy, at once; the agreed record follows in `attach`.
        let (session, reason) = match shared::read_copy(now) {
            Ok(Read {
                record,
                dropped: Some(StoredSessionError::Expired),
            }) if record.session.is_none() => (None, SignedOutReason::Expired),
            Ok(read) => (read.record.session, SignedOutReason::NeverSignedIn),
            Err(_) => (None, SignedOutReason::NeverSignedIn),
        };
        SessionManager::with(Phase::loaded(session, reason, now), shared::available())
    }

    fn with(phase: Phase, persistent: bool) -> Rc<SessionManager> {
        note_clock(&phase);
        Rc::new_cyclic(|me| SessionManager {
            me: me.clone(),
            phase: RefCell::new(phase),
            persistent,
            signing_out: Cell::new(false),
            in_flight: RefCell::new(None),
            timer: RefCell::new(None),
            listeners: RefCell::new(Vec::new()),
            on_change: RefCell::new(None),
            ended_seen: RefCell::default(),
        })
    }

    /// Starts the refresh timer and listens to other tabs and to the page coming back;
    /// `on_change` re-renders the UI.
    pub fn attach(self: &Rc<Self>, on_change: impl Fn() + 'static) {
        *self.on_change.borrow_mut() = Some(Box::new(on_change));
        let this = Rc::downgrade(self);
        let mut listeners: Vec<EventListener> = shared::listen(move || {
            if let Some(this) = this.upgrade() {
                this.take_copy();
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
        // The copy read at load may lag the agreed record; and revocations may be waiting.
        self.catch_up();
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
        note_clock(&next);
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

    /// Applies what an atomic step left stored: this tab's change, or what another tab did.
    pub(super) fn apply(&self, updated: Updated, why: &str) {
        match updated {
            Updated::Written(record) | Updated::Refused(record) => self.reconcile(
                &Read {
                    record,
                    dropped: None,
                },
                why,
            ),
            Updated::Unchanged(Some(read)) => self.reconcile(&read, "another tab moved on"),
            Updated::Unchanged(None) => {}
        }
    }

    /// Signs in with Djoser's login field (email or username) and password.
    pub async fn sign_in(self: &Rc<Self>, login: &str, password: &str) -> Result<(), ApiError> {
        let tokens = api::jwt_create(login, password).await?;
        self.sign_in_with_tokens(tokens).await
    }

    /// Takes a sign-in's first tokens (from `jwt/create/`, or a social provider's callback):
    /// reads the profile, stores the session for every tab and starts its timer. If that
    /// fails, the refresh token just issued is revoked: no sign-in is left alive unseen.
    pub async fn sign_in_with_tokens(self: &Rc<Self>, tokens: TokenPair) -> Result<(), ApiError> {
        let session = match api::me().send_with(&tokens.access).await.and_then(|user| {
            Session::new(user, tokens.clone(), now(), new_sign_in_id())
                .map_err(|_| ApiError::BadToken)
        }) {
            Ok(session) => session,
            Err(error) => {
                spawn_local(revocations::send_now(vec![tokens.refresh]));
                return Err(error);
            }
        };
        profile_freshness::profile_read();
        let replaced = Rc::new(RefCell::new(None));
        let updated = shared::update(
            {
                let replaced = replaced.clone();
                move |current| {
                    *replaced.borrow_mut() =
                        current.session.as_ref().map(|s| s.refresh_token.clone());
                    record::signed_in(current, session.clone())
                }
            },
            now(),
        )
        .await;
        // A sign-in it replaced (another tab's, of another user) is over.
        if let Some(token) = replaced.take() {
            spawn_local(revocations::send_now(vec![token]));
        }
        self.apply(updated, "signed in");
        Ok(())
    }

    /// Ends the session in every tab, for good. The revocation goes out first, before any
    /// storage wait, and is kept until the server has answered it; the tombstone is stored once
    /// it has (or after a short wait without a network: the kept revocation is sent again when
    /// back online), so that no tab shows the sign-in page while a refresh token of this
    /// sign-in still works.
    pub fn sign_out(self: &Rc<Self>) {
        let Some(mine) = self.current() else {
            return;
        };
        if self.signing_out.replace(true) {
            return;
        }
        let revoked = revocations::send_now(vec![mine.refresh_token.clone()]);
        let this = self.clone();
        spawn_local(async move {
            within(REVOCATION_PATIENCE_MS, revoked).await;
            // Another tab's refresh may have stored a newer token of this sign-in meanwhile.
            let late = Rc::new(RefCell::new(None));
            let updated = shared::update(
                {
                    let (late, mine) = (late.clone(), mine.clone());
                    move |current| {
                        *late.borrow_mut() = current
                            .session_of(&mine.sign_in)
                            .map(|s| s.refresh_token.clone())
                            .filter(|token| *token != mine.refresh_token);
                        record::signed_out(current, &mine.sign_in)
                    }
                },
                now(),
            )
            .await;
            if let Some(token) = late.take() {
                within(REVOCATION_PATIENCE_MS, revocations::send_now(vec![token])).await;
            }
            this.signing_out.set(false);
            this.apply(updated, "signed out here");
            // Storage refused or missing: this tab signs out all the same.
            if this.current().is_some_and(|s| s.sign_in == mine.sign_in) {
                this.transition(
                    Phase::SignedOut(SignedOutReason::SignedOut),
                    "signed out here",
                );
            }
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

    /// Calls your own API (or one of Djoser's endpoints for the signed-in user, such as
    /// [`api::me`]) with this session's access token, and reads the JSON answer as `T`.
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

    /// [`send`](Self::send) up to the answer's text: not generic, so compiled once. If the
    /// server still calls the token invalid (revoked, or clocks apart), refreshes once and
    /// tries again.
    async fn send_for_text(
        self: &Rc<Self>,
        request: &ApiRequest,
    ) -> Result<(u16, String), ApiError> {
        let token = self.access_token().await?;
        match request.send_for_text(&token).await {
            Err(error) if error.is_invalid_token() => {
                if self.current().is_some_and(|s| s.access_token == token) {
                    self.refresh().await;
                }
                request.send_for_text(&self.access_token().await?).await
            }
            result => result,
        }
    }

    /// Keeps the profile shown (and stored) up to date after `users/me/`: saved only onto the
    /// same user's same sign-in, whatever tokens it holds by now. A profile of another user
    /// (an answer that arrives after someone else signed in) is dropped.
    pub fn update_user(self: &Rc<Self>, user: User) {
        profile_freshness::profile_read();
        let Some(mine) = self.current() else {
            return;
        };
        if mine.user == user || mine.user.id != user.id {
            return;
        }
        let this = self.clone();
        spawn_local(async move {
            let sign_in = mine.sign_in.clone();
            let updated = shared::update(
                move |current| record::profile_saved(current, &sign_in, user.clone()),
                now(),
            )
            .await;
            this.apply(updated, "profile updated");
        });
    }
}
