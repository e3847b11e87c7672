//! What the page itself sent to the API and heard back, seen from inside the tab: an init
//! script wraps `window.fetch` (which the app's requests go through) and keeps every call to
//! `/auth/` of the document: its path, the JSON it sent, its status and, for the token
//! endpoints, the JSON answer. That includes an answer the app threw away, so a test can name
//! every refresh token the browser ever held. And the app's IndexedDB copy of the session.

use serde_json::{json, Value};

use super::app::App;

/// The init script (see [`App::record_auth_calls`]): `window.__authCalls`, one entry per call,
/// `{ path, method, sent, status, answer, at, answered_at }`; `status` is null while the call
/// is under way and 0 if it failed without an answer; the times are Unix milliseconds (the
/// browser's clock, comparable across tabs). Also `window.__lockCalls` (below).
const RECORD_AUTH_CALLS: &str = r#"(() => {
  const calls = (window.__authCalls = []);
  const now = () => performance.timeOrigin + performance.now();
  const fetch = window.fetch;
  window.fetch = function (input, init) {
    const url = typeof input === 'string' ? input : input.url;
    if (!String(url).includes('/auth/')) return fetch.apply(this, arguments);
    const call = {
      path: new URL(url, location.href).pathname,
      method: (init && init.method) || (input instanceof Request ? input.method : 'GET'),
      sent: null, status: null, answer: null, at: now(), answered_at: null,
    };
    calls.push(call);
    const body = input instanceof Request ? input.clone().text()
      : Promise.resolve(init && typeof init.body === 'string' ? init.body : '');
    body.then((text) => { try { call.sent = JSON.parse(text); } catch (e) {} });
    const answer = fetch.apply(this, arguments);
    answer.then(
      (response) => response.clone().text().then((text) => {
        call.status = response.status;
        call.answered_at = now();
        if (call.path.includes('/jwt/')) { try { call.answer = JSON.parse(text); } catch (e) {} }
      }),
      (error) => { call.status = 0; call.answered_at = now(); call.error = String(error); },
    );
    return answer;
  };
  // And every request for a Web Lock: `window.__lockCalls`, `{ name, at, granted_at,
  // released_at, error }` (an aborted or refused request has an error).
  // On the prototype: WebKit drops a LockManager's JS wrapper that no script holds, and with it
  // any property set on it, so a `request` set on `navigator.locks` itself stops recording
  // after a garbage collection (storm seeds 31005 and 31044 showed refreshes with no request).
  const locks = navigator.locks;
  if (!locks) return;
  const lockCalls = (window.__lockCalls = []);
  const manager = Object.getPrototypeOf(locks);
  const request = manager.request;
  manager.request = function (name, ...rest) {
    const entry = { name, at: now(), granted_at: null, released_at: null, error: null };
    lockCalls.push(entry);
    const callback = rest[rest.length - 1];
    rest[rest.length - 1] = (lock) => {
      entry.granted_at = now();
      const held = callback(lock);
      Promise.resolve(held).finally(() => { entry.released_at = now(); });
      return held;
    };
    const requested = request.call(this, name, ...rest);
    requested.catch((error) => { entry.error = String(error); });
    return requested;
  };
})();"#;

/// The session in the app's IndexedDB record (database `djoser-auth <api> <base path>
/// database`, store `session`, key `record`), or null. Opens it as the app does (version 1,
/// creating the store), so that reading first can't leave a database without its store.
const READ_LATEST: &str = r#"return new Promise(async (resolve) => {
  let request;
  try {
    const names = (await indexedDB.databases()).map(d => d.name);
    const name = names.find(n => n.startsWith('djoser-auth ') && n.endsWith(' database'));
    if (!name) { resolve(null); return; }
    request = indexedDB.open(name, 1);
  } catch (e) { resolve(null); return; }
  request.onupgradeneeded = () => request.result.createObjectStore('session');
  request.onerror = () => resolve(null);
  request.onsuccess = () => {
    const db = request.result;
    try {
      const get = db.transaction('session', 'readonly').objectStore('session').get('record');
      get.onsuccess = () => {
        db.close();
        const record = get.result === undefined ? null : JSON.parse(get.result);
        resolve(record && record.session ? JSON.stringify(record.session) : null);
      };
      get.onerror = () => { db.close(); resolve(null); };
    } catch (e) { db.close(); resolve(null); }
  };
});"#;

impl App {
    /// Records the API calls of every document this tab opens from now on (`auth_calls`).
    pub async fn record_auth_calls(&self) {
        self.add_init_script(RECORD_AUTH_CALLS).await;
    }

    /// The calls recorded in the current document (empty if it isn't recorded).
    pub async fn auth_calls(&self) -> Vec<Value> {
        self.js("return window.__authCalls || [];", vec![])
            .await
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// The recorded calls to a path containing `fragment` (e.g. "/jwt/refresh/").
    pub async fn auth_calls_to(&self, fragment: &str) -> Vec<Value> {
        self.auth_calls()
            .await
            .into_iter()
            .filter(|c| c["path"].as_str().is_some_and(|p| p.contains(fragment)))
            .collect()
    }

    /// Every refresh token the current document sent or was given, in the order seen.
    pub async fn refresh_tokens_seen(&self) -> Vec<String> {
        let mut tokens: Vec<String> = vec![];
        for call in self.auth_calls().await {
            for token in [&call["sent"]["refresh"], &call["answer"]["refresh"]] {
                if let Some(token) = token.as_str() {
                    if !tokens.iter().any(|t| t == token) {
                        tokens.push(token.to_string());
                    }
                }
            }
        }
        tokens
    }

    /// The app's IndexedDB copy of the session as JSON, if there is one.
    pub async fn latest_session(&self) -> Option<Value> {
        let text = self.js(READ_LATEST, vec![]).await;
        let text = text.as_str()?;
        Some(
            serde_json::from_str(text)
                .unwrap_or_else(|e| panic!("the IndexedDB session is not JSON ({e}): {text}")),
        )
    }

    /// Every refresh token the current document holds anywhere: what it sent or was given
    /// (when recorded), localStorage and IndexedDB.
    pub async fn refresh_tokens_held(&self) -> Vec<String> {
        let mut tokens = self.refresh_tokens_seen().await;
        let stored = [self.session().await, self.latest_session().await];
        for session in stored.into_iter().flatten() {
            if let Some(token) = session["refresh_token"].as_str() {
                if !tokens.iter().any(|t| t == token) {
                    tokens.push(token.to_string());
                }
            }
        }
        tokens
    }

    /// Fires a plain event named `event` (e.g. "online") at `window`, as the browser does.
    pub async fn dispatch_window_event(&self, event: &str) {
        self.js(
            "window.dispatchEvent(new Event(arguments[0]));",
            vec![json!(event)],
        )
        .await;
    }
}
