//! What the other tabs did: read from the two stores, compared with this tab's session, and
//! taken when newer (new tokens, a new sign-in, a saved profile, a sign-out). Also when the page
//! comes back (shown, restored from the back-forward cache, online), which may have slept
//! through all of it.

use std::rc::Rc;

use gloo_events::EventListener;
use gloo_timers::future::TimeoutFuture;

use super::latest;
use super::manager::{now, SessionManager};
use super::phase::Phase;
use super::state::{Session, SignedOutReason, StoredSessionError};
use super::store::{self, Loaded};

/// How long a refused refresh waits for another tab's answer (6 × 500 ms) before it ends the
/// session: the other tab's refresh went out first, and its answer may still be on its way.
const REFUSAL_PATIENCE_CHECKS: u32 = 6;
const REFUSAL_PATIENCE_STEP_MS: u32 = 500;

/// What the other tabs did, as the stores tell it, compared with this tab's session.
pub(super) enum Elsewhere {
    /// Nothing newer: this tab's session is still the one stored (or can't be compared).
    Unchanged,
    /// Another tab refreshed or signed in since: its session.
    Newer(Box<Session>),
    /// Another tab signed out.
    SignedOut,
}

/// Calls `on_wake` when the page comes back: shown again (`visibilitychange`), shown from the
/// back-forward cache or anew (`pageshow`), back online (`online`), or unfrozen (`resume`).
pub(super) fn listen_for_wake(on_wake: impl Fn() + 'static) -> Vec<EventListener> {
    let Some(window) = web_sys::window() else {
        return Vec::new();
    };
    let on_wake = Rc::new(on_wake);
    let mut listeners = Vec::new();
    if let Some(document) = window.document() {
        let visible_document = document.clone();
        let when_visible = on_wake.clone();
        listeners.push(EventListener::new(
            &document,
            "visibilitychange",
            move |_| {
                if !visible_document.hidden() {
                    when_visible();
                }
            },
        ));
        // Unfrozen (Page Lifecycle: a discarded-then-resumed tab, a laptop waking), which need
        // not make the page visible again.
        let when_resumed = on_wake.clone();
        listeners.push(EventListener::new(&document, "resume", move |_| {
            when_resumed()
        }));
    }
    for event in ["pageshow", "online"] {
        let on_wake = on_wake.clone();
        listeners.push(EventListener::new(&window, event, move |_| on_wake()));
    }
    listeners
}

/// The session stored in IndexedDB: `Err` where it can't be read, `Ok(None)` if none is.
pub(super) async fn read_latest() -> Result<Option<Session>, latest::Unavailable> {
    Ok(latest::read()
        .await?
        .and_then(|text| Session::from_stored(&text, now()).ok()))
}

impl SessionManager {
    /// What the other tabs did since this tab got `mine`. localStorage goes first (the
    /// `storage` event's store); IndexedDB fills in where this tab's copy lags or its last
    /// write was refused.
    pub(super) async fn elsewhere(&self, mine: &Session) -> Elsewhere {
        if !self.persistent {
            return Elsewhere::Unchanged;
        }
        let stored = store::stored_session(now());
        let latest = read_latest().await;
        let newer = [
            stored.as_ref(),
            latest.as_ref().ok().and_then(Option::as_ref),
        ]
        .into_iter()
        .flatten()
        .filter(|other| other.is_newer_than(mine))
        .max_by(|a, b| a.access_received_at.total_cmp(&b.access_received_at))
        .cloned();
        if let Some(newer) = newer {
            return Elsewhere::Newer(Box::new(newer));
        }
        let signed_out = if self.store_behind.get() {
            matches!(latest, Ok(None))
        } else {
            stored.is_none()
        };
        if signed_out {
            Elsewhere::SignedOut
        } else {
            Elsewhere::Unchanged
        }
    }

    /// Takes what another tab stored: new tokens, a new sign-in, a profile saved, or a sign-out.
    /// An entry older than this tab's session is never taken (a write this tab failed to make
    /// leaves one).
    /// `told`: another tab's write announced it (a `storage` event), so a missing entry means
    /// a sign-out even if this tab's own last write was refused.
    pub(super) fn adopt_stored(self: &Rc<Self>, told: bool) {
        // No shared store (blocked): nothing another tab did can reach this one.
        if !self.persistent {
            return;
        }
        let mine = self.current();
        match store::load(now()) {
            Loaded::Session(stored) => match mine {
                Some(mine) if *stored == *mine => {}
                // The same tokens with a new profile (saved in another tab).
                Some(mine) if stored.access_token == mine.access_token => {
                    let next = self.phase().with_session(Rc::new(*stored));
                    self.transition(next, "another tab updated the profile");
                }
                Some(mine) if !stored.is_newer_than(&mine) => {}
                _ => {
                    self.store_behind.set(false);
                    self.transition(
                        Phase::SignedIn(Rc::new(*stored)),
                        "another tab stored a session",
                    );
                }
            },
            gone @ (Loaded::Nothing | Loaded::Discarded(_)) => {
                let Some(mine) = mine else {
                    return;
                };
                if matches!(gone, Loaded::Discarded(StoredSessionError::Expired)) {
                    // Its refresh token ran out (a laptop waking after its sign-in's lifetime).
                    self.transition(
                        Phase::SignedOut(SignedOutReason::Expired),
                        "the stored session expired",
                    );
                } else if told || !self.store_behind.get() {
                    self.transition(
                        Phase::SignedOut(ended_reason(&mine)),
                        "another tab signed out",
                    );
                }
            }
        }
    }

    /// The page is back (tab shown, restored from the back-forward cache, network back): timers
    /// may have slept through the refresh point and other tabs may have moved on. Take what they
    /// stored, and refresh now if it is due (or was failing for want of a network).
    pub(super) fn catch_up(self: &Rc<Self>) {
        self.adopt_stored(false);
        if self.phase().refresh_due(now()) {
            drop(self.refresh());
        }
    }

    /// After `mine` was refused: whether another tab moved on (and this one with it) within a
    /// few seconds. Without Web Locks two tabs can refresh with the same token at once; the
    /// server refuses the second, and the first one's answer may not be stored yet.
    pub(super) async fn wait_for_elsewhere(&self, mine: &Session) -> bool {
        for check in 0..=REFUSAL_PATIENCE_CHECKS {
            if check > 0 {
                TimeoutFuture::new(REFUSAL_PATIENCE_STEP_MS).await;
            }
            // A `storage` event may have brought the new session in meanwhile.
            let current = self.current();
            if current.is_none_or(|current| current.refresh_token != mine.refresh_token)
                || self.take_elsewhere(mine).await
            {
                return true;
            }
        }
        false
    }

    /// Takes what another tab did since `mine` (newer tokens, or a sign-out); false if nothing.
    pub(super) async fn take_elsewhere(&self, mine: &Session) -> bool {
        self.take(self.elsewhere(mine).await, mine)
    }

    pub(super) fn take(&self, elsewhere: Elsewhere, mine: &Session) -> bool {
        match elsewhere {
            Elsewhere::Unchanged => false,
            Elsewhere::Newer(newer) => {
                self.store_behind.set(false);
                self.transition(
                    Phase::SignedIn(Rc::new(*newer)),
                    "another tab refreshed or signed in",
                );
                true
            }
            Elsewhere::SignedOut => {
                self.transition(
                    Phase::SignedOut(ended_reason(mine)),
                    "another tab signed out",
                );
                true
            }
        }
    }
}

/// Why a session that vanished from storage ended: its refresh token ran out (the entry was
/// dropped as expired), or a sign-out.
fn ended_reason(mine: &Session) -> SignedOutReason {
    if mine.refresh_expired(now()) {
        SignedOutReason::Expired
    } else {
        SignedOutReason::SignedOut
    }
}
