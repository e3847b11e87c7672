//! The browser on the dev server's app, with the few page helpers the test needs.

use std::future::Future;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::Locator;
use serde_json::Value;

use crate::support::{wait, Browser, WAIT};

use super::dev_sh::DevServer;
use super::QUIET;

/// The browser on the dev server's app, with the few page helpers this test needs.
pub(super) struct Page<'a> {
    pub(super) browser: &'a Browser,
    pub(super) dev: &'a DevServer,
}

impl Page<'_> {
    pub(super) async fn goto_url(&self, url: &str) {
        self.browser
            .client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    }

    pub(super) async fn goto(&self, path: &str) {
        self.goto_url(&format!("{}{path}", self.dev.app_origin))
            .await
    }

    pub(super) async fn find(&self, css: &str) -> Option<Element> {
        self.browser.client.find(Locator::Css(css)).await.ok()
    }

    pub(super) async fn js(&self, script: &str) -> Value {
        self.browser
            .client
            .execute(script, vec![])
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    /// Marks the loaded document; a reload drops the mark.
    pub(super) async fn set_marker(&self) {
        self.js("window.__noReload = 1; return true;").await;
    }

    pub(super) async fn has_marker(&self) -> bool {
        self.js("return window.__noReload === 1;").await == Value::Bool(true)
    }

    pub(super) async fn text_of(&self, css: &str) -> Option<String> {
        self.find(css).await?.text().await.ok()
    }

    /// Calls `check` every 100 ms until it gives `Some`, for at most `within`; then panics with
    /// `what` and the state of the page.
    pub(super) async fn poll<T, F, Fut>(&self, what: &str, within: Duration, check: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Option<T>>,
    {
        match wait::poll(within, wait::EVERY, check).await {
            Some(value) => value,
            None => panic!(
                "timed out after {within:?} waiting for {what}\n{}",
                self.describe().await
            ),
        }
    }

    pub(super) async fn wait_for(&self, css: &str) -> Element {
        self.poll(&format!("an element matching {css:?}"), WAIT, || {
            self.find(css)
        })
        .await
    }

    pub(super) async fn wait_for_text(&self, css: &str, text: &str) {
        let what = format!("{css:?} to contain {text:?}");
        self.poll(&what, WAIT, || async {
            self.text_of(css)
                .await
                .filter(|t| t.contains(text))
                .map(|_| ())
        })
        .await
    }

    pub(super) async fn fill(&self, name: &str, value: &str) {
        let input = self.wait_for(&format!("[name=\"{name}\"]")).await;
        input.clear().await.expect("clear an input");
        input
            .send_keys(value)
            .await
            .unwrap_or_else(|e| panic!("cannot type into [name={name:?}]: {e}"));
    }

    pub(super) async fn submit(&self) {
        self.wait_for("form button[type=submit]")
            .await
            .click()
            .await
            .expect("click the submit button");
    }

    /// For `QUIET`, `check` must hold all along (the page neither reloads nor changes) and trunk
    /// must start no build beyond its first.
    pub(super) async fn stays<F, Fut>(&self, what: &str, check: F)
    where
        F: Fn() -> Fut,
        Fut: Future<Output = bool>,
    {
        let until = Instant::now() + QUIET;
        while Instant::now() < until {
            let builds = self.dev.builds();
            if !check().await || builds.len() != 1 {
                panic!(
                    "{what} did not stay: the page reloaded or changed (marker window.__noReload: {}), trunk's builds so far: {builds:#?}\n{}",
                    self.has_marker().await,
                    self.describe().await
                );
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    pub(super) async fn describe(&self) -> String {
        let url = self
            .browser
            .client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_else(|e| format!("<{e}>"));
        let html = self
            .js("const m = document.querySelector('main') || document.body; return m ? m.outerHTML : '';")
            .await;
        let html: String = html.as_str().unwrap_or("").chars().take(2000).collect();
        format!(
            "  current URL: {url}\n  page (main): {html}\n  console: {:#?}\n  (scripts/dev.sh's output is below)",
            self.browser.console_messages().await
        )
    }
}
