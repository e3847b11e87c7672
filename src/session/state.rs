//! The session and the states the UI matches on. Pure: no browser calls.

use std::rc::Rc;

use serde::{Deserialize, Serialize};

use super::token::{decode_claims, refresh_due_at, TokenError};
use crate::api::{RefreshedTokens, TokenPair, User};

/// Bumped when the stored shape changes; an older entry is discarded, not misread.
pub const SESSION_FORMAT: u32 = 1;
/// An access token this close to its expiry is refreshed before use rather than sent.
const ACCESS_SAFETY_MARGIN_SECS: f64 = 5.0;

/// What a signed-in browser holds. Times named `*_at` are local Unix seconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub format: u32,
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
    /// When this sign-in happened (kept through refreshes): tells a sign-in's later tokens
    /// from another sign-in's. Entries stored before it existed read as 0.
    #[serde(default)]
    pub signed_in_at: f64,
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
}

/// Why a stored entry was thrown away.
#[derive(Clone, Debug, PartialEq)]
pub enum StoredSessionError {
    Unreadable,
    OldFormat,
    BadToken(TokenError),
    Expired,
}

impl Session {
    pub fn new(user: User, tokens: TokenPair, now: f64) -> Result<Session, TokenError> {
        let access = decode_claims(&tokens.access)?;
        let refresh = decode_claims(&tokens.refresh)?;
        Ok(Session {
            format: SESSION_FORMAT,
            user,
            access_token: tokens.access,
            refresh_token: tokens.refresh,
            access_token_expires: access.exp,
            access_received_at: now,
            access_lifetime: access.lifetime(),
            refresh_received_at: now,
            refresh_lifetime: refresh.lifetime(),
            signed_in_at: now,
        })
    }

    /// The text stored for it (localStorage, IndexedDB).
    pub fn stored(&self) -> Option<String> {
        crate::json::print(self)
    }

    /// Whether `self`, found in storage, holds newer tokens than `mine`: another tab refreshed
    /// or signed in since. An older entry (a write that failed, a stale copy) never is.
    pub fn is_newer_than(&self, mine: &Session) -> bool {
        self.access_token != mine.access_token && self.access_received_at >= mine.access_received_at
    }

    /// Whether both come from the same sign-in (one may be the other refreshed).
    pub fn same_sign_in(&self, other: &Session) -> bool {
        self.user.id == other.user.id && self.signed_in_at == other.signed_in_at
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

    /// Reads a stored entry, trusting nothing in it.
    pub fn from_stored(text: &str, now: f64) -> Result<Session, StoredSessionError> {
        #[derive(Deserialize)]
        struct Format {
            format: u32,
        }
        let format = crate::json::parse::<Format>(text)
            .ok_or(StoredSessionError::Unreadable)?
            .format;
        if format != SESSION_FORMAT {
            return Err(StoredSessionError::OldFormat);
        }
        let mut session: Session =
            crate::json::parse(text).ok_or(StoredSessionError::Unreadable)?;
        // The tokens must be what the stored lifetimes say they are.
        let access = decode_claims(&session.access_token).map_err(StoredSessionError::BadToken)?;
        let refresh =
            decode_claims(&session.refresh_token).map_err(StoredSessionError::BadToken)?;
        if access.lifetime() != session.access_lifetime
            || refresh.lifetime() != session.refresh_lifetime
            || !session.access_received_at.is_finite()
            || !session.refresh_received_at.is_finite()
        {
            return Err(StoredSessionError::Unreadable);
        }
        // A clock set back since the entry was written: treat the access token as lapsed
        // (a refresh sorts it out) and date the refresh token from now.
        if session.access_received_at > now {
            session.access_received_at = now - session.access_lifetime as f64;
        }
        session.refresh_received_at = session.refresh_received_at.min(now);
        if session.refresh_expired(now) {
            return Err(StoredSessionError::Expired);
        }
        Ok(session)
    }
}

#[cfg(test)]
mod tests {
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

    /// `session` refreshed at 400 with rotation: a new access and a new refresh token.
    fn rotated(session: &Session) -> Session {
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

    fn stored(session: &Session) -> String {
        serde_json::to_string(session).unwrap()
    }

    #[test]
    fn new_session_anchors_expiry_to_local_arrival() {
        // Browser clock far from the server's (5_000): only the lifetime counts.
        let session = Session::new(user(), pair(300), 1_000_000.0).unwrap();
        assert_eq!(session.access_token_expires, 5_300);
        assert_eq!(session.refresh_due_at(), 1_000_240.0);
        assert!(session.access_usable(1_000_290.0));
        assert!(!session.access_usable(1_000_296.0));
    }

    #[test]
    fn refresh_rotates_both_tokens_or_keeps_the_old_refresh() {
        let session = Session::new(user(), pair(300), 100.0).unwrap();
        let rotated = rotated(&session);
        assert_ne!(rotated.refresh_token, session.refresh_token);
        assert_eq!(rotated.refresh_received_at, 400.0);
        assert_eq!(rotated.refresh_due_at(), 640.0);
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
    }

    #[test]
    fn only_newer_tokens_count_as_newer_and_refreshes_keep_the_sign_in() {
        let session = Session::new(user(), pair(300), 100.0).unwrap();
        let refreshed = rotated(&session);
        assert!(refreshed.is_newer_than(&session));
        assert!(
            !session.is_newer_than(&refreshed),
            "an older entry is never taken"
        );
        assert!(!session.is_newer_than(&session));
        assert!(refreshed.same_sign_in(&session));
        let again = Session::new(user(), pair(300), 500.0).unwrap();
        assert!(!again.same_sign_in(&refreshed));
        assert!(again.is_newer_than(&refreshed));
    }

    #[test]
    fn an_entry_from_before_signed_in_at_still_reads() {
        let session = Session::new(user(), pair(300), 100.0).unwrap();
        let mut old: serde_json::Value = serde_json::from_str(&stored(&session)).unwrap();
        old.as_object_mut().unwrap().remove("signed_in_at");
        let read = Session::from_stored(&old.to_string(), 200.0).unwrap();
        assert_eq!(read.signed_in_at, 0.0);
        assert_eq!(read.refresh_token, session.refresh_token);
    }

    #[test]
    fn stored_session_round_trips() {
        let session = Session::new(user(), pair(300), 100.0).unwrap();
        assert_eq!(Session::from_stored(&stored(&session), 200.0), Ok(session));
    }

    #[test]
    fn bad_stored_data_is_refused() {
        let good = Session::new(user(), pair(300), 100.0).unwrap();
        let cases = [
            ("".to_string(), StoredSessionError::Unreadable),
            ("garbage".into(), StoredSessionError::Unreadable),
            (
                stored(&good)[..40].to_string(),
                StoredSessionError::Unreadable,
            ),
            (
                r#"{"user":{"id":1,"email":"a@b.c"},"accessToken":"x"}"#.into(),
                StoredSessionError::Unreadable,
            ),
            (
                stored(&Session {
                    format: 0,
                    ..good.clone()
                }),
                StoredSessionError::OldFormat,
            ),
            (
                stored(&Session {
                    access_token: "not-a-jwt".into(),
                    ..good.clone()
                }),
                StoredSessionError::BadToken(TokenError::NotAJwt),
            ),
            (
                stored(&Session {
                    refresh_token: token_with(r#"{"iat":1}"#),
                    ..good.clone()
                }),
                StoredSessionError::BadToken(TokenError::BadPayload),
            ),
            (
                stored(&Session {
                    access_lifetime: 5,
                    ..good.clone()
                }),
                StoredSessionError::Unreadable,
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(Session::from_stored(&text, 200.0), Err(expected), "{text}");
        }
    }

    #[test]
    fn expired_refresh_token_is_refused() {
        let good = Session::new(user(), pair(300), 100.0).unwrap();
        assert_eq!(
            Session::from_stored(&stored(&good), 100.0 + 86_400.0),
            Err(StoredSessionError::Expired)
        );
    }

    #[test]
    fn a_clock_set_back_makes_the_access_token_due_at_once() {
        let session = Session::new(user(), pair(300), 10_000.0).unwrap();
        let restored = Session::from_stored(&stored(&session), 5_000.0).unwrap();
        assert!(!restored.access_usable(5_000.0));
        assert!(restored.refresh_due_at() <= 5_000.0);
        assert!(!restored.refresh_expired(5_000.0));
    }
}
