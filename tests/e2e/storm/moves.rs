//! The moves the storm's steps are made of, each written once: freeze and resume a tab, send it
//! away and bring it back, cut a browser's network, open /settings, sign in, sign out.

use std::time::{Duration, Instant};

use serde_json::json;

use super::{Storm, TabState, Verdict};
use crate::support::find;

impl Storm {
    /// Freezes `tab` (CDP: only where the plan can freeze).
    pub(super) async fn freeze(&mut self, tab: usize) {
        self.focus(tab).await;
        self.harvest_current(tab).await;
        self.app
            .browser
            .cdp("Page.setWebLifecycleState", json!({ "state": "frozen" }))
            .await;
        self.tabs[tab].state = TabState::Frozen;
    }

    /// Sends `tab` off the app (to the backend's /health/), its page into the back-forward
    /// cache where the engine keeps one.
    pub(super) async fn send_away(&mut self, tab: usize) {
        self.focus(tab).await;
        self.leave_current(tab).await;
        let health = format!("{}/health/", self.app.api_base());
        self.app.goto_url_as_is(&health).await;
        self.tabs[tab].state = TabState::Away;
    }

    /// Wakes a frozen tab (resume) or brings an away one back (history back).
    pub(super) async fn wake(&mut self, tab: usize) -> Verdict {
        self.focus(tab).await;
        match self.tabs[tab].state {
            TabState::Frozen => {
                self.app
                    .browser
                    .cdp("Page.setWebLifecycleState", json!({ "state": "active" }))
                    .await;
            }
            TabState::Away => self.go_back(tab).await?,
            TabState::Awake => {}
        }
        self.tabs[tab].state = TabState::Awake;
        Ok(())
    }

    /// History back in the current tab (`tab`, away on the backend's /health/), within 30 s: a
    /// browser that never answers fails the seed, saying so, instead of hanging the storm.
    pub(super) async fn go_back(&mut self, tab: usize) -> Verdict {
        const WITHIN: Duration = Duration::from_secs(30);
        match tokio::time::timeout(WITHIN, self.app.browser.client.back()).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(format!("tab {tab}: history back: {e}")),
            Err(_) => Err(format!(
                "tab {tab} (browser {}): history back did not return within {WITHIN:?} (the browser stopped answering)",
                self.browser_of(tab)
            )),
        }
    }

    pub(super) async fn wake_all(&mut self) -> Verdict {
        for tab in 0..self.tabs.len() {
            if self.tabs[tab].state != TabState::Awake {
                self.wake(tab).await?;
            }
        }
        Ok(())
    }

    /// Cuts (or restores) the network of every tab of `browser`: CDP's network conditions, or
    /// the page controls' `offline` where there is no CDP.
    pub(super) async fn set_offline(&mut self, browser: usize, offline: bool) {
        let tabs: Vec<usize> = (0..self.tabs.len())
            .filter(|&t| self.tabs[t].browser == browser)
            .collect();
        for tab in tabs {
            self.focus(tab).await;
            if !self.plan.engine.has_cdp() {
                self.app.control("offline", json!(offline)).await;
                continue;
            }
            let _ = self.app.browser.cdp("Network.enable", json!({})).await;
            self.app
                .browser
                .cdp(
                    "Network.emulateNetworkConditions",
                    json!({ "offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1 }),
                )
                .await;
        }
    }

    pub(super) async fn open_settings(&mut self, tab: usize) -> Verdict {
        self.focus(tab).await;
        self.leave_current(tab).await;
        self.app.goto("/settings").await;
        self.wait_for_css(find::PROFILE_FORM, "/settings's profile form")
            .await
    }

    /// Signs `user` in from `tab`, and waits until the page shows them.
    pub(super) async fn sign_in(&mut self, tab: usize, user: &str) -> Verdict {
        let browser = self.tabs[tab].browser;
        self.models[browser].signed_out_at = None;
        self.focus(tab).await;
        self.leave_current(tab).await;
        self.app.goto("/login").await;
        let on_form = crate::support::wait::poll(
            Duration::from_secs(5),
            Duration::from_millis(100),
            || async { self.app.find(find::LOGIN_FORM).await.map(|_| ()) },
        )
        .await;
        if on_form.is_none() {
            return Err(format!("tab {tab}: /login shows no sign-in form though the storm signed this browser out\n{}", self.app.describe().await));
        }
        let password = self.passwords[user].clone();
        self.app.submit_login("email", user, &password).await;
        let landed = crate::support::wait::poll(
            Duration::from_secs(10),
            Duration::from_millis(100),
            || async { (self.app.shown_email().await.as_deref() == Some(user)).then_some(()) },
        )
        .await;
        if landed.is_none() {
            return Err(format!(
                "tab {tab}: signing in as {user} did not show {user} within 10 s\n{}",
                self.app.describe().await
            ));
        }
        self.models[browser].user = Some(user.to_string());
        self.models[browser].may_end = None;
        Ok(())
    }

    /// Signs `browser` out from `actor` and `user` in there.
    pub(super) async fn switch_user(
        &mut self,
        browser: usize,
        actor: usize,
        user: &str,
    ) -> Verdict {
        self.sign_out_from(browser, actor).await?;
        self.sign_in(actor, user).await
    }

    /// Signs browser `browser` out from tab `tab`, then checks invariant 2.
    pub(super) async fn sign_out_from(&mut self, browser: usize, tab: usize) -> Verdict {
        let Some(user) = self.models[browser].user.clone() else {
            return Ok(());
        };
        for t in self.awake_tabs(browser) {
            self.focus(t).await;
            self.harvest_current(t).await;
        }
        self.focus(tab).await;
        if self.app.find(find::SIGN_OUT).await.is_none() {
            self.leave_current(tab).await;
            self.app.goto("/dashboard").await;
            if self.app.find(find::SIGN_OUT).await.is_none() {
                self.wait_for_css(find::SIGN_OUT, "a Sign out button on /dashboard")
                    .await?;
            }
        }
        self.models[browser].signed_out_at = Some(self.app.page_time().await);
        self.app.click(find::SIGN_OUT).await;
        let clicked = Instant::now();
        self.models[browser].user = None;
        self.models[browser].may_end = None;
        self.signed_out_everywhere(browser, tab, &user, clicked)
            .await
    }
}
