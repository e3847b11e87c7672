//! The storm's and the trust tests' hand on a tab (tests/e2e/storm.rs, tests/e2e/trust/):
//!
//! - [`PAGE_CONTROLS`], an init script that gives the test a hand on the tab at run time
//!   (`window.__storm`): slow IndexedDB, a shifted clock, refresh answers delayed, lost or held
//!   back, answers a gateway would give, the network cut off (`offline`, for the engines without
//!   CDP), and every `Authorization` header the tab sent; and what the page showed.
//! - [`Rng`], a small seeded PRNG (SplitMix64) for the storm's schedule.
//!
//! The stored session, found by content: `stored.rs`; tokens read and asked about: `tokens.rs`.

use serde_json::{json, Value};

use super::app::App;

/// An init script: `window.__storm`, the test's controls in the tab, all off at first.
///
/// - `idbDelay`: ms by which every `indexedDB.open` success/error reaches the page.
/// - `idbCommitDelay`: ms by which every `readwrite` transaction's `complete` reaches the page
///   (the write is stored at once; the page hears of it late).
/// - `clockShift`: ms subtracted from `Date.now()` in this document (a clock stepped back when
///   positive).
/// - `systemClockShift`: the same for every document of the browser at once, now and later (kept
///   in its localStorage), as when the system clock is stepped.
/// - `refreshDelay`: ms by which a `jwt/refresh/` answer reaches the page (the server acted).
/// - `loseRefresh`: how many next `jwt/refresh/` answers are lost: the server acted, the page
///   gets a network error.
/// - `gateway`: `[status, body]` answers given to the next `jwt/refresh/` calls instead of the
///   server's, as a gateway or proxy in front of it would (the server never sees them).
/// - `hold`: `{ path, count }`: the next `count` calls whose URL contains `path` are sent, and
///   their answers held back until `release` is set true (`held` counts those waiting); a
///   `hold` put in `sessionStorage.__storm_hold` (JSON) applies to the tab's next document only.
/// - `offline`: while true, every `fetch` of the page fails at once as a network error would,
///   `navigator.onLine` is false, and setting it fires `offline` / `online` on the window: the
///   network cut off, for the engines without CDP's `Network.emulateNetworkConditions`.
/// - `auth`: every `Authorization` token the page sent, `{ token, path, at }`.
/// - `doc`: this document's id (to tell documents of one tab apart).
/// - `screen`: what the page showed, one entry per change `{ at, path, email }` (`email`: the
///   signed-in user's as the dashboard or settings shows it, else null), from a
///   `MutationObserver`, so even a moment's display is caught.
pub const PAGE_CONTROLS: &str = r#"(() => {
  const ctl = (window.__storm = {
    idbDelay: 0, idbCommitDelay: 0, clockShift: 0, refreshDelay: 0, loseRefresh: 0, gateway: [],
    hold: null, release: false, held: 0, auth: [],
    doc: Math.random().toString(36).slice(2) + Date.now().toString(36),
  });
  try {
    const preset = sessionStorage.getItem('__storm_hold');
    if (preset) { sessionStorage.removeItem('__storm_hold'); ctl.hold = JSON.parse(preset); }
  } catch (e) {}
  let offline = false;
  Object.defineProperty(ctl, 'offline', {
    enumerable: true,
    get() { return offline; },
    set(value) {
      const was = offline;
      offline = !!value;
      if (was !== offline) dispatchEvent(new Event(offline ? 'offline' : 'online'));
    },
  });
  try {
    const onLine = Object.getOwnPropertyDescriptor(Navigator.prototype, 'onLine');
    Object.defineProperty(Navigator.prototype, 'onLine', {
      configurable: true,
      get() { return offline ? false : onLine.get.call(this); },
    });
  } catch (e) {}
  const realNow = Date.now.bind(Date);
  const SYSTEM_CLOCK = '__storm_system_clock';
  Object.defineProperty(ctl, 'systemClockShift', {
    enumerable: true,
    get() { try { return Number(localStorage.getItem(SYSTEM_CLOCK)) || 0; } catch (e) { return 0; } },
    set(value) { try { localStorage.setItem(SYSTEM_CLOCK, String(value)); } catch (e) {} },
  });
  Date.now = () => realNow() - ctl.clockShift - ctl.systemClockShift;
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

  if (window.IDBDatabase && IDBDatabase.prototype.transaction) {
    const transaction = IDBDatabase.prototype.transaction;
    IDBDatabase.prototype.transaction = function (stores, mode) {
      const t = transaction.apply(this, arguments);
      if (mode === 'readwrite') {
        let handler = null;
        Object.defineProperty(t, 'oncomplete', {
          configurable: true, get() { return handler; }, set(h) { handler = h; },
        });
        t.addEventListener('complete', (event) => {
          const deliver = () => { if (handler) handler.call(t, event); };
          const delay = ctl.idbCommitDelay;
          if (delay > 0) setTimeout(deliver, delay); else deliver();
        });
      }
      return t;
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
    if (offline) return Promise.reject(new TypeError('Failed to fetch (offline)'));
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

impl App {
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
