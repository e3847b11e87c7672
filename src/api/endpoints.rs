//! One function per Djoser / SimpleJWT endpoint. Paths keep Djoser's trailing slash.

use gloo_net::http::Method;
use serde::de::IgnoredAny;

use super::types::*;
use super::{json, request, ApiError, ApiRequest};

/// Signs in with `login`: the email, or the username where the backend signs in by username
/// (`<meta name="djoser-login-field">`).
pub async fn jwt_create(login: &str, password: &str) -> Result<TokenPair, ApiError> {
    let body = Credentials {
        login_field: crate::config::get().login_field,
        login,
        password,
    };
    request(Method::POST, "jwt/create/", json(&body), None).await
}

/// Not given up on after a timeout: the server may still rotate the token and answer, and an
/// answer given up on is a lost one. (A lost answer is retried with the same token, which the
/// reference backend's rotation overlap answers again.)
pub async fn jwt_refresh(refresh: &str) -> Result<RefreshedTokens, ApiError> {
    let body = json(&RefreshToken { refresh });
    super::request_with(Method::POST, "jwt/refresh/", body, None, None).await
}

// The endpoints that take the session's token are requests, sent with
// `SessionManager::send` like any call to your own API: one path refreshes and retries them.

/// `users/me/`: the signed-in user (a [`User`]).
pub fn me() -> ApiRequest {
    ApiRequest::djoser(Method::GET, "users/me/")
}

/// Answers the saved [`User`].
pub fn update_me(changes: &ProfileChanges<'_>) -> ApiRequest {
    ApiRequest::djoser(Method::PATCH, "users/me/").with_body(changes)
}

/// A POST whose answer says nothing more than its status (a 204, or the created user): one
/// instantiation of `request` for all of them.
async fn post(path: &str, body: Result<Option<String>, ApiError>) -> Result<(), ApiError> {
    request::<IgnoredAny>(Method::POST, path, body, None)
        .await
        .map(drop)
}

pub async fn register(account: &NewAccount<'_>) -> Result<(), ApiError> {
    post("users/", json(account)).await
}

pub async fn activate(uid: &str, token: &str) -> Result<(), ApiError> {
    let body = EmailedLink { uid, token };
    post("users/activation/", json(&body)).await
}

pub async fn resend_activation(email: &str) -> Result<(), ApiError> {
    let body = Email { email };
    post("users/resend_activation/", json(&body)).await
}

pub async fn reset_password(email: &str) -> Result<(), ApiError> {
    let body = Email { email };
    post("users/reset_password/", json(&body)).await
}

pub async fn reset_password_confirm(body: &NewPassword<'_>) -> Result<(), ApiError> {
    post("users/reset_password_confirm/", json(body)).await
}

pub fn set_password(body: &PasswordChange<'_>) -> ApiRequest {
    ApiRequest::djoser(Method::POST, "users/set_password/").with_body(body)
}

/// Djoser's `set_{USERNAME_FIELD}`: `set_email` with the email as the username field.
pub fn set_email(body: &EmailChange<'_>) -> ApiRequest {
    ApiRequest::djoser(Method::POST, "users/set_email/").with_body(body)
}

/// Emails a link to set a new address (`reset_{USERNAME_FIELD}`); 204 for an unknown one too.
pub async fn reset_email(email: &str) -> Result<(), ApiError> {
    let body = Email { email };
    post("users/reset_email/", json(&body)).await
}

pub async fn reset_email_confirm(body: &NewEmail<'_>) -> Result<(), ApiError> {
    post("users/reset_email_confirm/", json(body)).await
}

/// Deletes the signed-in account for good.
pub fn delete_me(body: &CurrentPassword<'_>) -> ApiRequest {
    ApiRequest::djoser(Method::DELETE, "users/me/").with_body(body)
}
