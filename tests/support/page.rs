//! What a test does in the page: open paths, find elements and wait for them, read and fill
//! them, run scripts, read the stored session. Waits poll every 100 ms for at most `WAIT` (10 s)
//! and fail with the state of the page.

use std::future::Future;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::wd::WindowHandle;
use fantoccini::Locator;
use serde_json::{json, Value};

use super::app::App;
use super::init_scripts::{tab_key, MARK_PATH, TAB_KEY};
use super::{wait, WAIT};

impl App {
    /// Opens `path` (e.g. "/login?next=%2Fdashboard") on the SPA's origin.
    pub async fn goto(&self, path: &str) {
        let url = format!("{}{path}", self.origin());
        self.goto_url(&url).await;
    }

    /// Opens `url` and, on the app's origin, waits for the app to run: the release build's
    /// prerendered page shows before it, with forms that can't be sent yet.
    pub async fn goto_url(&self, url: &str) {
        self.goto_url_as_is(url).await;
        if url.starts_with(self.origin()) {
            self.wait_for_app().await;
        }
    }

    /// Opens `url` without waiting for anything but the page load.
    pub async fn goto_url_as_is(&self, url: &str) {
        self.browser
            .client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    }

    /// Makes `window` (a tab or window of this browser) the one the helpers act on.
    pub async fn switch_to(&self, window: &WindowHandle) {
        self.browser
            .client
            .switch_to_window(window.clone())
            .await
            .expect("switch to a window");
    }

    pub async fn reload(&self) {
        self.browser.client.refresh().await.expect("reload");
        self.wait_for_app().await;
    }

    /// Waits (≤ 10 s) for the app to have replaced the prerendered page (`<html data-app>`).
    pub async fn wait_for_app(&self) {
        self.wait_for("html[data-app=running]").await;
    }

    /// The current URL's path and query.
    async fn path_and_query(&self) -> (String, Option<String>) {
        let url = self
            .browser
            .client
            .current_url()
            .await
            .expect("current URL");
        (url.path().to_string(), url.query().map(str::to_string))
    }

    /// The current URL.
    pub async fn url(&self) -> String {
        self.browser
            .client
            .current_url()
            .await
            .expect("current URL")
            .to_string()
    }

    /// The current path with its query, e.g. "/login?next=%2Fdashboard".
    pub async fn path(&self) -> String {
        match self.path_and_query().await {
            (path, Some(query)) => format!("{path}?{query}"),
            (path, None) => path,
        }
    }

    /// The current path without its query, e.g. "/login".
    pub async fn pathname(&self) -> String {
        self.path_and_query().await.0
    }

    /// Waits (≤ 10 s) for the path without its query to be `pathname`, whatever the query.
    pub async fn wait_for_pathname(&self, pathname: &str) {
        let desc = format!("the path (query aside) to become {pathname:?}");
        self.poll(&desc, WAIT, || async {
            (self.pathname().await == pathname).then_some(())
        })
        .await
    }

    /// Waits (≤ 10 s) for the path with its query to be exactly `path`.
    pub async fn wait_for_path(&self, path: &str) {
        self.wait_for_path_within(path, WAIT).await
    }

    pub async fn wait_for_path_within(&self, path: &str, within: Duration) {
        let desc = format!("the path to become {path:?}");
        self.poll(&desc, within, || async {
            (self.path().await == path).then_some(())
        })
        .await
    }

    /// The first element matching `css` right now, if any.
    pub async fn find(&self, css: &str) -> Option<Element> {
        self.browser.client.find(Locator::Css(css)).await.ok()
    }

    pub async fn count(&self, css: &str) -> usize {
        self.browser
            .client
            .find_all(Locator::Css(css))
            .await
            .map(|v| v.len())
            .unwrap_or(0)
    }

    pub async fn exists(&self, css: &str) -> bool {
        self.count(css).await > 0
    }

    /// Waits (≤ 10 s) for an element matching `css`.
    pub async fn wait_for(&self, css: &str) -> Element {
        self.poll(&format!("an element matching {css:?}"), WAIT, || {
            self.find(css)
        })
        .await
    }

    /// Waits (≤ 10 s) for an element matching `css` whose text contains `text`.
    pub async fn wait_for_text(&self, css: &str, text: &str) -> Element {
        let desc = format!("an element matching {css:?} containing {text:?}");
        self.poll(&desc, WAIT, || async {
            for el in self.browser.client.find_all(Locator::Css(css)).await.ok()? {
                if el.text().await.map(|t| t.contains(text)).unwrap_or(false) {
                    return Some(el);
                }
            }
            None
        })
        .await
    }

    /// Waits (≤ 10 s) until nothing matches `css`.
    pub async fn wait_gone(&self, css: &str) {
        self.poll(&format!("no element to match {css:?}"), WAIT, || async {
            (!self.exists(css).await).then_some(())
        })
        .await
    }

    /// The visible text of the first element matching `css` (waits for it).
    pub async fn text(&self, css: &str) -> String {
        let desc = format!("the text of {css:?}");
        self.poll(&desc, WAIT, || async {
            self.find(css).await?.text().await.ok()
        })
        .await
    }

    /// An attribute of the first element matching `css` (waits for the element).
    pub async fn attr(&self, css: &str, name: &str) -> Option<String> {
        let desc = format!("the element {css:?} to read its {name:?}");
        self.poll(&desc, WAIT, || async {
            self.find(css).await?.attr(name).await.ok()
        })
        .await
    }

    /// The current value of the input `[name="{name}"]`.
    pub async fn value(&self, name: &str) -> String {
        let css = format!("[name=\"{name}\"]");
        let desc = format!("the value of {css}");
        self.poll(&desc, WAIT, || async {
            self.find(&css)
                .await?
                .prop("value")
                .await
                .ok()?
                .or(Some(String::new()))
        })
        .await
    }

    /// Replaces the value of the input `[name="{name}"]` by typing `value`.
    pub async fn fill(&self, name: &str, value: &str) {
        let input = self.wait_for(&format!("[name=\"{name}\"]")).await;
        input
            .clear()
            .await
            .unwrap_or_else(|e| panic!("cannot clear [name={name:?}]: {e}"));
        if !value.is_empty() {
            input
                .send_keys(value)
                .await
                .unwrap_or_else(|e| panic!("cannot type into [name={name:?}]: {e}"));
        }
    }

    /// Clicks the page form's `button[type=submit]`.
    pub async fn submit(&self) {
        self.click("form button[type=submit]").await;
    }

    pub async fn click(&self, css: &str) {
        let el = self.wait_for(css).await;
        el.click()
            .await
            .unwrap_or_else(|e| panic!("cannot click {css:?}: {e}"));
    }

    /// Runs JavaScript in the page (`arguments[i]` are `args`) and returns its result.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> Value {
        self.browser
            .client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{script}"))
    }

    pub async fn local_storage_get(&self, key: &str) -> Option<String> {
        let v = self
            .js(
                "return window.localStorage.getItem(arguments[0]);",
                vec![json!(key)],
            )
            .await;
        v.as_str().map(str::to_string)
    }

    pub async fn local_storage_set(&self, key: &str, value: &str) {
        self.js(
            "window.localStorage.setItem(arguments[0], arguments[1]);",
            vec![json!(key), json!(value)],
        )
        .await;
    }

    /// Clears this origin's site storage as the browser's "clear site data" does (localStorage
    /// and every IndexedDB database), so that the next page load starts signed out.
    pub async fn clear_site_storage(&self) {
        self.js(
            "return (async () => {
               localStorage.clear();
               const names = (await indexedDB.databases()).map(d => d.name);
               await Promise.all(names.map(n => new Promise(r => {
                 const q = indexedDB.deleteDatabase(n); q.onsuccess = q.onerror = q.onblocked = () => r();
               })));
               return null;
             })();",
            vec![],
        )
        .await;
    }

    /// The localStorage key of the app's session record, once one is stored (named after the
    /// app's API and base path: `djoser-auth <api> <base path> session`).
    pub async fn session_key(&self) -> Option<String> {
        let found = self
            .js(
                "return Object.keys(localStorage).find(k => k.startsWith('djoser-auth ') && k.endsWith(' session')) || null;",
                vec![],
            )
            .await;
        found.as_str().map(str::to_string)
    }

    /// The stored session record (generation, tombstones, the session) as JSON, if any.
    pub async fn session_record(&self) -> Option<Value> {
        let key = self.session_key().await?;
        let raw = self.local_storage_get(&key).await?;
        Some(
            serde_json::from_str(&raw).unwrap_or_else(|e| panic!("{key} is not JSON ({e}): {raw}")),
        )
    }

    /// The stored session (the record's `session`) as JSON, if one is stored.
    pub async fn session(&self) -> Option<Value> {
        self.session_record()
            .await
            .map(|record| record["session"].clone())
            .filter(|session| !session.is_null())
    }

    /// A string field of the stored session; panics when there is no session or no such field.
    pub async fn session_field(&self, field: &str) -> String {
        let session = self
            .session()
            .await
            .unwrap_or_else(|| panic!("no session stored in localStorage"));
        session[field]
            .as_str()
            .unwrap_or_else(|| panic!("the stored session has no string {field:?}: {session}"))
            .to_string()
    }

    /// How many requests the page has made (fetch/XHR, per the Resource Timing API) to URLs
    /// containing `fragment`, since the document was loaded.
    pub async fn requests_to(&self, fragment: &str) -> usize {
        let v = self
            .js(
                "return performance.getEntriesByType('resource')
                    .filter(e => e.initiatorType === 'fetch' || e.initiatorType === 'xmlhttprequest')
                    .filter(e => e.name.includes(arguments[0])).length;",
                vec![json!(fragment)],
            )
            .await;
        v.as_u64().unwrap_or(0) as usize
    }

    /// Runs `source` in every document this tab opens from now on, before the page's own
    /// scripts: to break a browser API before the app starts, or to watch the page. Chromium:
    /// CDP `Page.addScriptToEvaluateOnNewDocument`, for the current tab only. Firefox and WebKit:
    /// the harness's static server puts it in the pages it serves to this tab
    /// (`init_scripts.rs`), so only on the app's own origin; a tab not there yet is first sent
    /// to a blank page of that origin that names it.
    pub async fn add_init_script(&self, source: &str) {
        if self.browser.engine.has_cdp() {
            self.browser
                .cdp(
                    "Page.addScriptToEvaluateOnNewDocument",
                    json!({ "source": source }),
                )
                .await;
            return;
        }
        assert_eq!(
            self.origin(),
            self.server.origin(),
            "init scripts in {} come from the harness's static server, and this app is served by something else",
            self.browser.engine.name()
        );
        let handle = self
            .browser
            .client
            .window()
            .await
            .expect("the current window handle");
        let tab = tab_key(&String::from(handle));
        self.server.add_init_script(&tab, source);
        if self.url().await.starts_with(self.origin()) {
            self.js(
                "sessionStorage.setItem(arguments[0], arguments[1]);",
                vec![json!(TAB_KEY), json!(tab)],
            )
            .await;
        } else {
            let mark = format!("{}{MARK_PATH}?key={tab}", self.origin());
            self.goto_url_as_is(&mark).await;
            let named = self
                .js(
                    "return sessionStorage.getItem(arguments[0]);",
                    vec![json!(TAB_KEY)],
                )
                .await;
            assert_eq!(named, json!(tab), "the tab didn't take its name");
        }
    }

    /// Makes the page match `prefers-color-scheme: dark` (or light) from now on, in this tab
    /// (CDP `Emulation.setEmulatedMedia`; it lasts across navigations).
    pub async fn emulate_color_scheme(&self, dark: bool) {
        let value = if dark { "dark" } else { "light" };
        self.browser
            .cdp(
                "Emulation.setEmulatedMedia",
                json!({ "features": [{ "name": "prefers-color-scheme", "value": value }] }),
            )
            .await;
        let query = format!("(prefers-color-scheme: {value})");
        let matches = self
            .js(
                "return window.matchMedia(arguments[0]).matches;",
                vec![json!(query)],
            )
            .await;
        assert_eq!(matches, json!(true), "the page should now match {query}");
    }

    /// The id of the focused element ("<body>" when nothing in particular has the focus).
    pub async fn focused_id(&self) -> String {
        self.js(
            "const el = document.activeElement;
             return !el || el === document.body ? '<body>' : (el.id || el.outerHTML.slice(0, 120));",
            vec![],
        )
        .await
        .as_str()
        .unwrap_or("")
        .to_string()
    }

    /// Calls `check` every 100 ms until it gives `Some`, for at most `within`; then panics with
    /// `what` and the state of the page.
    pub async fn poll<T, F, Fut>(&self, what: &str, within: Duration, check: F) -> T
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

    /// The page's URL, a snippet of its HTML, console messages and the backend's last log lines.
    pub async fn describe(&self) -> String {
        let url = self
            .browser
            .client
            .current_url()
            .await
            .map(|u| u.to_string())
            .unwrap_or_else(|e| format!("<{e}>"));
        let html = self
            .browser
            .client
            .execute("const m = document.querySelector('main') || document.body; return m ? m.outerHTML : document.documentElement.outerHTML;", vec![])
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let html = if html.chars().count() > 3000 {
            format!("{}…", html.chars().take(3000).collect::<String>())
        } else {
            html
        };
        let console = self.browser.console_messages().await;
        format!(
            "  current URL: {url}\n  page (main): {html}\n  console: {console:#?}\n  backend log ({}):\n{}",
            self.backend.stderr_log().display(),
            self.backend.log_tail(15)
        )
    }
}
