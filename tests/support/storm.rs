//! The machinery of the trust tests (tests/e2e/trust/) and the storm test (tests/e2e/storm.rs),
//! written against what any session engine must show, not against today's storage layout:
//!
//! - [`App::stored_sessions`] finds the stored session by its CONTENT (a JSON value with
//!   `refresh_token`, `access_token` and `user`), in localStorage under any key and in any
//!   IndexedDB database and object store, so the tests survive renamed or namespaced keys.
//! - [`PAGE_CONTROLS`], an init script that gives the test a hand on the tab at run time
//!   (`window.__storm`): slow IndexedDB, a shifted clock, refresh answers delayed, lost or held
//!   back, answers a gateway would give, and every `Authorization` header the tab sent.
//! - [`Rng`], a small seeded PRNG (SplitMix64) for the storm's schedule.
//! - JWT payloads read without a key ([`jwt_claims`]), and [`SignInKey`]: which sign-in a
//!   refresh token belongs to (its user and the sign-in's expiry, kept through rotation).

use base64::Engine;
use serde_json::{json, Value};

use super::app::App;
use super::http::Api;

/// An init script: `window.__storm`, the test's controls in the tab, all off at first.
///
/// - `idbDelay`: ms by which every `indexedDB.open` success/error reaches the page.
/// - `clockShift`: ms subtracted from `Date.now()` (a clock stepped back when positive).
/// - `refreshDelay`: ms by which a `jwt/refresh/` answer reaches the page (the server acted).
/// - `loseRefresh`: how many next `jwt/refresh/` answers are lost: the server acted, the page
///   gets a network error.
/// - `gateway`: `[status, body]` answers given to the next `jwt/refresh/` calls instead of the
///   server's, as a gateway or proxy in front of it would (the server never sees them).
/// - `hold`: `{ path, count }`: the next `count` calls whose URL contains `path` are sent, and
///   their answers held back until `release` is set true (`held` counts those waiting); a
///   `hold` put in `sessionStorage.__storm_hold` (JSON) applies to the tab's next document only.
/// - `auth`: every `Authorization` token the page sent, `{ token, path, at }`.
/// - `doc`: this document's id (to tell documents of one tab apart).
/// - `screen`: what the page showed, one entry per change `{ at, path, email }` (`email`: the
///   signed-in user's as the dashboard or settings shows it, else null), from a
///   `MutationObserver`, so even a moment's display is caught.
pub const PAGE_CONTROLS: &str = r#"(() => {
  const ctl = (window.__storm = {
    idbDelay: 0, clockShift: 0, refreshDelay: 0, loseRefresh: 0, gateway: [],
    hold: null, release: false, held: 0, auth: [],
    doc: Math.random().toString(36).slice(2) + Date.now().toString(36),
  });
  try {
    const preset = sessionStorage.getItem('__storm_hold');
    if (preset) { sessionStorage.removeItem('__storm_hold'); ctl.hold = JSON.parse(preset); }
  } catch (e) {}
  const realNow = Date.now.bind(Date);
  Date.now = () => realNow() - ctl.clockShift;
  const wall = () => performance.timeOrigin + performance.now();

  ctl.screen = [];
  const look = () => {
    const el = document.querySelector('#user-email, #settings-email');
    const email = el ? el.textContent.trim() || null : null;
    const last = ctl.screen[ctl.screen.length - 1];
    if (!last || last.email !== email || last.path !== location.pathname) {
      ctl.screen.push({ at: wall(), path: location.pathname, email });
    }
  };
  new MutationObserver(look).observe(document, { subtree: true, childList: true, characterData: true });
  addEventListener('popstate', look);

  if (window.IDBFactory && IDBFactory.prototype.open) {
    const open = IDBFactory.prototype.open;
    window.__stormIdbOpen = open;
    IDBFactory.prototype.open = function () {
      const request = open.apply(this, arguments);
      for (const type of ['success', 'error']) {
        let handler = null;
        const listeners = [];
        Object.defineProperty(request, 'on' + type, {
          configurable: true, get() { return handler; }, set(h) { handler = h; },
        });
        const add = request.addEventListener.bind(request);
        request.addEventListener = function (t, l, o) {
          if (t === type) { listeners.push(l); return; }
          return add(t, l, o);
        };
        add(type, (event) => {
          const deliver = () => {
            if (handler) handler.call(request, event);
            for (const l of listeners) (typeof l === 'function' ? l : l.handleEvent).call(request, event);
          };
          const delay = ctl.idbDelay;
          if (delay > 0) setTimeout(deliver, delay); else deliver();
        });
      }
      return request;
    };
  }

  const fetch = window.fetch;
  const later = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  window.fetch = function (input, init) {
    const url = String(typeof input === 'string' ? input : (input && input.url) || input);
    let auth = null;
    try {
      const headers = new Headers((init && init.headers) || (input instanceof Request ? input.headers : undefined));
      auth = headers.get('Authorization');
    } catch (e) {}
    const path = new URL(url, location.href).pathname;
    if (auth) ctl.auth.push({ token: auth.replace(/^\S+\s+/, ''), path, at: wall() });
    let answer;
    if (path.includes('/jwt/refresh') && ctl.gateway.length) {
      const [status, body] = ctl.gateway.shift();
      answer = Promise.resolve(new Response(body, { status, headers: { 'Content-Type': 'application/json' } }));
    } else {
      answer = fetch.apply(this, arguments);
      if (path.includes('/jwt/refresh')) {
        const delay = ctl.refreshDelay;
        const lose = ctl.loseRefresh > 0;
        if (lose) ctl.loseRefresh -= 1;
        answer = answer.then(async (response) => {
          if (delay > 0) await later(delay);
          if (lose) throw new TypeError('Failed to fetch (the answer was lost)');
          return response;
        });
      }
    }
    if (ctl.hold && ctl.hold.count > 0 && url.includes(ctl.hold.path)) {
      ctl.hold.count -= 1;
      ctl.held += 1;
      answer = answer.then(async (response) => {
        while (!ctl.release) await later(20);
        ctl.held -= 1;
        return response;
      });
    }
    return answer;
  };
})();"#;

/// Finds every stored session by content: `[{ area, key, db?, store?, path?, value, string }]`.
/// `value` is the session object; `path` names the property it sits under when it is nested
/// one level down; `string` says whether it was stored as JSON text. Reads IndexedDB through
/// the unslowed `open` when [`PAGE_CONTROLS`] runs in the page.
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

/// One round trip for the storm's view of a tab: `{ doc, path, email, screen, calls, last_auth,
/// stored }` (`calls`: the auth-call recorder's entries; `last_auth`: the last `Authorization`
/// sent, `{ token, path, at }`; `stored`: [`FIND_SESSIONS_FN`]'s results).
const SNAPSHOT_FN: &str = r#"(async () => {
  const s = window.__storm || {};
  const el = document.querySelector('#user-email, #settings-email');
  return {
    doc: s.doc || null, path: location.pathname,
    email: el ? el.textContent.trim() || null : null,
    screen: s.screen || [], calls: window.__authCalls || [],
    last_auth: (s.auth || []).slice(-1)[0] || null,
    stored: await FIND(),
  };
})"#;

/// Writes `value` back where [`FIND_SESSIONS_FN`] found an entry (`where` is one of its results).
const WRITE_BACK: &str = r#"return (async () => {
  const [where, value] = arguments;
  const text = JSON.stringify(value);
  if (where.area === 'localStorage') {
    if (where.path) {
      const outer = JSON.parse(localStorage.getItem(where.key));
      outer[where.path] = typeof outer[where.path] === 'string' ? text : value;
      localStorage.setItem(where.key, JSON.stringify(outer));
    } else {
      localStorage.setItem(where.key, text);
    }
    return true;
  }
  const open = window.__stormIdbOpen || IDBFactory.prototype.open;
  const db = await new Promise((resolve) => {
    const request = open.call(indexedDB, where.db);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => resolve(null);
  });
  if (!db) return false;
  return await new Promise((resolve) => {
    const t = db.transaction(where.store, 'readwrite');
    const s = t.objectStore(where.store);
    const put = (raw) => (s.keyPath === null ? s.put(raw, where.key) : s.put(raw));
    const get = s.get(where.key);
    get.onsuccess = () => {
      let raw = get.result;
      if (where.path) {
        const outer = typeof raw === 'string' ? JSON.parse(raw) : raw;
        outer[where.path] = typeof outer[where.path] === 'string' ? text : value;
        raw = typeof raw === 'string' ? JSON.stringify(outer) : outer;
      } else {
        raw = where.string ? text : value;
      }
      put(raw);
    };
    t.oncomplete = () => { db.close(); resolve(true); };
    t.onabort = () => { db.close(); resolve(false); };
  });
})();"#;

/// Where a stored session was found and what it holds (see [`App::stored_sessions`]).
#[derive(Clone, Debug)]
pub struct Stored {
    /// `{ area, key, db?, store?, path?, string }`: enough to write it back.
    pub place: Value,
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

    /// Writes `session` back where `stored` was found (same key, same shape: text or object).
    pub async fn write_stored(&self, stored: &Stored, session: &Value) {
        let done = self
            .js(WRITE_BACK, vec![stored.place.clone(), session.clone()])
            .await;
        assert_eq!(done, json!(true), "could not write back {:?}", stored.place);
    }

    /// Sets a field of this tab's controls (`window.__storm`, see [`PAGE_CONTROLS`]).
    pub async fn control(&self, field: &str, value: Value) {
        self.js(
            "if (window.__storm) window.__storm[arguments[0]] = arguments[1];",
            vec![json!(field), value],
        )
        .await;
    }

    /// What the current document showed (see [`PAGE_CONTROLS`]): `{ at, path, email }`.
    pub async fn screen_log(&self) -> Vec<Value> {
        self.js(
            "return (window.__storm && window.__storm.screen) || [];",
            vec![],
        )
        .await
        .as_array()
        .cloned()
        .unwrap_or_default()
    }

    /// The browser's wall clock in the page, Unix ms (not the app's `Date.now`, which a test may
    /// shift): to compare with the times of [`App::screen_log`] and the recorded calls.
    pub async fn page_time(&self) -> f64 {
        self.js("return performance.timeOrigin + performance.now();", vec![])
            .await
            .as_f64()
            .unwrap_or_default()
    }

    /// The email the page shows as the signed-in user's (dashboard or settings), if any.
    pub async fn shown_email(&self) -> Option<String> {
        let shown = self
            .js(
                "const el = document.querySelector('#user-email, #settings-email');
                 return el ? el.textContent.trim() : null;",
                vec![],
            )
            .await;
        shown.as_str().map(str::to_string)
    }

    /// The page's path right now, read in the page (cheaper than WebDriver's URL).
    pub async fn page_path(&self) -> String {
        self.js("return location.pathname;", vec![])
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }
}

/// Where a screen log (`App::screen_log`) shows one user and then another with no signed-out
/// moment between: `(from, to, at)` of each such change.
pub fn user_swaps(screen: &[Value]) -> Vec<(String, String, f64)> {
    let mut swaps = vec![];
    let mut previous: Option<&Value> = None;
    for entry in screen {
        if let (Some(before), Some(now)) = (
            previous.and_then(|p| p["email"].as_str()),
            entry["email"].as_str(),
        ) {
            if before != now {
                swaps.push((
                    before.to_string(),
                    now.to_string(),
                    entry["at"].as_f64().unwrap_or_default(),
                ));
            }
        }
        previous = Some(entry);
    }
    swaps
}

/// The entries of [`FIND_SESSIONS_FN`]'s JSON answer.
pub fn parse_stored(found: &Value) -> Vec<Stored> {
    found
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|mut entry| {
            let session = entry["value"].take();
            if let Some(map) = entry.as_object_mut() {
                map.remove("value");
            }
            Stored {
                place: entry,
                session,
            }
        })
        .collect()
}

/// The claims of a JWT, read without checking its signature (the test's own view of a token).
pub fn jwt_claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload.trim_end_matches('='))
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or(Value::Null)
}

/// A JWT's `user_id` as a string (SimpleJWT writes it as a string; an integer reads the same).
pub fn token_user_id(token: &str) -> Option<String> {
    match &jwt_claims(token)["user_id"] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Which sign-in a refresh token belongs to: its user and the sign-in's own expiry (the
/// backend's `session_exp` claim, kept through rotation; `exp` for the sign-in's first token).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SignInKey {
    pub user_id: String,
    pub session_exp: i64,
}

impl SignInKey {
    pub fn of(refresh: &str) -> Option<SignInKey> {
        let claims = jwt_claims(refresh);
        let session_exp = claims["session_exp"]
            .as_i64()
            .or_else(|| claims["exp"].as_i64())?;
        Some(SignInKey {
            user_id: token_user_id(refresh)?,
            session_exp,
        })
    }
}

/// Whether the backend still accepts `refresh`, asked without spending it: `jwt/verify/` (which
/// checks the blacklist and doesn't rotate, nor trigger the reuse detection) answers 200.
pub async fn refresh_token_alive(api: &Api, refresh: &str) -> bool {
    api.post("/auth/jwt/verify/", json!({ "token": refresh }))
        .await
        .status
        == 200
}

/// A small seeded PRNG (SplitMix64): the same seed gives the same schedule.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// A number in `lo..=hi`.
    pub fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }

    /// Index chosen with the given weights.
    pub fn weighted(&mut self, weights: &[u64]) -> usize {
        let total: u64 = weights.iter().sum();
        let mut r = self.below(total);
        for (i, w) in weights.iter().enumerate() {
            if r < *w {
                return i;
            }
            r -= w;
        }
        weights.len() - 1
    }
}

/// A seed from the clock (for `STORM_SEED` unset).
pub fn random_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    Rng::new(nanos ^ u64::from(std::process::id())).next_u64() % 1_000_000
}
