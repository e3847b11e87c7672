//! The refresh: one per tab at a time (joined by every caller), one per browser at a time (the
//! shared lock), stored only onto the copy it came from, and what follows a refusal or no answer.

use std::rc::Rc;

use futures::future::{FutureExt, LocalBoxFuture, Shared};
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen_futures::spawn_local;

use super::super::lock::with_lock;
use super::super::phase::Phase;
use super::super::record;
use super::super::revocations;
use super::super::shared::{self, Updated};
use super::super::state::{Session, SignedOutReason};
use super::super::timing::{REFUSAL_PATIENCE_MS, REFUSAL_PATIENCE_STEP_MS};
use super::SessionManager;
use crate::api::{self, ApiError};
use crate::clock::now;

impl SessionManager {
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
            with_lock(&shared::name("refresh"), |locked| {
                this.refresh_holding_lock(stale, locked)
            })
            .await;
            this.in_flight.borrow_mut().take();
        }
        .boxed_local()
        .shared();
        *self.in_flight.borrow_mut() = Some(refresh.clone());
        // Driven here so that it completes even if no caller awaits it (the timer).
        spawn_local(refresh.clone());
        refresh
    }

    /// `locked`: whether this tab holds the refresh lock (no other tab refreshes meanwhile).
    async fn refresh_holding_lock(self: &Rc<Self>, stale: Option<Rc<Session>>, locked: bool) {
        let moved_on = |this: &Self| {
            this.current().map(|s| s.access_token.clone())
                != stale.as_ref().map(|s| s.access_token.clone())
        };
        // Another tab may have refreshed (or signed out) while this one waited for the lock:
        // its answer is stored before it let the lock go.
        // A newer version of the app may have taken the session over (its storage event
        // missed, or its copy not written): then this tab lets go instead.
        if !moved_on(self) {
            let read = shared::read(now()).await;
            self.take_read(read, "another tab refreshed or signed out");
        }
        let Some(mine) = self.current().filter(|_| !moved_on(self)) else {
            return;
        };
        let outcome = api::jwt_refresh(&mine.refresh_token)
            .await
            .and_then(|tokens| {
                mine.refreshed(tokens, now())
                    .map_err(|_| ApiError::BadToken)
            });
        match outcome {
            Ok(next) => {
                let new_token = next.refresh_token.clone();
                let updated = shared::update(
                    {
                        let mine = mine.clone();
                        move |current| record::refreshed(current, &mine, next.clone())
                    },
                    now(),
                )
                .await;
                // Not stored: someone moved on meanwhile. Unless this sign-in lives on (then the
                // token is of its own family), the new refresh token must not outlive it.
                if let Updated::Unchanged(current) = &updated {
                    let lives_on = current
                        .as_ref()
                        .is_some_and(|read| read.record.session_of(&mine.sign_in).is_some());
                    if !lives_on && new_token != mine.refresh_token {
                        spawn_local(revocations::send_now(vec![new_token]));
                    }
                }
                self.apply(updated, "refreshed");
            }
            Err(error) if error.ends_session() => self.refused(&mine, locked).await,
            // Server down, 5xx, throttled, a gateway's odd answer: keep the session and try
            // again later.
            Err(error) => {
                let retry_after = match error {
                    ApiError::Throttled { retry_after } => retry_after,
                    _ => None,
                };
                // Bound first: the phase must not stay borrowed while `transition` writes it.
                let next =
                    self.phase
                        .borrow()
                        .unreachable(now(), js_sys::Math::random(), retry_after);
                if let Some(next) = next {
                    self.transition(next, "no server for the refresh");
                }
            }
        }
    }

    /// The server refused `mine` for good. Refreshing without the lock, another tab may have
    /// refreshed with the same token a moment earlier (the server refuses the second): its
    /// answer may still be on its way, so wait a little for it before ending the sign-in.
    async fn refused(self: &Rc<Self>, mine: &Rc<Session>, locked: bool) {
        let patience = if locked { 0 } else { REFUSAL_PATIENCE_MS };
        let mut waited = 0;
        loop {
            let updated = shared::update(
                {
                    let mine = mine.clone();
                    move |current| record::refused(current, &mine)
                },
                now(),
            )
            .await;
            let Updated::Unchanged(Some(read)) = updated else {
                break;
            };
            // Stored newer tokens of this sign-in are taken; a tombstone ends it here.
            self.reconcile(&read, "another tab refreshed or signed out");
            if self
                .current()
                .is_none_or(|s| s.refresh_token != mine.refresh_token)
            {
                return;
            }
            if waited >= patience {
                break;
            }
            TimeoutFuture::new(REFUSAL_PATIENCE_STEP_MS).await;
            waited += REFUSAL_PATIENCE_STEP_MS;
        }
        if self.current().is_some_and(|s| s.sign_in == mine.sign_in) {
            self.transition(
                Phase::SignedOut(SignedOutReason::Expired),
                "the refresh was refused",
            );
        }
    }
}
