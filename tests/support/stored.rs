//! The stored session, found by its CONTENT (a JSON value with `refresh_token`, `access_token`
//! and `user`), in localStorage under any key and in any IndexedDB database and object store, so
//! the trust tests and the storm survive renamed or namespaced keys (tests/README.md, "The trust
//! tests and the storm").

use serde_json::Value;

use super::app::App;

/// Finds every stored session by content: `[{ area, key, db?, store?, path?, value, string }]`.
/// `value` is the session object; `path` names the property it sits under when it is nested
/// one level down; `string` says whether it was stored as JSON text. Reads IndexedDB through
/// the unslowed `open` when `support::storm::PAGE_CONTROLS` runs in the page.
const FIND_SESSIONS_FN: &str = r#"(async () => {
  const isSession = (v) => v && typeof v === 'object' && typeof v.refresh_token === 'string'
    && typeof v.access_token === 'string' && v.user && typeof v.user === 'object';
  const parse = (v) => {
    if (typeof v === 'string') { try { return JSON.parse(v); } catch (e) { return null; } }
    return v;
  };
  const found = [];
  const consider = (where, raw) => {
    const v = parse(raw);
    if (isSession(v)) { found.push({ ...where, value: v, string: typeof raw === 'string' }); return; }
    if (v && typeof v === 'object') {
      for (const [path, inner] of Object.entries(v)) {
        const parsed = parse(inner);
        if (isSession(parsed)) found.push({ ...where, path, value: parsed, string: typeof raw === 'string' });
      }
    }
  };
  try {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i);
      consider({ area: 'localStorage', key }, localStorage.getItem(key));
    }
  } catch (e) {}
  try {
    if (window.indexedDB && indexedDB.databases) {
      const open = window.__stormIdbOpen || IDBFactory.prototype.open;
      const timeout = (ms, value) => new Promise((resolve) => setTimeout(() => resolve(value), ms));
      for (const { name } of await indexedDB.databases()) {
        const db = await Promise.race([timeout(2000, null), new Promise((resolve) => {
          const request = open.call(indexedDB, name);
          request.onsuccess = () => resolve(request.result);
          request.onerror = () => resolve(null);
          request.onblocked = () => resolve(null);
        })]);
        if (!db) continue;
        for (const store of Array.from(db.objectStoreNames)) {
          const rows = await Promise.race([timeout(2000, []), new Promise((resolve) => {
            try {
              const s = db.transaction(store, 'readonly').objectStore(store);
              const keys = s.getAllKeys();
              const values = s.getAll();
              values.onsuccess = () => resolve(keys.result.map((k, i) => [k, values.result[i]]));
              values.onerror = () => resolve([]);
            } catch (e) { resolve([]); }
          })]);
          for (const [key, raw] of rows) consider({ area: 'indexedDB', db: name, store, key }, raw);
        }
        db.close();
      }
    }
  } catch (e) {}
  return found;
})"#;

/// One round trip for the storm's view of a tab: `{ doc, path, now, email, screen, calls, locks,
/// last_auth, stored }` (`now`: Unix ms by the browser's clock, as the calls' times) (`calls`, `locks`: the auth-call recorder's entries; `last_auth`: the last `Authorization`
/// sent, `{ token, path, at }`; `stored`: [`FIND_SESSIONS_FN`]'s results).
const SNAPSHOT_FN: &str = r#"(async () => {
  const s = window.__storm || {};
  const el = document.querySelector('#user-email, #settings-email');
  return {
    doc: s.doc || null, path: location.pathname, now: performance.timeOrigin + performance.now(),
    email: el ? el.textContent.trim() || null : null,
    screen: s.screen || [], calls: window.__authCalls || [], locks: window.__lockCalls || [],
    last_auth: (s.auth || []).slice(-1)[0] || null,
    stored: await FIND(),
  };
})"#;

/// A stored session, as found (see [`App::stored_sessions`]).
#[derive(Clone, Debug)]
pub struct Stored {
    pub session: Value,
}

impl Stored {
    pub fn refresh_token(&self) -> &str {
        self.session["refresh_token"].as_str().unwrap_or_default()
    }

    pub fn access_token(&self) -> &str {
        self.session["access_token"].as_str().unwrap_or_default()
    }

    pub fn user_email(&self) -> Option<&str> {
        self.session["user"]["email"].as_str()
    }
}

impl App {
    /// Every stored session the current document can read, found by content (see the module
    /// documentation): localStorage first, then IndexedDB.
    pub async fn stored_sessions(&self) -> Vec<Stored> {
        let found = self
            .js(&format!("return {FIND_SESSIONS_FN}();"), vec![])
            .await;
        parse_stored(&found)
    }

    /// The storm's view of the current tab in one round trip: `{ doc, path, email, screen,
    /// calls, stored }` (`stored` as [`App::stored_sessions`] finds them, still JSON).
    pub async fn snapshot(&self) -> Value {
        let script = format!("const FIND = {FIND_SESSIONS_FN}; return {SNAPSHOT_FN}();");
        self.js(&script, vec![]).await
    }

    /// The stored session, found by content: the first one found (localStorage before
    /// IndexedDB), if any.
    pub async fn stored_session(&self) -> Option<Stored> {
        self.stored_sessions().await.into_iter().next()
    }
}

/// The entries of [`FIND_SESSIONS_FN`]'s JSON answer.
pub fn parse_stored(found: &Value) -> Vec<Stored> {
    found
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|mut entry| Stored {
            session: entry["value"].take(),
        })
        .collect()
}
