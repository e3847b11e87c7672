//! The one record every tab of this app agrees on, and every change to it as a pure function of
//! what is stored: `shared::update` runs these inside one atomic read-and-write, so a decision is
//! never made from a stale copy. No browser calls: all of it is unit-tested natively.
//!
//! Copies are ordered by `generation`, which every committed write bumps, never by a clock: a
//! clock stepped back can't make a newer copy look older. A sign-out leaves a tombstone (its
//! sign-in in `ended`), so nothing of that sign-in is ever adopted or written again.

use serde::{Deserialize, Serialize};

use super::state::{Session, StoredSessionError};
use crate::api::User;

/// Bumped when the stored shape changes. An older record is replaced by the next write; a newer
/// one (another tab on a newer deployment) is left alone.
pub const RECORD_FORMAT: u32 = 2;
/// How many ended sign-ins a tombstone remembers: more than tabs can hold at once in practice.
const ENDED_KEPT: usize = 16;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub format: u32,
    /// Bumped by every committed write.
    pub generation: u32,
    /// The API the tokens are for (`{api_base}{api_prefix}`): a record for another API is never
    /// used, even if it lands under this app's name.
    pub api: String,
    pub session: Option<Session>,
    /// Sign-ins that ended here (signed out, refused, replaced), oldest first.
    #[serde(default)]
    pub ended: Vec<String>,
}

/// A record read from storage.
#[derive(Clone, Debug, PartialEq)]
pub struct Read {
    pub record: Record,
    /// The session that was in it and why it was left out (expired, bad tokens).
    pub dropped: Option<StoredSessionError>,
}

impl Read {
    /// Reads a stored record for `api`, trusting nothing in it. `Err`: not a record to use at
    /// all (unreadable, another format, another API); the next write replaces it unless it is
    /// of a newer format.
    /// `offset`: this tab's clock against the server's, where it knows it, and the generation
    /// of the session that showed it (`Session::checked`). A record of a later generation was
    /// written since, by the clock every tab of the browser shares, and is read as it is: after
    /// a step of that clock this tab's offset is the stale one (storm seed 20037).
    pub fn parse(
        text: &str,
        api: &str,
        now: f64,
        offset: Option<(f64, u32)>,
    ) -> Result<Read, StoredSessionError> {
        #[derive(Deserialize)]
        struct Format {
            format: u32,
        }
        let format = crate::json::parse::<Format>(text)
            .ok_or(StoredSessionError::Unreadable)?
            .format;
        if format > RECORD_FORMAT {
            return Err(StoredSessionError::NewerFormat);
        }
        if format < RECORD_FORMAT {
            return Err(StoredSessionError::OldFormat);
        }
        let mut record: Record = crate::json::parse(text).ok_or(StoredSessionError::Unreadable)?;
        if record.api != api {
            return Err(StoredSessionError::OtherApi);
        }
        let mut dropped = None;
        let offset = offset
            .filter(|&(_, measured)| record.generation <= measured)
            .map(|(offset, _)| offset);
        if let Some(session) = record.session.take() {
            match session.checked(now, offset) {
                Ok(session) if session.generation == record.generation => {
                    record.session = Some(session)
                }
                Ok(_) => dropped = Some(StoredSessionError::Unreadable),
                Err(error) => dropped = Some(error),
            }
        }
        Ok(Read { record, dropped })
    }

    /// IndexedDB's read and the copy's made one: the later generation (the first on a tie),
    /// holding every sign-in either of them ended. A sign-out written to the copy alone (its
    /// IndexedDB too slow) then ends that sign-in even where IndexedDB holds a refresh of the
    /// same generation (storm seeds 12004 and 12008).
    pub fn joined(first: Option<Read>, second: Option<Read>) -> Option<Read> {
        let (mut later, other) = match (first, second) {
            (Some(a), Some(b)) if b.record.generation > a.record.generation => (b, a),
            // One generation written twice for one sign-in (a refresh answer written to the copy
            // alone, its tab's IndexedDB too slow, beside another tab's profile save committed
            // from the read before): the newer tokens are kept, never the rotated-out ones.
            (Some(a), Some(b))
                if b.record.generation == a.record.generation && b.has_newer_tokens(&a) =>
            {
                (b, a)
            }
            (Some(a), Some(b)) => (a, b),
            (one, None) | (None, one) => return one,
        };
        for sign_in in &other.record.ended {
            later.record = later.record.with_ended(sign_in);
        }
        if later
            .record
            .session
            .as_ref()
            .is_some_and(|s| later.record.has_ended(&s.sign_in))
        {
            later.record.session = None;
        }
        Some(later)
    }
}

impl Read {
    /// Whether this read holds the same sign-in as `other` with tokens the server issued later.
    fn has_newer_tokens(&self, other: &Read) -> bool {
        matches!(
            (&self.record.session, &other.record.session),
            (Some(mine), Some(theirs))
                if mine.sign_in == theirs.sign_in
                    && mine.access_token_expires > theirs.access_token_expires
        )
    }
}

impl Record {
    pub fn empty(api: &str) -> Record {
        Record {
            format: RECORD_FORMAT,
            api: api.to_string(),
            ..Record::default()
        }
    }

    /// The text stored for it.
    pub fn stored(&self) -> Option<String> {
        crate::json::print(self)
    }

    /// The same record one generation on, holding `session` (stamped with that generation).
    fn next(&self, session: Option<Session>) -> Record {
        let generation = self.generation.wrapping_add(1);
        Record {
            format: RECORD_FORMAT,
            generation,
            api: self.api.clone(),
            session: session.map(|session| Session {
                generation,
                ..session
            }),
            ended: self.ended.clone(),
        }
    }

    /// Whether `sign_in` has ended here.
    pub fn has_ended(&self, sign_in: &str) -> bool {
        self.ended.iter().any(|ended| ended == sign_in)
    }

    fn with_ended(mut self, sign_in: &str) -> Record {
        if !self.has_ended(sign_in) {
            self.ended.push(sign_in.to_string());
        }
        let extra = self.ended.len().saturating_sub(ENDED_KEPT);
        self.ended.drain(..extra);
        self
    }

    /// The session stored, if it is `sign_in`'s.
    pub fn session_of(&self, sign_in: &str) -> Option<&Session> {
        self.session.as_ref().filter(|s| s.sign_in == sign_in)
    }
}

/// A change to the record, decided from what is stored: `None` leaves it as it is.
pub type Change = Option<Record>;

/// A new sign-in replaces whatever was stored; a sign-in it replaces is ended.
pub fn signed_in(current: &Record, session: Session) -> Change {
    let replaced = current.session.as_ref().map(|s| s.sign_in.clone());
    let next = current.next(Some(session));
    Some(match replaced {
        Some(replaced) => next.with_ended(&replaced),
        None => next,
    })
}

/// A refresh answer is stored only onto the tokens it was made from: nobody moved on (another
/// tab's refresh, a sign-out, another sign-in) while it was under way. A profile saved
/// meanwhile stays (dropping the answer for it would have the next tab refresh the same token
/// again: storm seed 10013).
pub fn refreshed(current: &Record, used: &Session, next: Session) -> Change {
    let stored = current.session_of(&used.sign_in)?;
    (stored.refresh_token == used.refresh_token && stored.access_token == used.access_token).then(
        || {
            current.next(Some(Session {
                user: stored.user.clone(),
                ..next
            }))
        },
    )
}

/// A profile is saved only onto the same user's same sign-in, with whatever tokens it now has.
pub fn profile_saved(current: &Record, sign_in: &str, user: User) -> Change {
    let stored = current.session_of(sign_in)?;
    (stored.user.id == user.id && stored.user != user).then(|| {
        current.next(Some(Session {
            user,
            ..stored.clone()
        }))
    })
}

/// A sign-out ends `sign_in` and leaves its tombstone. A sign-in stored after it began (another
/// tab's, the social callback's) is another sign-in, and stays.
pub fn signed_out(current: &Record, sign_in: &str) -> Change {
    let others = current.session.clone().filter(|s| s.sign_in != sign_in);
    Some(current.next(others).with_ended(sign_in))
}

/// A refresh refused for good ends `sign_in`, unless the stored copy moved on (another tab
/// refreshed meanwhile: its tokens are taken instead).
pub fn refused(current: &Record, used: &Session) -> Change {
    let stored = current.session_of(&used.sign_in)?;
    (stored.refresh_token == used.refresh_token)
        .then(|| current.next(None).with_ended(&used.sign_in))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::state::tests::{rotated, session};

    const API: &str = "http://api.test/auth/";

    fn stored(session: Session) -> Record {
        signed_in(&Record::empty(API), session).unwrap()
    }

    fn read(record: &Record) -> Result<Read, StoredSessionError> {
        Read::parse(&record.stored().unwrap(), API, 200.0, None)
    }

    #[test]
    fn every_write_bumps_the_generation_and_stamps_the_session() {
        let record = stored(session(100.0));
        assert_eq!(record.generation, 1);
        assert_eq!(record.session.as_ref().unwrap().generation, 1);
        let mine = record.session.clone().unwrap();
        let next = refreshed(&record, &mine, rotated(&mine)).unwrap();
        assert_eq!(next.generation, 2);
        assert_eq!(next.session.unwrap().generation, 2);
    }

    #[test]
    fn a_refresh_answer_lands_only_on_the_copy_it_came_from() {
        let record = stored(session(100.0));
        let mine = record.session.clone().unwrap();
        let theirs = refreshed(&record, &mine, rotated(&mine)).unwrap();
        // Another tab refreshed first: this answer is not stored.
        assert_eq!(refreshed(&theirs, &mine, rotated(&mine)), None);
        // Signed out meanwhile: not stored, and the sign-in stays ended.
        let out = signed_out(&record, &mine.sign_in).unwrap();
        assert_eq!(refreshed(&out, &mine, rotated(&mine)), None);
        assert!(out.has_ended("a"));
        // Someone else signed in meanwhile.
        let bob = Session {
            sign_in: "b".into(),
            ..session(300.0)
        };
        assert_eq!(refreshed(&stored(bob), &mine, rotated(&mine)), None);
    }

    #[test]
    fn a_copy_written_after_this_tabs_clock_was_measured_is_read_as_it_is() {
        // This tab measured its clock (offset 0) on generation 1; the browser's clock then
        // stepped 600 s forward and another tab stored a refresh, generation 2, by it.
        let record = stored(session(100.0));
        let mine = record.session.clone().unwrap();
        let next = Session {
            access_received_at: 700.0,
            refresh_received_at: 700.0,
            ..rotated(&mine)
        };
        let later = refreshed(&record, &mine, next).unwrap();
        let text = later.stored().unwrap();
        let read = |measured| Read::parse(&text, API, 701.0, Some((0.0, measured))).unwrap();
        // Read as it is: fresh, not dated 600 s back into a lapsed token.
        let fresh = read(1).record.session.unwrap();
        assert_eq!(fresh.access_received_at, 700.0);
        // Measured on that very record, this tab's own offset is taken.
        let dated = read(2);
        assert_ne!(
            dated.record.session.map(|s| s.access_received_at),
            Some(700.0)
        );
    }

    #[test]
    fn a_sign_out_in_one_store_ends_a_refresh_of_the_same_generation_in_the_other() {
        let record = stored(session(100.0));
        let mine = record.session.clone().unwrap();
        // One tab's refresh went to IndexedDB while another, IndexedDB too slow for it, wrote
        // its sign-out to the copy alone: both are generation 2.
        let refresh = refreshed(&record, &mine, rotated(&mine)).unwrap();
        let out = signed_out(&record, "a").unwrap();
        assert_eq!(refresh.generation, out.generation);
        for (first, second) in [(&refresh, &out), (&out, &refresh)] {
            let joined = Read::joined(read(first).ok(), read(second).ok()).unwrap();
            assert_eq!(joined.record.session, None);
            assert!(joined.record.has_ended("a"));
        }
        // A later generation wins, but never brings an ended sign-in back.
        let later = refreshed(&refresh, refresh.session.as_ref().unwrap(), rotated(&mine)).unwrap();
        let joined = Read::joined(read(&later).ok(), read(&out).ok()).unwrap();
        assert_eq!((joined.record.generation, joined.record.session), (3, None));
        // Another user's sign-in after it stays.
        let bob = Session {
            sign_in: "b".into(),
            ..session(300.0)
        };
        let theirs = signed_in(&out, bob).unwrap();
        let joined = Read::joined(read(&refresh).ok(), read(&theirs).ok()).unwrap();
        assert_eq!(Ok(joined), read(&theirs));
        // One store alone is read as it is.
        assert_eq!(Read::joined(None, read(&out).ok()), read(&out).ok());
    }

    #[test]
    fn a_refresh_in_one_store_outlives_a_profile_save_of_the_same_generation_in_the_other() {
        let record = stored(session(100.0));
        let mine = record.session.clone().unwrap();
        // One tab's refresh answer went to the copy alone (its IndexedDB too slow); another
        // tab's profile save, decided on the read before it, committed to IndexedDB: both are
        // generation 2, and only the refresh holds the live refresh token.
        let refresh = refreshed(&record, &mine, rotated(&mine)).unwrap();
        let mut user = mine.user.clone();
        user.name = Some("Ann".into());
        let profile = profile_saved(&record, &mine.sign_in, user).unwrap();
        assert_eq!(refresh.generation, profile.generation);
        for (first, second) in [(&refresh, &profile), (&profile, &refresh)] {
            let joined = Read::joined(read(first).ok(), read(second).ok()).unwrap();
            let kept = joined.record.session.unwrap().refresh_token;
            assert_eq!(kept, refresh.session.as_ref().unwrap().refresh_token);
        }
    }

    #[test]
    fn a_profile_saved_during_a_refresh_keeps_both() {
        let record = stored(session(100.0));
        let mine = record.session.clone().unwrap();
        let mut renamed = mine.user.clone();
        renamed.name = Some("Alice B".into());
        let saved = profile_saved(&record, "a", renamed.clone()).unwrap();
        let next = refreshed(&saved, &mine, rotated(&mine)).unwrap();
        let session = next.session.unwrap();
        assert_eq!(session.user, renamed);
        assert_eq!(session.refresh_token, rotated(&mine).refresh_token);
        assert_eq!(next.generation, 3);
    }

    #[test]
    fn a_profile_is_saved_only_onto_its_own_sign_in() {
        let record = stored(session(100.0));
        let mut alice = record.session.clone().unwrap().user;
        alice.name = Some("Alice B".into());
        let saved = profile_saved(&record, "a", alice.clone()).unwrap();
        assert_eq!(saved.session.as_ref().unwrap().user, alice);
        // Tokens stay what is stored, not what the saving tab had.
        assert_eq!(
            saved.session.unwrap().refresh_token,
            record.session.as_ref().unwrap().refresh_token
        );
        // Another sign-in is stored now, or the same sign-in answers for another user.
        assert_eq!(profile_saved(&record, "b", alice.clone()), None);
        let mut bob = alice.clone();
        bob.id = "2".into();
        assert_eq!(profile_saved(&record, "a", bob), None);
        let out = signed_out(&record, "a").unwrap();
        assert_eq!(profile_saved(&out, "a", alice), None);
    }

    #[test]
    fn a_sign_out_ends_its_sign_in_and_remembers_it() {
        let record = stored(session(100.0));
        let out = signed_out(&record, "a").unwrap();
        assert_eq!(out.session, None);
        assert!(out.has_ended("a"));
        // A sign-in stored since (another tab's) is another sign-in: it stays.
        let bob = Session {
            sign_in: "b".into(),
            ..session(300.0)
        };
        let replaced = signed_in(&record, bob).unwrap();
        assert!(replaced.has_ended("a"));
        let out = signed_out(&replaced, "a").unwrap();
        assert_eq!(out.session.as_ref().map(|s| s.sign_in.as_str()), Some("b"));
        assert!(out.has_ended("a") && !out.has_ended("b"));
        let mut many = out;
        for n in 0..40 {
            many = signed_out(&many, &n.to_string()).unwrap();
        }
        assert_eq!(many.ended.len(), ENDED_KEPT);
        assert!(many.has_ended("39") && !many.has_ended("0"));
    }

    #[test]
    fn a_refusal_ends_the_sign_in_only_if_nobody_moved_on() {
        let record = stored(session(100.0));
        let mine = record.session.clone().unwrap();
        let theirs = refreshed(&record, &mine, rotated(&mine)).unwrap();
        assert_eq!(refused(&theirs, &mine), None);
        let ended = refused(&record, &mine).unwrap();
        assert_eq!(ended.session, None);
        assert!(ended.has_ended("a"));
    }

    #[test]
    fn records_round_trip_and_foreign_ones_are_refused() {
        let record = stored(session(100.0));
        assert_eq!(
            read(&record),
            Ok(Read {
                record: record.clone(),
                dropped: None
            })
        );
        assert_eq!(
            Read::parse(&record.stored().unwrap(), "http://other/auth/", 200.0, None),
            Err(StoredSessionError::OtherApi)
        );
        for (format, error) in [
            (1, StoredSessionError::OldFormat),
            (99, StoredSessionError::NewerFormat),
        ] {
            let other = Record {
                format,
                ..record.clone()
            };
            assert_eq!(read(&other), Err(error));
        }
        for junk in ["", "garbage", "{}", r#"{"format":2}"#, "[2]"] {
            assert!(Read::parse(junk, API, 200.0, None).is_err(), "{junk}");
        }
    }

    #[test]
    fn a_bad_or_expired_session_is_dropped_but_the_tombstones_stay() {
        let record = signed_out(&stored(session(100.0)), "a").unwrap();
        let record = signed_in(
            &record,
            Session {
                sign_in: "b".into(),
                ..session(150.0)
            },
        )
        .unwrap();
        let late = Read::parse(&record.stored().unwrap(), API, 150.0 + 86_400.0, None).unwrap();
        assert_eq!(late.dropped, Some(StoredSessionError::Expired));
        assert_eq!(late.record.session, None);
        assert!(late.record.has_ended("a"));
        let mut forged = record.clone();
        forged.session.as_mut().unwrap().generation = 7;
        assert_eq!(
            read(&forged).unwrap().dropped,
            Some(StoredSessionError::Unreadable)
        );
    }
}
