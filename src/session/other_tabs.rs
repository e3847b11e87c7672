//! What the other tabs did, taken into this one: through the record's copy when another tab
//! writes it (its `storage` event), and through the agreed record when the page comes back
//! (shown, restored from the back-forward cache, online, unfrozen), which may have slept
//! through all of it.

use std::rc::Rc;

use gloo_events::EventListener;
use gloo_timers::callback::Timeout;
use wasm_bindgen_futures::spawn_local;

use super::manager::SessionManager;
use super::phase::Phase;
use super::record::Read;
use super::shared::NewerVersion;
use super::{revocations, shared};
use crate::clock::now;

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

impl SessionManager {
    /// Brings this tab in line with the agreed record `read`: newer tokens or a saved profile
    /// of its sign-in, a sign-out, or another sign-in (reached through signed-out, so that
    /// every page built on the previous user is torn down first).
    pub(super) fn reconcile(&self, read: &Read, why: &str) {
        let next = {
            let mut seen = self.ended_seen.borrow_mut();
            let next = self.phase().reconciled(read, &seen, now());
            for sign_in in &read.record.ended {
                if !seen.contains(sign_in) {
                    seen.push(sign_in.clone());
                }
            }
            next
        };
        let Some(next) = next else {
            return;
        };
        let another_sign_in = matches!(next, Phase::SignedOut(_)) && read.record.session.is_some();
        self.transition(next, why);
        if another_sign_in {
            // Taken once the signed-out page has been drawn (a timer runs after the render),
            // read anew: the timer may fire late (a hidden, frozen or cached page), after that
            // sign-in has ended too.
            let me = self.me.clone();
            Timeout::new(0, move || {
                if let Some(this) = me.upgrade() {
                    this.take_copy();
                }
            })
            .forget();
        }
    }

    /// A newer version of the app stored the session in a shape this one can't read: its
    /// sign-outs would go unseen here, so this tab lets go of its session, touching nothing
    /// stored (a sign-in or sign-out made here, by hand, still takes the stores over).
    pub(super) fn let_go_for_a_newer_version(&self) {
        // Bound first: the phase must not stay borrowed while `transition` writes it.
        let Some(next) = self.phase().superseded() else {
            return;
        };
        self.transition(next, "a newer version of the app took the session over");
    }

    /// Brings this tab in line with what [`shared::read`] found.
    pub(super) fn take_read(&self, read: Result<Option<Read>, NewerVersion>, why: &str) {
        match read {
            Ok(Some(read)) => self.reconcile(&read, why),
            Ok(None) => {}
            Err(NewerVersion) => self.let_go_for_a_newer_version(),
        }
    }

    /// Another tab changed the record: its copy says how (or, where the copy couldn't be
    /// written, the record itself).
    pub(super) fn take_copy(self: &Rc<Self>) {
        match shared::read_copy(now()) {
            Ok(read) => self.reconcile(&read, "another tab changed the session"),
            Err(_) => {
                let this = self.clone();
                spawn_local(async move {
                    let read = shared::read(now()).await;
                    this.take_read(read, "another tab changed the session");
                });
            }
        }
    }

    /// The page is back: timers may have slept through the refresh point and other tabs may
    /// have moved on. Send the revocations still kept (their own task: a slow server doesn't
    /// hold the refresh back), take what the other tabs stored, and refresh now if it is due (or
    /// was failing for want of a network).
    pub(super) fn catch_up(self: &Rc<Self>) {
        self.take_copy();
        spawn_local(revocations::send_kept());
        let this = self.clone();
        spawn_local(async move {
            let read = shared::read(now()).await;
            this.take_read(read, "caught up with the other tabs");
            if this.phase().refresh_due(now()) {
                drop(this.refresh());
            }
        });
    }
}
