//! One function per Djoser / SimpleJWT endpoint. Paths keep Djoser's trailing slash.

use gloo_net::http::Method;
use serde::de::IgnoredAny;

use super::types::*;
use super::{request, ApiError};

/// No body, for the GETs.
const NO_BODY: Option<&()> = None;

pub async fn jwt_create(email: &str, password: &str) -> Result<TokenPair, ApiError> {
    let body = Credentials { email, password };
    request(Method::POST, "jwt/create/", Some(&body), None).await
}

pub async fn jwt_refresh(refresh: &str) -> Result<RefreshedTokens, ApiError> {
    request(
        Method::POST,
        "jwt/refresh/",
        Some(&RefreshToken { refresh }),
        None,
    )
    .await
}

/// Revokes a refresh token (SimpleJWT's `TokenBlacklistView`), so a stolen copy is useless.
pub async fn jwt_blacklist(refresh: &str) -> Result<(), ApiError> {
    let _: IgnoredAny = request(
        Method::POST,
        "jwt/blacklist/",
        Some(&RefreshToken { refresh }),
        None,
    )
    .await?;
    Ok(())
}

pub async fn me(access: &str) -> Result<User, ApiError> {
    request(Method::GET, "users/me/", NO_BODY, Some(access)).await
}

pub async fn update_me(access: &str, changes: &ProfileChanges<'_>) -> Result<User, ApiError> {
    request(Method::PATCH, "users/me/", Some(changes), Some(access)).await
}

pub async fn register(account: &NewAccount<'_>) -> Result<(), ApiError> {
    let _: IgnoredAny = request(Method::POST, "users/", Some(account), None).await?;
    Ok(())
}

pub async fn activate(uid: &str, token: &str) -> Result<(), ApiError> {
    let body = EmailedLink { uid, token };
    request(Method::POST, "users/activation/", Some(&body), None).await
}

pub async fn resend_activation(email: &str) -> Result<(), ApiError> {
    let body = Email { email };
    request(Method::POST, "users/resend_activation/", Some(&body), None).await
}

pub async fn reset_password(email: &str) -> Result<(), ApiError> {
    let body = Email { email };
    request(Method::POST, "users/reset_password/", Some(&body), None).await
}

pub async fn reset_password_confirm(body: &NewPassword<'_>) -> Result<(), ApiError> {
    request(
        Method::POST,
        "users/reset_password_confirm/",
        Some(body),
        None,
    )
    .await
}

pub async fn set_password(access: &str, body: &PasswordChange<'_>) -> Result<(), ApiError> {
    request(
        Method::POST,
        "users/set_password/",
        Some(body),
        Some(access),
    )
    .await
}
