//! Tokens as the tests see them: JWT payloads read without a key ([`jwt_claims`]), whose they
//! are ([`token_user_id`]), which sign-in a refresh token belongs to ([`SignInKey`]: its user and
//! the sign-in's expiry, kept through rotation), and whether the backend still takes one
//! ([`refresh_token_alive`], [`refresh_token_refused_within`]).

use base64::Engine;
use serde_json::{json, Value};

use std::time::Duration;

use super::http::Api;
use super::wait;

/// The claims of a JWT, read without checking its signature (the test's own view of a token).
pub fn jwt_claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or(Value::Null)
}

/// A JWT's `user_id` as a string (SimpleJWT writes it as a string; an integer reads the same).
pub fn token_user_id(token: &str) -> Option<String> {
    match &jwt_claims(token)["user_id"] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Which sign-in a refresh token belongs to: its user and the sign-in's own expiry (the
/// backend's `session_exp` claim, kept through rotation; `exp` for the sign-in's first token).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SignInKey {
    pub user_id: String,
    pub session_exp: i64,
}

impl SignInKey {
    pub fn of(refresh: &str) -> Option<SignInKey> {
        let claims = jwt_claims(refresh);
        let session_exp = claims["session_exp"]
            .as_i64()
            .or_else(|| claims["exp"].as_i64())?;
        Some(SignInKey {
            user_id: token_user_id(refresh)?,
            session_exp,
        })
    }
}

/// Whether the backend still accepts `refresh`, asked without spending it: `jwt/verify/` (which
/// checks the blacklist and doesn't rotate, nor trigger the reuse detection) answers 200.
pub async fn refresh_token_alive(api: &Api, refresh: &str) -> bool {
    api.post("/auth/jwt/verify/", json!({ "token": refresh }))
        .await
        .status
        == 200
}

/// Whether the backend refuses `refresh` at some point within `within` (asked every
/// [`wait::EVERY`]): a revocation that is on its way.
pub async fn refresh_token_refused_within(api: &Api, refresh: &str, within: Duration) -> bool {
    wait::poll(within, wait::EVERY, || async {
        (!refresh_token_alive(api, refresh).await).then_some(())
    })
    .await
    .is_some()
}
