//! The session's one piece of state, as a state machine. Pure: no browser calls, so every
//! transition's effect on what the UI sees and on when the next refresh runs is unit-tested.

use std::rc::Rc;

use super::record::Read;
use super::state::{Session, SessionState, SignedOutReason};
use super::timing::{MAX_RETRY_DELAY_SECS, MIN_RETRY_DELAY_SECS};

/// Where the session stands. `SessionManager::transition` is the only writer.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    SignedOut(SignedOutReason),
    /// Started with a stored session whose access token had lapsed; refreshing it before use.
    Restoring(Rc<Session>),
    SignedIn(Rc<Session>),
    /// The last refresh (the `failures`-th in a row) found no server; it is retried at
    /// `retry_at`, after a growing delay, and the session stays usable meanwhile.
    Reconnecting {
        session: Rc<Session>,
        failures: u32,
        retry_at: f64,
    },
}

impl Phase {
    /// The phase a page load starts in, from what storage held.
    pub fn loaded(session: Option<Session>, reason: SignedOutReason, now: f64) -> Phase {
        match session {
            Some(session) if !session.access_usable(now) => Phase::Restoring(Rc::new(session)),
            Some(session) => Phase::SignedIn(Rc::new(session)),
            None => Phase::SignedOut(reason),
        }
    }

    /// The tokens this tab holds, in whichever signed-in phase.
    pub fn session(&self) -> Option<&Rc<Session>> {
        match self {
            Phase::SignedOut(_) => None,
            Phase::Restoring(session)
            | Phase::SignedIn(session)
            | Phase::Reconnecting { session, .. } => Some(session),
        }
    }

    /// What the UI renders from.
    pub fn state(&self) -> SessionState {
        match self {
            Phase::SignedOut(reason) => SessionState::SignedOut(*reason),
            Phase::Restoring(_) => SessionState::Restoring,
            Phase::SignedIn(session) | Phase::Reconnecting { session, .. } => {
                SessionState::SignedIn(session.clone())
            }
        }
    }

    /// The access token can be handed out as it is (not while restoring: it has lapsed).
    pub fn usable_access_token(&self, now: f64) -> Option<&str> {
        match self {
            Phase::SignedIn(session) | Phase::Reconnecting { session, .. }
                if session.access_usable(now) =>
            {
                Some(&session.access_token)
            }
            _ => None,
        }
    }

    /// The same phase with `session` in place of its own (a profile change: same tokens).
    pub fn with_session(&self, session: Rc<Session>) -> Phase {
        match self {
            Phase::Reconnecting {
                failures, retry_at, ..
            } => Phase::Reconnecting {
                session,
                failures: *failures,
                retry_at: *retry_at,
            },
            Phase::Restoring(_) => Phase::Restoring(session),
            Phase::SignedIn(_) | Phase::SignedOut(_) => Phase::SignedIn(session),
        }
    }

    /// When the next refresh runs (local Unix seconds), if one is to run at all.
    pub fn refresh_at(&self) -> Option<f64> {
        match self {
            Phase::SignedOut(_) => None,
            Phase::Restoring(session) | Phase::SignedIn(session) => Some(session.refresh_due_at()),
            Phase::Reconnecting { retry_at, .. } => Some(*retry_at),
        }
    }

    /// What this tab becomes, given the record the tabs agree on (`None`: nothing changes).
    ///
    /// Newer tokens or a saved profile of this sign-in are taken; a sign-out of it (its
    /// tombstone) ends it here. Another sign-in is never taken straight over this one: the tab
    /// passes through signed-out first, so every page built on the old user is torn down, and
    /// takes the new one on the next call. Only copies of a later generation count: a stale
    /// or failed copy never undoes what this tab holds. `seen_ended`: every sign-in this tab
    /// has seen end, never taken again.
    pub fn reconciled(&self, read: &Read, seen_ended: &[String], now: f64) -> Option<Phase> {
        let record = &read.record;
        let newer = |mine: &Session| record.generation > mine.generation;
        // Ended there, or in a record this tab read before (a copy is written once IndexedDB
        // has committed, a moment behind it: read later, it can't bring a sign-in back).
        let ended = |sign_in: &str| {
            record.has_ended(sign_in) || seen_ended.iter().any(|seen| seen == sign_in)
        };
        let same_sign_in = |mine: &Session, stored: &Session| stored.sign_in == mine.sign_in;
        match (self.session(), &record.session) {
            // Newer tokens of this sign-in: taken even if this tab's own ran out while it slept
            // (another tab kept refreshing; with sliding rotation they outlive the first).
            (Some(mine), Some(stored))
                if same_sign_in(mine, stored)
                    && newer(mine)
                    && !(mine.refresh_expired(now) && stored.refresh_expired(now)) =>
            {
                let stored = Rc::new(stored.clone());
                Some(if stored.access_token == mine.access_token {
                    self.with_session(stored)
                } else {
                    // Still signed in, whatever this tab's clock makes of the new token: if it
                    // looks lapsed here, the timer refreshes at once; the page stays.
                    Phase::SignedIn(stored)
                })
            }
            // Its sign-in ran out while the page slept: nothing left to refresh with.
            (Some(mine), _) if mine.refresh_expired(now) => {
                Some(Phase::SignedOut(SignedOutReason::Expired))
            }
            (None, Some(stored)) => (!ended(&stored.sign_in) && !stored.refresh_expired(now))
                .then(|| Phase::loaded(Some(stored.clone()), SignedOutReason::NeverSignedIn, now)),
            (Some(mine), Some(stored)) if same_sign_in(mine, stored) => None,
            (Some(mine), _) if newer(mine) || ended(&mine.sign_in) => {
                let expired = read.dropped.is_some() || mine.refresh_expired(now);
                Some(Phase::SignedOut(if expired {
                    SignedOutReason::Expired
                } else {
                    SignedOutReason::SignedOut
                }))
            }
            _ => None,
        }
    }

    /// After a refresh at `now` that found no server: `Reconnecting`, one more failure counted,
    /// retried after a random share of the backoff (`random` in 0..1: clients that lost the
    /// server together don't come back together), and never before the server's `Retry-After`.
    pub fn unreachable(&self, now: f64, random: f64, retry_after: Option<u32>) -> Option<Phase> {
        let (session, failures) = match self {
            Phase::SignedOut(_) => return None,
            Phase::Restoring(session) | Phase::SignedIn(session) => (session, 1),
            Phase::Reconnecting {
                session, failures, ..
            } => (session, failures.saturating_add(1)),
        };
        Some(Phase::Reconnecting {
            session: session.clone(),
            failures,
            retry_at: now + retry_delay(failures, random, retry_after),
        })
    }

    /// Whether the refresh is due at `now`: its time has come, or it is being retried (the
    /// page is back, and so may the network be).
    pub fn refresh_due(&self, now: f64) -> bool {
        match self {
            Phase::SignedOut(_) => false,
            Phase::Reconnecting { .. } => true,
            Phase::Restoring(session) | Phase::SignedIn(session) => now >= session.refresh_due_at(),
        }
    }

    /// A newer version of the app took the stored session over (see
    /// [`SignedOutReason::Superseded`]); this tab can't follow it any more, so it lets go of
    /// its session (it can't see that version's sign-outs). A tab already signed out stays so.
    pub fn superseded(&self) -> Option<Phase> {
        self.session()
            .map(|_| Phase::SignedOut(SignedOutReason::Superseded))
    }

    /// A short name for the debug log.
    pub fn name(&self) -> &'static str {
        match self {
            Phase::SignedOut(SignedOutReason::NeverSignedIn) => "signed out (never signed in)",
            Phase::SignedOut(SignedOutReason::SignedOut) => "signed out",
            Phase::SignedOut(SignedOutReason::Expired) => "signed out (expired)",
            Phase::SignedOut(SignedOutReason::Superseded) => "signed out (a newer version)",
            Phase::Restoring(_) => "restoring",
            Phase::SignedIn(_) => "signed in",
            Phase::Reconnecting { .. } => "reconnecting",
        }
    }
}

/// Seconds until the retry after `failures` failures in a row: a random share (full jitter) of
/// 1, 2, 4, … capped at 30, at least half a second, and at least `retry_after`.
fn retry_delay(failures: u32, random: f64, retry_after: Option<u32>) -> f64 {
    let ceiling = 2f64
        .powi(failures.clamp(1, 8) as i32 - 1)
        .min(MAX_RETRY_DELAY_SECS);
    let jittered = (ceiling * random.clamp(0.0, 1.0)).max(MIN_RETRY_DELAY_SECS);
    jittered.max(f64::from(retry_after.unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::TokenPair;
    use crate::session::record::Record;
    use crate::session::token::tests::token;

    fn session(received_at: f64, lifetime: i64) -> Rc<Session> {
        let user = serde_json::from_str(r#"{"id":1,"email":"a@example.com"}"#).unwrap();
        let tokens = TokenPair {
            access: token(5_000, 5_000 + lifetime),
            refresh: token(5_000, 5_000 + 86_400),
        };
        Rc::new(Session::new(user, tokens, received_at, "a".into()).unwrap())
    }

    #[test]
    fn a_load_with_a_lapsed_access_token_restores_first() {
        let stored = (*session(1_000.0, 300)).clone();
        assert!(matches!(
            Phase::loaded(
                Some(stored.clone()),
                SignedOutReason::NeverSignedIn,
                1_100.0
            ),
            Phase::SignedIn(_)
        ));
        let restoring = Phase::loaded(Some(stored), SignedOutReason::NeverSignedIn, 1_299.0);
        assert!(matches!(restoring, Phase::Restoring(_)));
        assert_eq!(restoring.state(), SessionState::Restoring);
        assert_eq!(restoring.usable_access_token(1_299.0), None);
        assert_eq!(
            Phase::loaded(None, SignedOutReason::Expired, 0.0),
            Phase::SignedOut(SignedOutReason::Expired)
        );
    }

    #[test]
    fn a_newer_version_taking_the_session_over_ends_it_here_alone() {
        let superseded = Phase::SignedOut(SignedOutReason::Superseded);
        assert_eq!(
            Phase::SignedIn(session(1_000.0, 300)).superseded(),
            Some(superseded.clone())
        );
        assert_eq!(
            Phase::Restoring(session(1_000.0, 300)).superseded(),
            Some(superseded)
        );
        assert_eq!(
            Phase::SignedOut(SignedOutReason::SignedOut).superseded(),
            None
        );
    }

    #[test]
    fn the_refresh_runs_a_minute_before_expiry_and_never_when_signed_out() {
        let signed_in = Phase::SignedIn(session(1_000.0, 300));
        assert_eq!(signed_in.refresh_at(), Some(1_240.0));
        assert!(!signed_in.refresh_due(1_239.0));
        assert!(signed_in.refresh_due(1_240.0));
        let signed_out = Phase::SignedOut(SignedOutReason::SignedOut);
        assert_eq!(signed_out.refresh_at(), None);
        assert!(!signed_out.refresh_due(f64::MAX));
        assert_eq!(signed_out.unreachable(0.0, 1.0, None), None);
    }

    #[test]
    fn a_missing_server_backs_off_and_keeps_the_session_usable() {
        let signed_in = Phase::SignedIn(session(1_000.0, 300));
        let once = signed_in.unreachable(1_240.0, 1.0, None).unwrap();
        assert_eq!(once.refresh_at(), Some(1_241.0));
        let twice = once.unreachable(1_241.0, 1.0, None).unwrap();
        assert!(matches!(twice, Phase::Reconnecting { failures: 2, .. }));
        assert_eq!(twice.refresh_at(), Some(1_243.0));
        assert_eq!(twice.session(), signed_in.session());
        assert_eq!(twice.state(), signed_in.state());
        assert_eq!(
            twice.usable_access_token(1_100.0),
            signed_in.usable_access_token(1_100.0)
        );
        // Retried at once when the page comes back, whatever the timer says.
        assert!(twice.refresh_due(0.0));
        let delays: Vec<f64> = (1..=10).map(|n| retry_delay(n, 1.0, None)).collect();
        assert_eq!(&delays[..6], &[1.0, 2.0, 4.0, 8.0, 16.0, 30.0]);
        assert!(delays.iter().all(|&d| d <= MAX_RETRY_DELAY_SECS));
        assert_eq!(retry_delay(u32::MAX, 1.0, None), MAX_RETRY_DELAY_SECS);
    }

    #[test]
    fn retries_are_spread_out_and_wait_for_retry_after() {
        assert_eq!(retry_delay(6, 0.5, None), 15.0);
        assert_eq!(retry_delay(6, 0.0, None), MIN_RETRY_DELAY_SECS);
        assert_eq!(retry_delay(1, f64::NAN.max(2.0), None), 1.0);
        assert_eq!(retry_delay(1, 0.5, Some(59)), 59.0);
        assert_eq!(retry_delay(9, 1.0, Some(3)), MAX_RETRY_DELAY_SECS);
    }

    fn read(session: Option<Session>, generation: u32, ended: &[&str]) -> Read {
        Read {
            record: Record {
                generation,
                session: session.map(|session| Session {
                    generation,
                    ..session
                }),
                ended: ended.iter().map(|s| s.to_string()).collect(),
                ..Record::empty("api")
            },
            dropped: None,
        }
    }

    fn at(session: &Rc<Session>, generation: u32) -> Rc<Session> {
        Rc::new(Session {
            generation,
            ..(**session).clone()
        })
    }

    #[test]
    fn a_tab_takes_newer_copies_of_its_sign_in_and_ignores_older_ones() {
        let mine = at(&session(1_000.0, 300), 3);
        let here = Phase::SignedIn(mine.clone());
        let older = read(Some((*session(900.0, 300)).clone()), 2, &[]);
        assert_eq!(here.reconciled(&older, &[], 1_000.0), None);
        let same = read(Some((*mine).clone()), 3, &[]);
        assert_eq!(here.reconciled(&same, &[], 1_000.0), None);
        let mut renamed = (*mine).clone();
        renamed.user.name = Some("A".into());
        let profile = read(Some(renamed.clone()), 4, &[]);
        let reconnecting = here.unreachable(1_000.0, 1.0, None).unwrap();
        // A saved profile keeps the phase (and its retry).
        assert!(matches!(
            reconnecting.reconciled(&profile, &[], 1_000.0),
            Some(Phase::Reconnecting { session, .. }) if session.user == renamed.user
        ));
        let refreshed = Session {
            access_token: token(6_000, 6_300),
            ..(*mine).clone()
        };
        let newer = read(Some(refreshed), 5, &[]);
        assert!(matches!(
            reconnecting.reconciled(&newer, &[], 1_000.0),
            Some(Phase::SignedIn(_))
        ));
    }

    #[test]
    fn another_user_is_never_shown_without_passing_through_signed_out() {
        let mine = at(&session(1_000.0, 300), 3);
        let here = Phase::SignedIn(mine.clone());
        let bob = Session {
            sign_in: "b".into(),
            ..(*session(1_100.0, 300)).clone()
        };
        let record = read(Some(bob), 5, &["a"]);
        let next = here.reconciled(&record, &[], 1_100.0).unwrap();
        assert_eq!(next, Phase::SignedOut(SignedOutReason::SignedOut));
        assert!(matches!(
            next.reconciled(&record, &[], 1_100.0),
            Some(Phase::SignedIn(s)) if s.sign_in == "b"
        ));
    }

    #[test]
    fn a_sign_in_that_ran_out_while_the_page_slept_ends_without_a_refresh() {
        let mine = at(&session(1_000.0, 300), 3);
        let here = Phase::SignedIn(mine.clone());
        let same = read(Some((*mine).clone()), 3, &[]);
        assert_eq!(
            here.reconciled(&same, &[], 1_000.0 + 86_400.0),
            Some(Phase::SignedOut(SignedOutReason::Expired))
        );
    }

    #[test]
    fn a_tab_asleep_past_its_own_refresh_token_takes_the_newer_one_of_its_sign_in() {
        // With sliding rotation (plain SimpleJWT) another tab's refreshes outlive the first
        // refresh token: waking, this tab takes them rather than flash "expired".
        let mine = at(&session(1_000.0, 300), 3);
        let here = Phase::SignedIn(mine.clone());
        let woke_at = 1_000.0 + 86_400.0;
        let kept_alive = Session {
            refresh_received_at: woke_at - 60.0,
            ..(*mine).clone()
        };
        let newer = read(Some(kept_alive.clone()), 5, &[]);
        assert_eq!(
            here.reconciled(&newer, &[], woke_at),
            Some(Phase::SignedIn(at(&Rc::new(kept_alive), 5)))
        );
        // Both run out: nothing left to refresh with.
        let ran_out_too = read(Some((*mine).clone()), 5, &[]);
        assert_eq!(
            here.reconciled(&ran_out_too, &[], woke_at),
            Some(Phase::SignedOut(SignedOutReason::Expired))
        );
    }

    #[test]
    fn a_copy_from_before_a_tombstone_this_tab_has_seen_is_never_adopted() {
        // Tab B signed out at generation 3; this tab read it (from IndexedDB), then reads the
        // copy, still at generation 2 (written once IndexedDB's commit is heard: storm seed
        // 37022, where the signed-out user came back at every such read).
        let mine = at(&session(1_000.0, 300), 2);
        let seen = vec!["a".to_string()];
        let signed_out = Phase::SignedOut(SignedOutReason::SignedOut);
        let stale_copy = read(Some((*mine).clone()), 2, &[]);
        assert_eq!(signed_out.reconciled(&stale_copy, &seen, 1_000.0), None);
        assert!(signed_out.reconciled(&stale_copy, &[], 1_000.0).is_some());
        // Another sign-in, even of a record begun anew (site data cleared), is taken.
        let other = Session {
            sign_in: "b".into(),
            ..(*mine).clone()
        };
        let anew = read(Some(other), 1, &[]);
        assert!(matches!(
            signed_out.reconciled(&anew, &seen, 1_000.0),
            Some(Phase::SignedIn(_))
        ));
    }

    #[test]
    fn a_tombstone_ends_its_sign_in_and_is_never_adopted() {
        let mine = at(&session(1_000.0, 300), 3);
        let here = Phase::SignedIn(mine.clone());
        let out = read(None, 4, &["a"]);
        assert_eq!(
            here.reconciled(&out, &[], 1_000.0),
            Some(Phase::SignedOut(SignedOutReason::SignedOut))
        );
        let out_then_stale = read(Some((*mine).clone()), 9, &["a"]);
        let signed_out = Phase::SignedOut(SignedOutReason::SignedOut);
        assert_eq!(signed_out.reconciled(&out_then_stale, &[], 1_000.0), None);
        // An older empty copy (a write this tab made that another store missed) changes nothing.
        assert_eq!(here.reconciled(&read(None, 2, &[]), &[], 1_000.0), None);
    }
}
