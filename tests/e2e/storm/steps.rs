//! The storm's steps: one body per kind of step (schedule.rs draws which), built from the moves
//! in moves.rs.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::schedule::{self, Step};
use super::{Storm, TabState, Verdict, USERS};
use crate::support::find;

impl Storm {
    pub(super) async fn step(&mut self, n: usize) -> Verdict {
        let frozen = self.tabs_in(TabState::Frozen);
        let away = self.tabs_in(TabState::Away);
        let weights = schedule::weights(&self.plan, !frozen.is_empty(), !away.is_empty())?;
        let browser = self.rng.below(2) as usize;
        match schedule::step_at(self.rng.weighted(&weights)) {
            Step::Wait => {
                let ms = self.rng.between(4_000, 7_000);
                self.note(format!("{n}: a refresh window passes ({ms} ms)"));
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            Step::SignOut => self.sign_out_step(n, browser).await?,
            Step::SignIn => {
                let user = *self.rng.pick(&USERS);
                if self.models[browser].user.is_some() {
                    self.sign_out_step(n, browser).await?;
                }
                let Some(tab) = self.pick_awake(Some(browser)) else {
                    return Ok(());
                };
                self.note(format!(
                    "{n}: browser {browser} tab {tab}: sign in as {user}"
                ));
                self.sign_in(tab, user).await?;
            }
            Step::Profile => self.save_profile(n, browser).await?,
            Step::Password => self.change_password(n, browser).await?,
            Step::Freeze => {
                let Some(tab) = self.pick_awake(None) else {
                    return Ok(());
                };
                self.note(format!(
                    "{n}: tab {tab} (browser {}): freeze",
                    self.browser_of(tab)
                ));
                self.freeze(tab).await;
            }
            Step::Resume => {
                let tab = *self.rng.pick(&frozen);
                self.note(format!(
                    "{n}: tab {tab} (browser {}): resume",
                    self.browser_of(tab)
                ));
                self.wake(tab).await?;
            }
            Step::Away => {
                let Some(tab) = self.pick_awake(None) else {
                    return Ok(());
                };
                self.note(format!(
                    "{n}: tab {tab} (browser {}): leave for another site (back-forward cache)",
                    self.browser_of(tab)
                ));
                self.send_away(tab).await;
            }
            Step::Back => {
                let tab = *self.rng.pick(&away);
                self.note(format!(
                    "{n}: tab {tab} (browser {}): back",
                    self.browser_of(tab)
                ));
                self.wake(tab).await?;
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Step::Offline => {
                let ms = self.rng.between(2_000, 8_000);
                self.note(format!("{n}: browser {browser} offline for {ms} ms"));
                self.set_offline(browser, true).await;
                tokio::time::sleep(Duration::from_millis(ms)).await;
                self.set_offline(browser, false).await;
            }
            Step::Idb => {
                self.control_a_tab(n, "idbDelay", &[0, 300, 1500, 3000], |tab, _, ms| {
                    format!("tab {tab}: IndexedDB answers {ms} ms late")
                })
                .await;
            }
            Step::IdbCommit => {
                // The write is stored at once; the page hears of it late (and past 2 s takes
                // IndexedDB for missing and writes the copy alone).
                self.control_a_tab(n, "idbCommitDelay", &[0, 300, 1500, 3000], |tab, _, ms| {
                    format!("tab {tab}: IndexedDB's writes reported {ms} ms late")
                })
                .await;
            }
            Step::SlowRefresh => {
                self.control_a_tab(n, "refreshDelay", &[0, 500, 2000, 4000], |tab, _, ms| {
                    format!("tab {tab}: refresh answers reach the page {ms} ms late")
                })
                .await;
            }
            Step::Lost => {
                self.control_a_tab(n, "loseRefresh", &[1], |tab, b, _| {
                    format!("tab {tab} (browser {b}): its next refresh answer is lost")
                })
                .await;
            }
            Step::Clock => {
                let shifts = [0, 3_600_000, 600_000, 86_400_000];
                // The system clock: every tab of the browser sees the step at once (within one
                // browser no two tabs have different clocks).
                self.control_a_tab(n, "systemClockShift", &shifts, |_, browser, shift| {
                    format!("browser {browser}: clock set {} s back", shift / 1000)
                })
                .await;
            }
            Step::Reload => {
                let Some(tab) = self.pick_awake(None) else {
                    return Ok(());
                };
                self.note(format!(
                    "{n}: tab {tab} (browser {}): reload",
                    self.browser_of(tab)
                ));
                self.focus(tab).await;
                self.leave_current(tab).await;
                self.app.browser.client.refresh().await.expect("reload");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Step::SignOutDuringRefresh => self.sign_out_during_refresh(n, browser).await?,
            Step::UserChangeWhileAsleep => self.user_change_while_asleep(n, browser).await?,
            Step::LateProfile => self.late_profile_answer(n, browser).await?,
        }
        Ok(())
    }

    pub(super) fn browser_of(&self, tab: usize) -> usize {
        self.tabs[tab].browser
    }

    /// Sets one page control (`window.__storm`, support/storm.rs) in a random awake tab to one
    /// of `values` (picked at random after the tab), noting what it means (`say(tab, browser,
    /// value)`).
    async fn control_a_tab(
        &mut self,
        n: usize,
        field: &str,
        values: &[i64],
        say: impl FnOnce(usize, usize, i64) -> String,
    ) {
        let Some(tab) = self.pick_awake(None) else {
            return;
        };
        let value = match values {
            [only] => *only,
            _ => *self.rng.pick(values),
        };
        self.note(format!("{n}: {}", say(tab, self.browser_of(tab), value)));
        self.focus(tab).await;
        self.app.control(field, json!(value)).await;
    }

    async fn save_profile(&mut self, n: usize, browser: usize) -> Verdict {
        let Some(tab) = self.signed_in_tab(browser) else {
            return Ok(());
        };
        self.profile_saves += 1;
        let name = format!("Storm Name {}", self.profile_saves);
        self.note(format!(
            "{n}: browser {browser} tab {tab}: save the profile name {name:?} on /settings"
        ));
        self.open_settings(tab).await?;
        self.app.fill("name", &name).await;
        self.app.click(&find::submit(find::PROFILE_FORM)).await;
        self.wait_for_css(&find::notice("profile-saved"), "the profile saved notice")
            .await
    }

    async fn change_password(&mut self, n: usize, browser: usize) -> Verdict {
        let Some(tab) = self.signed_in_tab(browser) else {
            return Ok(());
        };
        let user = self.models[browser].user.clone().unwrap_or_default();
        self.password_changes += 1;
        let new = format!("Storm-pass-{}-{}", self.seed, self.password_changes);
        self.note(format!(
            "{n}: browser {browser} tab {tab}: change {user}'s password on /settings"
        ));
        self.open_settings(tab).await?;
        self.app
            .fill("current_password", &self.passwords[&user])
            .await;
        self.app.fill("new_password", &new).await;
        self.app.fill("re_new_password", &new).await;
        self.app.click(&find::submit(find::PASSWORD_FORM)).await;
        // The change waits for the refresh lock, which a refresh with a slow answer and a slow
        // IndexedDB may hold for seconds, and which the app gives up on after 10 s (a lock the
        // browser never grants: seed 5019 in Chromium).
        let may_end = self.models[browser].may_end.clone();
        let notice = find::notice("password-changed");
        let outcome = crate::support::wait::poll(
            Duration::from_secs(20),
            Duration::from_millis(100),
            || async {
                if self.app.find(&notice).await.is_some() {
                    return Some(true);
                }
                // This sign-in may end under the change (a password change in the other
                // browser revoked its refresh token): then the page goes to /login.
                (may_end.is_some() && self.app.page_path().await == "/login").then_some(false)
            },
        )
        .await;
        match outcome {
            Some(true) => {}
            Some(false) => {
                // Ended before or after `set_password/` went through: the backend tells which
                // password now holds.
                let api = self.app.api();
                let tokens = api.jwt_create(&user, &new).await;
                if tokens.status != 200 {
                    self.note(format!(
                        "   browser {browser}: {user}'s sign-in ended before the change went through"
                    ));
                    return Ok(());
                }
                api.jwt_blacklist(tokens.json()["refresh"].as_str().unwrap_or_default())
                    .await;
                self.note(format!(
                    "   browser {browser}: the password changed, and {user}'s sign-in ended under it"
                ));
            }
            None => {
                return Err(format!(
                    "no password changed notice within 20 s\n  locks: {}\n{}",
                    self.locks().await,
                    self.app.describe().await
                ))
            }
        }
        self.passwords.insert(user.clone(), new);
        let other = 1 - browser;
        if self.models[other].user.as_deref() == Some(user.as_str()) {
            self.models[other].may_end =
                Some(format!("{user}'s password changed in browser {browser}"));
        }
        Ok(())
    }

    /// Slows IndexedDB in every awake tab of `browser` and holds back the next refresh answer
    /// (the server has acted); once one tab's answer is held, lets it through and, after a
    /// random 0-1500 ms, signs out from another tab.
    async fn sign_out_during_refresh(&mut self, n: usize, browser: usize) -> Verdict {
        if self.models[browser].user.is_none() || self.awake_tabs(browser).len() < 2 {
            return Ok(());
        }
        let idb = *self.rng.pick(&[0, 300, 1500]);
        let after = self.rng.between(0, 1500);
        self.note(format!(
            "{n}: browser {browser}: IndexedDB {idb} ms late in every tab; the next refresh answer held back, let through, and {after} ms later a sign-out in another tab"
        ));
        for tab in self.awake_tabs(browser) {
            self.focus(tab).await;
            self.app.control("idbDelay", json!(idb)).await;
            self.app
                .control("hold", json!({ "path": "/jwt/refresh", "count": 1 }))
                .await;
        }
        let started = Instant::now();
        let mut refreshing = None;
        while refreshing.is_none() && started.elapsed() < Duration::from_secs(12) {
            for tab in self.awake_tabs(browser) {
                self.focus(tab).await;
                if self.app.js("return window.__storm.held;", vec![]).await == json!(1) {
                    refreshing = Some(tab);
                    break;
                }
            }
        }
        // From now on nothing is held back.
        for tab in self.awake_tabs(browser) {
            self.focus(tab).await;
            self.app.control("hold", Value::Null).await;
            self.app.control("release", json!(true)).await;
        }
        let Some(refreshing) = refreshing else {
            self.note(format!("   no refresh in browser {browser} within 12 s"));
            return Ok(());
        };
        tokio::time::sleep(Duration::from_millis(after)).await;
        let others: Vec<usize> = self
            .awake_tabs(browser)
            .into_iter()
            .filter(|&t| t != refreshing)
            .collect();
        let tab = *self.rng.pick(&others);
        self.note(format!(
            "   tab {refreshing}'s refresh answer let through; tab {tab} signs out"
        ));
        self.sign_out_from(browser, tab).await
    }

    /// Freezes or sends away (back-forward cache) a tab of `browser`, signs another user in
    /// from another tab (signing out first), and wakes the sleeping tab. Where the engine can't
    /// freeze a page, the tab is always sent away.
    async fn user_change_while_asleep(&mut self, n: usize, browser: usize) -> Verdict {
        let Some((sleeper, actor)) = self.two_awake_tabs(browser) else {
            return Ok(());
        };
        let user = self.another_user(browser);
        let freeze = self.rng.below(2) == 0 && self.plan.can_freeze();
        self.note(format!(
            "{n}: browser {browser}: tab {sleeper} {} while tab {actor} signs out and in as {user}; then it wakes",
            if freeze { "frozen" } else { "away (back-forward cache)" }
        ));
        self.focus(sleeper).await;
        if self.app.shown_email().await.is_none() {
            self.leave_current(sleeper).await;
            self.app.goto("/dashboard").await;
        }
        self.leave_current(sleeper).await;
        if freeze {
            self.freeze(sleeper).await;
        } else {
            self.send_away(sleeper).await;
        }
        self.switch_user(browser, actor, user).await?;
        self.wake(sleeper).await?;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        Ok(())
    }

    /// Holds the next `users/me/` answer of one tab of `browser` (its dashboard mounted anew
    /// asks for it), signs another user in from another tab, then lets the answer through.
    async fn late_profile_answer(&mut self, n: usize, browser: usize) -> Verdict {
        let Some((slow, actor)) = self.two_awake_tabs(browser) else {
            return Ok(());
        };
        let user = self.another_user(browser);
        self.note(format!(
            "{n}: browser {browser}: tab {slow}'s profile answer held back while tab {actor} signs out and in as {user}"
        ));
        self.focus(slow).await;
        self.leave_current(slow).await;
        self.app
            .js(
                "sessionStorage.setItem('__storm_hold', JSON.stringify({ path: '/users/me/', count: 1 }));",
                vec![],
            )
            .await;
        self.app.goto("/dashboard").await;
        let held = self.app.js("return window.__storm.held;", vec![]).await;
        self.note(format!("   tab {slow} holds {held} profile answer(s)"));
        self.switch_user(browser, actor, user).await?;
        self.focus(slow).await;
        self.app.control("release", json!(true)).await;
        tokio::time::sleep(Duration::from_millis(1500)).await;
        Ok(())
    }

    /// Signs browser `browser` out from one of its tabs, then checks invariant 2.
    async fn sign_out_step(&mut self, n: usize, browser: usize) -> Verdict {
        let Some(user) = self.models[browser].user.clone() else {
            return Ok(());
        };
        let Some(tab) = self.pick_awake(Some(browser)) else {
            return Ok(());
        };
        self.note(format!(
            "{n}: browser {browser} tab {tab}: sign out ({user})"
        ));
        self.sign_out_from(browser, tab).await
    }
}
