//! JWT payload decoding and expiry arithmetic. The signature isn't checked: the server does
//! that; the client only needs to know when to refresh.

use serde::Deserialize;

use super::timing::{MIN_REFRESH_DELAY_SECS, REFRESH_LEAD_SECS};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Claims {
    pub exp: i64,
    pub iat: i64,
}

impl Claims {
    /// The lifetime the server chose, which doesn't depend on either clock. At least 1 s:
    /// SimpleJWT's refresh view dates `exp` and `iat` from two clock readings cut to whole
    /// seconds, so a 1-second token can arrive with exp == iat. That access token is spent,
    /// but the rotated refresh token beside it is the only good one left: refusing the answer
    /// would mean retrying with the old one, refused, and a spurious sign-out. Taken as 1 s,
    /// the next refresh comes at once.
    pub fn lifetime(&self) -> i64 {
        (self.exp - self.iat).max(1)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TokenError {
    NotAJwt,
    BadBase64,
    BadPayload,
    /// `exp` before `iat`: nothing a client can schedule around.
    NoLifetime,
}

/// Reads `exp` and `iat` from a JWT's payload.
pub fn decode_claims(token: &str) -> Result<Claims, TokenError> {
    #[derive(Deserialize)]
    struct Payload {
        exp: i64,
        iat: i64,
    }
    let mut parts = token.split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::NotAJwt);
    };
    let bytes = base64url_decode(payload).ok_or(TokenError::BadBase64)?;
    let payload: Payload = std::str::from_utf8(&bytes)
        .ok()
        .and_then(crate::json::parse)
        .ok_or(TokenError::BadPayload)?;
    let claims = Claims {
        exp: payload.exp,
        iat: payload.iat,
    };
    if claims.exp < claims.iat {
        return Err(TokenError::NoLifetime);
    }
    Ok(claims)
}

/// When (local Unix seconds) to refresh a token that arrived at `received_at`: 60 s before it
/// expires, anchored to the local arrival time and the server's lifetime so that a skewed
/// browser clock changes nothing. Short lifetimes refresh after 5 s, tiny ones at half-life.
pub fn refresh_due_at(received_at: f64, lifetime: i64) -> f64 {
    let lifetime = lifetime as f64;
    let delay = (lifetime - REFRESH_LEAD_SECS).max(MIN_REFRESH_DELAY_SECS.min(lifetime / 2.0));
    received_at + delay
}

/// Unpadded (or padded) base64url, as JWTs use. `None` on any invalid input.
fn base64url_decode(input: &str) -> Option<Vec<u8>> {
    let input = input.trim_end_matches('=');
    if input.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let mut buffer = 0u32;
    let mut bits = 0;
    for byte in input.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A JWT-shaped token with the given payload (unsigned: the client never checks).
    pub fn token_with(payload: &str) -> String {
        format!("eyJhbGciOiJIUzI1NiJ9.{}.c2ln", encode(payload.as_bytes()))
    }

    pub fn token(iat: i64, exp: i64) -> String {
        token_with(&format!(
            r#"{{"token_type":"access","exp":{exp},"iat":{iat},"jti":"x","user_id":"1"}}"#
        ))
    }

    /// base64url without padding, as JWTs have it (the crate, against our own decoder).
    fn encode(bytes: &[u8]) -> String {
        use base64::Engine;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    }

    #[test]
    fn decodes_a_simplejwt_access_token() {
        // A real SimpleJWT access token's payload.
        let claims = decode_claims(&token(1_700_000_000, 1_700_000_300)).unwrap();
        assert_eq!(claims.lifetime(), 300);
        assert_eq!(claims.exp, 1_700_000_300);
    }

    #[test]
    fn base64url_round_trips_every_length() {
        for text in ["", "a", "ab", "abc", "abcd", "{\"é\":\"ü~?>\"}"] {
            assert_eq!(
                base64url_decode(&encode(text.as_bytes())).unwrap(),
                text.as_bytes()
            );
        }
        assert_eq!(base64url_decode("aGk=").unwrap(), b"hi");
    }

    #[test]
    fn malformed_tokens_are_errors_not_panics() {
        assert_eq!(decode_claims(""), Err(TokenError::NotAJwt));
        assert_eq!(decode_claims("abc"), Err(TokenError::NotAJwt));
        assert_eq!(decode_claims("a.b.c.d"), Err(TokenError::NotAJwt));
        assert_eq!(decode_claims("a.b*d.c"), Err(TokenError::BadBase64));
        assert_eq!(decode_claims("a.abcde.c"), Err(TokenError::BadBase64));
        assert_eq!(
            decode_claims(&token_with(r#"{"iat":1}"#)),
            Err(TokenError::BadPayload)
        );
        assert_eq!(
            decode_claims(&token_with(r#"{"exp":"soon","iat":1}"#)),
            Err(TokenError::BadPayload)
        );
        assert_eq!(
            decode_claims(&token_with("not json")),
            Err(TokenError::BadPayload)
        );
        assert_eq!(decode_claims(&token(100, 99)), Err(TokenError::NoLifetime));
        // SimpleJWT's whole-second rounding: a 1 s token with exp == iat lives 1 s.
        assert_eq!(decode_claims(&token(100, 100)).map(|c| c.lifetime()), Ok(1));
    }

    #[test]
    fn refresh_is_due_a_minute_before_expiry() {
        assert_eq!(refresh_due_at(1000.0, 300), 1240.0);
        assert_eq!(refresh_due_at(1000.0, 65), 1005.0);
    }

    #[test]
    fn short_lifetimes_never_refresh_in_a_loop() {
        assert_eq!(refresh_due_at(1000.0, 30), 1005.0);
        assert_eq!(refresh_due_at(1000.0, 4), 1002.0);
        for lifetime in 1..200 {
            let due = refresh_due_at(0.0, lifetime);
            assert!(due > 0.0 && due < lifetime as f64, "lifetime {lifetime}");
        }
    }

    #[test]
    fn a_skewed_browser_clock_changes_nothing() {
        // The server's exp/iat say 300 s; the browser clock is an hour behind or ahead.
        let claims = decode_claims(&token(1_700_000_000, 1_700_000_300)).unwrap();
        for local_now in [1_700_000_000.0 - 3600.0, 1_700_000_000.0 + 3600.0] {
            assert_eq!(
                refresh_due_at(local_now, claims.lifetime()) - local_now,
                240.0
            );
        }
    }
}
