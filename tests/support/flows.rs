//! Steps and checks many tests share: signing in, a form's answer, no crash, a revoked token.

use std::future::Future;
use std::time::Duration;

use serde_json::json;

use super::app::App;
use super::WAIT;

impl App {
    /// Signs in through /login and waits for the dashboard to show `email`.
    pub async fn sign_in(&self, email: &str, password: &str) {
        self.goto("/login").await;
        self.submit_login("email", email, password).await;
        self.wait_for_path("/dashboard").await;
        self.wait_for_text("#user-email", email).await;
    }

    /// Fills and sends the sign-in form on the page (whatever the answer): `login` in the input
    /// `login_field` (`email`, or `username` where the app is configured so).
    pub async fn submit_login(&self, login_field: &str, login: &str, password: &str) {
        self.wait_for("form#login-form").await;
        self.fill(login_field, login).await;
        self.fill("password", password).await;
        self.submit().await;
    }

    /// Submits form `form_id` with `submit` and waits for the answer — a new request whose
    /// URL contains `request`, and the form no longer busy — then returns its alert's text.
    pub async fn submit_and_read_alert<F, Fut>(
        &self,
        form_id: &str,
        request: &str,
        submit: F,
    ) -> String
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = ()>,
    {
        let sent = self.requests_to(request).await;
        submit().await;
        self.poll(&format!("an answer from {request}"), WAIT, || async {
            if self.requests_to(request).await <= sent {
                return None;
            }
            let button = self
                .find(&format!("form#{form_id} button[type=submit]"))
                .await?;
            if button.attr("aria-busy").await.ok()?.as_deref() != Some("false") {
                return None;
            }
            self.find(&format!("form#{form_id} .form-alert"))
                .await?
                .text()
                .await
                .ok()
        })
        .await
    }

    /// No crash banner on the page and no panic in the console.
    pub async fn assert_no_crash(&self) {
        assert!(
            !self.exists(".crash-banner").await,
            "the crash banner is showing\n{}",
            self.describe().await
        );
        let panics: Vec<String> = self
            .browser
            .console_messages()
            .await
            .into_iter()
            .filter(|m| m.contains("panicked"))
            .collect();
        assert!(panics.is_empty(), "the app panicked: {panics:#?}");
    }

    /// The server has revoked `refresh`. The app revokes it in the background, so this waits
    /// with verify/, which (unlike refresh/) doesn't rotate it: 400 "Token is blacklisted" once
    /// it's done. Then refresh/ must refuse it too.
    pub async fn assert_refresh_token_revoked(&self, refresh: &str) {
        let api = self.api();
        let verdict = self
            .poll(
                "verify/ to refuse the signed-out refresh token",
                Duration::from_secs(5),
                || async {
                    let r = api
                        .post("/auth/jwt/verify/", json!({ "token": refresh }))
                        .await;
                    (r.status != 200).then(|| r.text())
                },
            )
            .await;
        assert!(
            verdict.contains("blacklisted"),
            "the refresh token should be blacklisted, verify/ said {verdict}"
        );
        let r = api.jwt_refresh(refresh).await;
        assert_eq!(
            r.status,
            401,
            "the old refresh token should be refused: {}",
            r.text()
        );
    }
}
