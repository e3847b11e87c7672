//! Init scripts and the console in the engines without the DevTools Protocol (Firefox, WebKit).
//!
//! In Chromium, `App::add_init_script` is CDP's `Page.addScriptToEvaluateOnNewDocument` and the
//! console is chromedriver's log. geckodriver and WebKitWebDriver have neither over classic
//! WebDriver, so there the harness's static server does both, for the pages it serves:
//!
//! - every HTML page gets `<script src="/__e2e/harness.js"></script>` as the first thing in its
//!   `<head>` (a classic, parser-blocking script: it runs before the page's own scripts, and a
//!   CSP with `script-src 'self'` allows it);
//! - that script keeps the page's console (`console.*`, uncaught errors and rejections, failed
//!   loads) in the tab's sessionStorage (`CONSOLE_KEY`), which `Browser::console_messages` reads;
//! - and runs the init scripts registered for **this tab**: a tab carries its name in its
//!   sessionStorage (`TAB_KEY`, per tab and kept across its navigations and reloads, as CDP's
//!   scripts are per tab), written by `App::add_init_script` (in the page, or through the tiny
//!   page `/__e2e/tab?key=…` when the tab isn't on the app's origin yet, e.g. a new tab).
//!
//! Unlike CDP, this reaches only pages of the harness's static server (not nginx's, not the
//! backend's), and the marking page is one more entry in the tab's history.

use std::sync::Mutex;

/// Where the harness's page script keeps the console, in the tab's sessionStorage.
pub const CONSOLE_KEY: &str = "__e2e_console";
/// The tab's name for its init scripts, in its sessionStorage.
pub const TAB_KEY: &str = "__e2e_tab";
/// The harness's page script.
pub const HARNESS_PATH: &str = "/__e2e/harness.js";
/// The page that names a tab: `/__e2e/tab?key=<name>`.
pub const MARK_PATH: &str = "/__e2e/tab";

/// The console keeper, first in the harness's page script.
const KEEP_CONSOLE: &str = r#"(() => {
  const KEY = "__e2e_console";
  const text = (value) => {
    if (value instanceof Error) return String(value.stack || value);
    if (typeof value === "object" && value !== null) { try { return JSON.stringify(value); } catch (e) {} }
    return String(value);
  };
  // An empty list from the start: null when read means this page has no harness script.
  try { if (sessionStorage.getItem(KEY) === null) sessionStorage.setItem(KEY, "[]"); } catch (e) {}
  const keep = (level, message) => {
    const line = level + " " + location.pathname + " " + message;
    try {
      const kept = JSON.parse(sessionStorage.getItem(KEY) || "[]");
      kept.push(line);
      sessionStorage.setItem(KEY, JSON.stringify(kept.slice(-300)));
    } catch (e) {}
  };
  for (const [name, level] of [["error", "SEVERE"], ["warn", "WARNING"], ["info", "INFO"], ["log", "INFO"], ["debug", "DEBUG"]]) {
    const original = console[name];
    console[name] = function (...args) {
      keep(level, args.map(text).join(" "));
      return original.apply(this, args);
    };
  }
  addEventListener("error", (event) => {
    const target = event.target;
    if (target && target !== window && (target.src || target.href)) {
      keep("SEVERE", "Failed to load " + (target.src || target.href));
    } else {
      keep("SEVERE", "Uncaught " + text(event.error || event.message));
    }
  }, true);
  addEventListener("unhandledrejection", (event) => keep("SEVERE", "Uncaught (in promise) " + text(event.reason)));
})();
"#;

/// The init scripts registered so far, by tab.
#[derive(Default)]
pub struct InitScripts {
    scripts: Mutex<Vec<(String, String)>>,
}

impl InitScripts {
    /// Runs `source` in every document of the tab named `tab` from now on.
    pub fn add(&self, tab: &str, source: &str) {
        self.scripts
            .lock()
            .unwrap()
            .push((tab.to_string(), source.to_string()));
    }

    /// The harness's page script: the console keeper, then each tab's init scripts, in the
    /// order they were added, each behind a check of the tab's name.
    pub fn harness_js(&self) -> String {
        let mut js = String::from(KEEP_CONSOLE);
        js.push_str("{\n  let __e2eTab = null;\n  try { __e2eTab = sessionStorage.getItem(");
        js.push_str(&json_string(TAB_KEY));
        js.push_str("); } catch (e) {}\n");
        for (tab, source) in self.scripts.lock().unwrap().iter() {
            js.push_str(&format!(
                "  if (__e2eTab === {}) {{\ntry {{\n{source}\n}} catch (e) {{ console.error(\"[e2e] an init script threw:\", e); }}\n}}\n",
                json_string(tab)
            ));
        }
        js.push_str("}\n");
        js
    }
}

/// A tab's name from its WebDriver window handle (letters, digits and `-` only).
pub fn tab_key(handle: &str) -> String {
    let key: String = handle
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    format!("tab-{key}")
}

/// `html` with the harness's page script first in its `<head>` (or first of all, without one).
pub fn inject(html: &str) -> String {
    let tag = format!("<script src=\"{HARNESS_PATH}\"></script>");
    let at = html
        .find("<head")
        .and_then(|start| html[start..].find('>').map(|end| start + end + 1))
        .unwrap_or(0);
    format!("{}{tag}{}", &html[..at], &html[at..])
}

/// The page that names its tab `key` (from `/__e2e/tab?key=…`), for a tab not on the app's
/// origin yet.
pub fn mark_page(target: &str) -> String {
    let key = target
        .split_once("key=")
        .map(|(_, k)| k.split('&').next().unwrap_or(""))
        .unwrap_or("");
    let key: String = key
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    format!(
        "<!doctype html><html><head><title>e2e tab {key}</title><script>sessionStorage.setItem({}, {});</script></head><body>e2e tab {key}</body></html>",
        json_string(TAB_KEY),
        json_string(&key)
    )
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_string()).to_string()
}
