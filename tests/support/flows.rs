//! Steps and checks many tests share: a world with a signed-in user, registering, signing in, typing,
//! /settings, a second window or browser, a form's answer, no crash, a revoked token. (Where
//! things are on the pages: `find.rs`.)

use std::future::Future;
use std::time::Duration;

use fantoccini::key::Key;
use fantoccini::wd::WindowHandle;
use serde_json::json;

use super::app::{App, AppOptions};
use super::backend::BackendOptions;
use super::browser::Browser;
use super::{find, PASSWORD, WAIT};

impl App {
    /// A world whose backend has `email` as an active user with [`PASSWORD`], nobody signed in.
    pub async fn start_with_user(email: &str) -> App {
        App::start_opts_with_user(AppOptions::default(), email).await
    }

    /// [`App::start_with_user`] with these options.
    pub async fn start_opts_with_user(opts: AppOptions, email: &str) -> App {
        let app = App::start_opts(opts).await;
        app.add_user(email).await;
        app
    }

    /// A world with `email` (password [`PASSWORD`]) signed in, on /dashboard.
    pub async fn start_signed_in(email: &str) -> App {
        App::start_opts_signed_in(AppOptions::default(), email).await
    }

    /// [`App::start_signed_in`] against a backend with these options.
    pub async fn start_signed_in_with(backend: BackendOptions, email: &str) -> App {
        let opts = AppOptions {
            backend,
            ..Default::default()
        };
        App::start_opts_signed_in(opts, email).await
    }

    /// [`App::start_signed_in`] with these options.
    pub async fn start_opts_signed_in(opts: AppOptions, email: &str) -> App {
        let app = App::start_opts_with_user(opts, email).await;
        app.sign_in(email, PASSWORD).await;
        app
    }

    /// Creates `email`, active, with [`PASSWORD`].
    pub async fn add_user(&self, email: &str) {
        self.backend.create_active_user(email, PASSWORD).await;
    }

    /// Fills and sends /register, then waits for the check-email notice naming `email`.
    pub async fn register_through_ui(&self, email: &str, name: &str, password: &str) {
        self.goto("/register").await;
        self.wait_for(find::REGISTER_FORM).await;
        self.fill("email", email).await;
        self.fill("name", name).await;
        self.fill("password", password).await;
        self.fill("re_password", password).await;
        self.submit().await;
        self.wait_for_text(&find::notice("check-email"), email)
            .await;
    }

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
        self.wait_for(find::LOGIN_FORM).await;
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

    /// Signs in as `email` and opens /settings through the dashboard's link, every section's
    /// form shown.
    pub async fn open_settings(&self, email: &str, password: &str) {
        self.sign_in(email, password).await;
        self.click(find::SETTINGS_LINK).await;
        self.wait_for_path("/settings").await;
        for form in [find::PROFILE_FORM, find::PASSWORD_FORM, find::EMAIL_FORM] {
            self.wait_for(form).await;
        }
    }

    /// Types `text` into the element matching `css` (real key presses, after what it holds).
    pub async fn type_into(&self, css: &str, text: &str) {
        self.wait_for(css)
            .await
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("cannot type into {css}: {e}"));
    }

    /// Replaces what the input matching `css` holds by typing `value` (for the forms on
    /// /settings, whose input ids are scoped by the form: `fill`'s `[name=…]` would find the
    /// first form's).
    pub async fn retype(&self, css: &str, value: &str) {
        let input = self.wait_for(css).await;
        input
            .clear()
            .await
            .unwrap_or_else(|e| panic!("cannot clear {css}: {e}"));
        if !value.is_empty() {
            self.type_into(css, value).await;
        }
    }

    /// Presses Enter in the element matching `css` (a real key press, as WebDriver sends it).
    pub async fn press_enter_in(&self, css: &str) {
        let enter: char = Key::Enter.into();
        self.type_into(css, &enter.to_string()).await;
    }

    /// An access token from the API directly (a sign-in behind the browser's back).
    pub async fn access_token_for(&self, email: &str, password: &str) -> String {
        let r = self.api().jwt_create(email, password).await;
        assert_eq!(r.status, 200, "jwt/create as {email}: {}", r.text());
        r.json()["access"]
            .as_str()
            .expect("an access token")
            .to_string()
    }

    /// A second window of the same browser (sharing the session), opened at `path`; the first
    /// stays current. Returns (first, second).
    pub async fn second_window(&self, path: &str) -> (WindowHandle, WindowHandle) {
        let client = &self.browser.client;
        let first = client.window().await.expect("this window");
        let second = client.new_window(false).await.expect("a new window").handle;
        self.switch_to(&second).await;
        self.goto(path).await;
        self.switch_to(&first).await;
        (first, second)
    }

    /// A second browser of the same engine, with its own profile and storage (another device
    /// of the same user), in this test's folder under `name`.
    pub async fn second_browser(&self, name: &str) -> Browser {
        let dir = self.dir.path().join(name);
        std::fs::create_dir_all(&dir).expect("a folder for the second browser");
        Browser::start(&dir).await
    }

    /// Runs `work` with the app's pages in `other` (a second browser), then puts this one back.
    pub async fn in_browser<T>(
        &mut self,
        other: &mut Browser,
        work: impl AsyncFnOnce(&App) -> T,
    ) -> T {
        std::mem::swap(&mut self.browser, other);
        let result = work(self).await;
        std::mem::swap(&mut self.browser, other);
        result
    }
}
