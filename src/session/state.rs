//! The session and the states the UI matches on. Pure: no browser calls.

use std::rc::Rc;

use serde::{Deserialize, Serialize};

use super::timing::{ACCESS_SAFETY_MARGIN_SECS, CLOCK_DISAGREEMENT_SECS};
use super::token::{decode_claims, refresh_due_at, TokenError};
use crate::api::{RefreshedTokens, TokenPair, User};

/// What a signed-in browser holds. Times named `*_at` are local Unix seconds, used only for
/// this tab's timers; nothing that orders tabs' copies depends on them (see `record`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub user: User,
    pub access_token: String,
    pub refresh_token: String,
    /// The access token's `exp` (server clock), as the NextAuth session had it.
    pub access_token_expires: i64,
    /// When the access token arrived here; with its server lifetime this gives a
    /// skew-free local expiry.
    pub access_received_at: f64,
    pub access_lifetime: i64,
    pub refresh_received_at: f64,
    pub refresh_lifetime: i64,
    /// This sign-in's id, random, kept through refreshes: tells a sign-in's later tokens from
    /// another sign-in's, and lets a sign-out's tombstone name it.
    pub sign_in: String,
    /// The stored record's generation this copy was written at (`record::Record`).
    pub generation: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SessionState {
    /// Started with a stored session whose access token had lapsed; refreshing it.
    Restoring,
    SignedIn(Rc<Session>),
    SignedOut(SignedOutReason),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignedOutReason {
    NeverSignedIn,
    /// The user signed out (here or in another tab).
    SignedOut,
    /// The server refused the refresh token: the user must sign in again.
    Expired,
    /// A newer version of the app (another tab on a newer deployment) stored the session in a
    /// shape this one can't read: this tab lets go of its own, touching nothing stored.
    Superseded,
}

/// Why a stored entry (or the session in it) isn't used.
#[derive(Clone, Debug, PartialEq)]
pub enum StoredSessionError {
    Unreadable,
    /// Written by an older version of the app: replaced by the next write.
    OldFormat,
    /// Written by a newer version of the app (another tab on a newer deployment): left alone.
    NewerFormat,
    /// Written for another API (another app on this origin): never used.
    OtherApi,
    BadToken(TokenError),
    Expired,
}

impl Session {
    /// A new sign-in's session; `sign_in` is its fresh random id.
    pub fn new(
        user: User,
        tokens: TokenPair,
        now: f64,
        sign_in: String,
    ) -> Result<Session, TokenError> {
        let access = decode_claims(&tokens.access)?;
        let refresh = decode_claims(&tokens.refresh)?;
        Ok(Session {
            user,
            access_token: tokens.access,
            refresh_token: tokens.refresh,
            access_token_expires: access.exp,
            access_received_at: now,
            access_lifetime: access.lifetime(),
            refresh_received_at: now,
            refresh_lifetime: refresh.lifetime(),
            sign_in,
            generation: 0,
        })
    }

    /// Whether both come from the same sign-in (one may be the other refreshed).
    pub fn same_sign_in(&self, other: &Session) -> bool {
        self.sign_in == other.sign_in
    }

    /// The session after `jwt/refresh/`: with rotation a new refresh token arrives too.
    pub fn refreshed(&self, tokens: RefreshedTokens, now: f64) -> Result<Session, TokenError> {
        let access = decode_claims(&tokens.access)?;
        let mut next = Session {
            access_token: tokens.access,
            access_token_expires: access.exp,
            access_received_at: now,
            access_lifetime: access.lifetime(),
            ..self.clone()
        };
        if let Some(refresh_token) = tokens.refresh {
            next.refresh_lifetime = decode_claims(&refresh_token)?.lifetime();
            next.refresh_token = refresh_token;
            next.refresh_received_at = now;
        }
        Ok(next)
    }

    pub fn refresh_due_at(&self) -> f64 {
        refresh_due_at(self.access_received_at, self.access_lifetime)
    }

    /// Whether the access token can still be sent as it is.
    pub fn access_usable(&self, now: f64) -> bool {
        now < self.access_received_at + self.access_lifetime as f64 - ACCESS_SAFETY_MARGIN_SECS
    }

    pub fn refresh_expired(&self, now: f64) -> bool {
        now >= self.refresh_received_at + self.refresh_lifetime as f64
    }

    /// This copy's clock minus the server's: when the access token arrived, less when the
    /// server issued it (`iat`, whole seconds).
    pub fn clock_offset(&self) -> f64 {
        self.access_received_at - (self.access_token_expires - self.access_lifetime) as f64
    }

    /// The copy dated by a clock `offset` seconds from the server's (this tab's, as its own
    /// session shows it), if the copy's clock disagrees by more than `CLOCK_DISAGREEMENT_SECS`.
    /// Tabs share the system clock, but one stepped between a write and a read (or a page's
    /// own `Date`) would make a new token look long lapsed (refreshed again at once), a fresh
    /// sign-in look expired (signed out), or a token look not yet arrived.
    fn dated_by(mut self, offset: f64) -> Session {
        let shift = offset - self.clock_offset();
        if shift.abs() > CLOCK_DISAGREEMENT_SECS {
            self.access_received_at += shift;
            self.refresh_received_at += shift;
        }
        self
    }

    /// A stored copy, checked: trusting nothing in it. `offset`: this tab's clock against the
    /// server's, where it knows it.
    pub fn checked(self, now: f64, offset: Option<f64>) -> Result<Session, StoredSessionError> {
        // The tokens must be what the stored lifetimes say they are.
        let access = decode_claims(&self.access_token).map_err(StoredSessionError::BadToken)?;
        let refresh = decode_claims(&self.refresh_token).map_err(StoredSessionError::BadToken)?;
        if access.lifetime() != self.access_lifetime
            || refresh.lifetime() != self.refresh_lifetime
            || !self.access_received_at.is_finite()
            || !self.refresh_received_at.is_finite()
        {
            return Err(StoredSessionError::Unreadable);
        }
        let mut session = match offset {
            Some(offset) => self.dated_by(offset),
            None => self,
        };
        // Written by a clock ahead of this one (a clock stepped back since, or another tab's
        // clock): dated from now. Treating the token as lapsed instead would make tabs with
        // different clocks refresh each other's tokens in turn; a token the server no longer
        // takes is refreshed at its first refusal (`SessionManager::send`).
        session.access_received_at = session.access_received_at.min(now);
        session.refresh_received_at = session.refresh_received_at.min(now);
        if session.refresh_expired(now) {
            return Err(StoredSessionError::Expired);
        }
        Ok(session)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::session::token::tests::{token, token_with};

    fn user() -> User {
        serde_json::from_str(r#"{"id":1,"email":"alice@example.com","name":"Alice"}"#).unwrap()
    }

    fn pair(lifetime: i64) -> TokenPair {
        TokenPair {
            access: token(5_000, 5_000 + lifetime),
            refresh: token(5_000, 5_000 + 86_400),
        }
    }

    /// A sign-in "a" at `received_at` with 300 s access tokens.
    pub(crate) fn session(received_at: f64) -> Session {
        Session::new(user(), pair(300), received_at, "a".into()).unwrap()
    }

    /// `session` refreshed at 400 with rotation: a new access and a new refresh token.
    pub(crate) fn rotated(session: &Session) -> Session {
        session
            .refreshed(
                RefreshedTokens {
                    access: token(6_000, 6_300),
                    refresh: Some(token(6_000, 6_000 + 86_400)),
                },
                400.0,
            )
            .unwrap()
    }

    #[test]
    fn a_copy_from_a_clock_that_disagrees_is_dated_by_this_tabs() {
        // This tab's clock: tokens the server issued at 5_000 arrived here at 1_000.
        let mine = session(1_000.0);
        let offset = mine.clock_offset();
        // The next ones, issued at 5_200, came to a tab whose clock is a day behind.
        let behind = Session {
            access_token: token(5_200, 5_500),
            access_token_expires: 5_500,
            access_received_at: 1_200.0 - 86_400.0,
            refresh_token: token(5_200, 5_200 + 86_400),
            refresh_received_at: 1_200.0 - 86_400.0,
            ..mine.clone()
        };
        // By the writer's dates its sign-in has run out; by this tab's clock it is fresh.
        assert_eq!(
            behind.clone().checked(1_201.0, None),
            Err(StoredSessionError::Expired)
        );
        let dated = behind.clone().checked(1_201.0, Some(offset)).unwrap();
        assert_eq!(dated.access_received_at, 1_200.0);
        assert_eq!(dated.refresh_received_at, 1_200.0);
        assert_eq!(
            dated.refresh_due_at(),
            1_440.0,
            "not refreshed again at once"
        );
        // An hour ahead: dated by this clock too, never after now.
        let ahead = Session {
            access_received_at: 1_200.0 + 3_600.0,
            refresh_received_at: 1_200.0 + 3_600.0,
            ..behind.clone()
        };
        let dated = ahead.checked(1_199.0, Some(offset)).unwrap();
        assert_eq!(dated.access_received_at, 1_199.0);
        // A few seconds apart (network time, whole-second `iat`): as it is.
        let near = Session {
            access_received_at: 1_203.0,
            refresh_received_at: 1_203.0,
            ..behind
        };
        let dated = near.checked(1_204.0, Some(offset)).unwrap();
        assert_eq!(dated.access_received_at, 1_203.0);
    }

    #[test]
    fn new_session_anchors_expiry_to_local_arrival() {
        // Browser clock far from the server's (5_000): only the lifetime counts.
        let session = session(1_000_000.0);
        assert_eq!(session.access_token_expires, 5_300);
        assert_eq!(session.refresh_due_at(), 1_000_240.0);
        assert!(session.access_usable(1_000_290.0));
        assert!(!session.access_usable(1_000_296.0));
    }

    #[test]
    fn refresh_rotates_both_tokens_or_keeps_the_old_refresh_and_the_sign_in() {
        let session = session(100.0);
        let rotated = rotated(&session);
        assert_ne!(rotated.refresh_token, session.refresh_token);
        assert_eq!(rotated.refresh_received_at, 400.0);
        assert_eq!(rotated.refresh_due_at(), 640.0);
        assert!(rotated.same_sign_in(&session));
        let kept = session
            .refreshed(
                RefreshedTokens {
                    access: token(6_000, 6_300),
                    refresh: None,
                },
                400.0,
            )
            .unwrap();
        assert_eq!(kept.refresh_token, session.refresh_token);
        assert_eq!(kept.refresh_received_at, 100.0);
        let again = Session::new(user(), pair(300), 500.0, "b".into()).unwrap();
        assert!(!again.same_sign_in(&rotated));
    }

    #[test]
    fn a_checked_copy_is_the_same_session() {
        let session = session(100.0);
        assert_eq!(session.clone().checked(200.0, None), Ok(session));
    }

    #[test]
    fn bad_stored_data_is_refused() {
        let good = session(100.0);
        let cases = [
            (
                Session {
                    access_token: "not-a-jwt".into(),
                    ..good.clone()
                },
                StoredSessionError::BadToken(TokenError::NotAJwt),
            ),
            (
                Session {
                    refresh_token: token_with(r#"{"iat":1}"#),
                    ..good.clone()
                },
                StoredSessionError::BadToken(TokenError::BadPayload),
            ),
            (
                Session {
                    access_lifetime: 5,
                    ..good.clone()
                },
                StoredSessionError::Unreadable,
            ),
            (
                Session {
                    access_received_at: f64::NAN,
                    ..good.clone()
                },
                StoredSessionError::Unreadable,
            ),
        ];
        for (session, expected) in cases {
            assert_eq!(
                session.clone().checked(200.0, None),
                Err(expected),
                "{session:?}"
            );
        }
    }

    #[test]
    fn expired_refresh_token_is_refused() {
        assert_eq!(
            session(100.0).checked(100.0 + 86_400.0, None),
            Err(StoredSessionError::Expired)
        );
    }

    #[test]
    fn a_copy_from_a_clock_ahead_is_dated_from_now() {
        let restored = session(10_000.0).checked(5_000.0, None).unwrap();
        assert_eq!(restored.access_received_at, 5_000.0);
        assert!(restored.access_usable(5_000.0));
        assert_eq!(restored.refresh_due_at(), 5_240.0);
        assert!(!restored.refresh_expired(5_000.0));
    }
}
