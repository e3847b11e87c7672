//! The session's one piece of state, as a state machine. Pure: no browser calls, so every
//! transition's effect on what the UI sees and on when the next refresh runs is unit-tested.

use std::rc::Rc;

use super::state::{Session, SessionState, SignedOutReason};

/// Retry delays while the server can't be reached: 1, 2, 4, … up to 30 seconds.
const MAX_RETRY_DELAY_SECS: f64 = 30.0;

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

    /// After a refresh at `now` that found no server: `Reconnecting`, one more failure counted.
    pub fn unreachable(&self, now: f64) -> Option<Phase> {
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
            retry_at: now + retry_delay(failures),
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

    /// A short name for the debug log.
    pub fn name(&self) -> &'static str {
        match self {
            Phase::SignedOut(SignedOutReason::NeverSignedIn) => "signed out (never signed in)",
            Phase::SignedOut(SignedOutReason::SignedOut) => "signed out",
            Phase::SignedOut(SignedOutReason::Expired) => "signed out (expired)",
            Phase::Restoring(_) => "restoring",
            Phase::SignedIn(_) => "signed in",
            Phase::Reconnecting { .. } => "reconnecting",
        }
    }
}

/// Seconds until the retry after `failures` failures in a row: 1, 2, 4, … capped at 30.
fn retry_delay(failures: u32) -> f64 {
    2f64.powi(failures.clamp(1, 8) as i32 - 1)
        .min(MAX_RETRY_DELAY_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::TokenPair;
    use crate::session::token::tests::token;

    fn session(received_at: f64, lifetime: i64) -> Rc<Session> {
        let user = serde_json::from_str(r#"{"id":1,"email":"a@example.com"}"#).unwrap();
        let tokens = TokenPair {
            access: token(5_000, 5_000 + lifetime),
            refresh: token(5_000, 5_000 + 86_400),
        };
        Rc::new(Session::new(user, tokens, received_at).unwrap())
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
    fn the_refresh_runs_a_minute_before_expiry_and_never_when_signed_out() {
        let signed_in = Phase::SignedIn(session(1_000.0, 300));
        assert_eq!(signed_in.refresh_at(), Some(1_240.0));
        assert!(!signed_in.refresh_due(1_239.0));
        assert!(signed_in.refresh_due(1_240.0));
        let signed_out = Phase::SignedOut(SignedOutReason::SignedOut);
        assert_eq!(signed_out.refresh_at(), None);
        assert!(!signed_out.refresh_due(f64::MAX));
        assert_eq!(signed_out.unreachable(0.0), None);
    }

    #[test]
    fn a_missing_server_backs_off_and_keeps_the_session_usable() {
        let signed_in = Phase::SignedIn(session(1_000.0, 300));
        let once = signed_in.unreachable(1_240.0).unwrap();
        assert_eq!(once.refresh_at(), Some(1_241.0));
        let twice = once.unreachable(1_241.0).unwrap();
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
        let delays: Vec<f64> = (1..=10).map(retry_delay).collect();
        assert_eq!(&delays[..6], &[1.0, 2.0, 4.0, 8.0, 16.0, 30.0]);
        assert!(delays.iter().all(|&d| d <= MAX_RETRY_DELAY_SECS));
        assert_eq!(retry_delay(u32::MAX), MAX_RETRY_DELAY_SECS);
    }
}
