//! The storm (issue #18, part 3): random interleavings thrown at the session, its invariants
//! (/work/shared/design.md, "the trust model") checked after every step.
//!
//! One world per seed: the real backend with 65 s access tokens (a refresh window every ~5 s),
//! two browsers of the engine `E2E_BROWSER` names (the world's with three tabs, a second one with
//! two), four users. A seeded schedule (schedule.rs) of: refresh windows passing, sign-out,
//! sign-in as another user, profile saves and password changes on /settings, tab freeze/resume
//! (CDP `Page.setWebLifecycleState`) and back-forward restores, offline periods (CDP
//! `Network.emulateNetworkConditions`, or the page controls' `offline` where there is no CDP),
//! slow IndexedDB (opens, or writes heard late) and slow refresh answers (the page controls of
//! `support::storm`, and the backend's fault knobs on a seeded list of requests), lost refresh
//! answers (the server acts, the page hears nothing), clock steps, reloads; the steps themselves
//! are in steps.rs (built from moves.rs). After every step (invariants.rs):
//!
//! 1. no tab shows a user other than the owner of the tokens its browser holds (the access
//!    token's `user_id` against the page and against the stored profile), and no tab goes from
//!    one user to another without a signed-out moment between (its screen log);
//! 2. after a sign-out, within 5 s no tab of that browser is signed in, and every refresh token
//!    that browser ever held is refused by the backend (asked with `jwt/verify/`, which spends
//!    nothing);
//! 3. no live sign-in ends except by a sign-out or a password change (or after a lost refresh
//!    answer, whose retry the server refuses: a refusal that means the token is dead);
//! 4. at most one refresh call per refresh window per browser: no refresh token sent twice and
//!    answered twice, no two successful refreshes less than 2.5 s apart.
//!
//! Firefox and WebKit have no CDP: their schedule leaves out freezing (nothing else freezes a
//! page there) and cuts the network with the page controls instead; the run prints what it left
//! out or replaced and why (`schedule::EnginePlan`, tests/README.md "Engines").
//!
//! `STORM_SEED` replays one seed, `STORM_SEEDS` runs that many (from `STORM_SEED`, or random),
//! `STORM_STEPS` steps per seed. The seed is printed at the start and in every failure; each
//! failing seed is reported with its steps. `make test` runs two seeds of 8 steps in each engine;
//! `make storm STORM_SEEDS=200` runs many.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::time::{Duration, Instant};

use fantoccini::wd::WindowHandle;

use crate::sessions::new_tab;
use crate::support::browser::Engine;
use crate::support::storm::{random_seed, Rng, PAGE_CONTROLS};
use crate::support::tokens::{token_user_id, SignInKey};
use crate::support::{App, BackendOptions, Browser, PASSWORD};

mod invariants;
mod moves;
mod schedule;
mod steps;

use schedule::EnginePlan;

const USERS: [&str; 4] = [
    "ann@example.com",
    "ben@example.com",
    "cat@example.com",
    "dan@example.com",
];

/// The longest a step (or the checks after it) may take before the seed fails: the slowest
/// steps wait up to 12 s for a refresh and 10 s for a page, several times.
const STEP_LIMIT_S: u64 = 120;

#[derive(Clone, Copy, Debug, PartialEq)]
enum TabState {
    Awake,
    Frozen,
    /// Navigated off the app (the page is in the back-forward cache, where the engine keeps it).
    Away,
}

struct Tab {
    handle: WindowHandle,
    browser: usize,
    state: TabState,
}

#[derive(Default)]
struct BrowserModel {
    /// Who the storm signed in here, if anyone.
    user: Option<String>,
    /// Why the sign-in may have ended without a sign-out (a lost answer, a password change
    /// elsewhere), if it may.
    may_end: Option<String>,
    /// Every refresh token this browser was seen holding, by sign-in.
    tokens: BTreeMap<SignInKey, BTreeSet<String>>,
    /// Tokens the backend was seen refusing (they stay refused).
    refused: HashSet<String>,
    /// Refresh calls answered: (page time ms, refresh token sent, status, "tab T doc D").
    calls: Vec<(f64, String, i64, String)>,
    /// (document, index) of the recorded calls already taken.
    taken: HashSet<(String, usize)>,
    /// Documents whose screen log has already been reported.
    reported: HashSet<String>,
    /// Refresh tokens sent in calls whose answer the page never heard (a network error, the
    /// answer lost, the document navigated away mid-call): the server may have rotated them
    /// behind the browser's back, so a later refusal of one is a refusal that means the token
    /// is dead, not a race.
    lost: HashSet<String>,
    /// The Web Lock requests of each document seen ("tab T doc D"), as last harvested.
    lock_calls: HashMap<String, serde_json::Value>,
    /// When (page time, ms) the storm last clicked Sign out here, until it signs in again.
    signed_out_at: Option<f64>,
}

struct Storm {
    /// The browser not in `app.browser` right now (swapped in when one of its tabs is used).
    /// Declared first so it is dropped first: its profile may lie in the app's folder, which
    /// `app` removes, and a browser closed after that writes its profile back.
    parked: Option<Browser>,
    app: App,
    active: usize,
    tabs: Vec<Tab>,
    models: [BrowserModel; 2],
    passwords: HashMap<String, String>,
    emails: HashMap<String, String>,
    rng: Rng,
    seed: u64,
    plan: EnginePlan,
    steps: Vec<String>,
    password_changes: u32,
    profile_saves: u32,
}

type Verdict = Result<(), String>;

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread")]
async fn storm() {
    skip_unless_e2e!();
    let first = env_u64("STORM_SEED").unwrap_or_else(random_seed);
    let seeds = env_u64("STORM_SEEDS").unwrap_or(2);
    let steps = env_u64("STORM_STEPS").unwrap_or(8) as usize;
    let plan = EnginePlan::for_engine(Engine::from_env());
    println!(
        "storm in {}: seeds {first}..{} ({seeds}), {steps} steps each (STORM_SEED={first} replays the first)",
        plan.engine.name(),
        first + seeds - 1
    );
    plan.print();
    let started = Instant::now();
    let mut failures = vec![];
    for seed in first..first + seeds {
        let began = Instant::now();
        // A helper that panics (a page that never loads) fails this seed, not the whole storm.
        let outcome = match tokio::spawn(run_seed(seed, steps, plan.clone())).await {
            Ok(outcome) => outcome,
            Err(error) => Err(format!(
                "seed {seed}: the storm itself panicked (steps above, prefixed [seed {seed}]): {}",
                panic_message(error)
            )),
        };
        match &outcome {
            Ok(()) => println!("storm seed {seed}: passed in {:.0?}", began.elapsed()),
            Err(message) => {
                println!(
                    "storm seed {seed}: FAILED in {:.0?}\n{message}",
                    began.elapsed()
                );
                failures.push(format!("seed {seed} (STORM_SEED={seed} STORM_SEEDS=1 STORM_STEPS={steps} replays it):\n{message}"));
            }
        }
    }
    println!(
        "storm in {}: {} of {seeds} seeds passed in {:.0?}",
        plan.engine.name(),
        seeds as usize - failures.len(),
        started.elapsed()
    );
    assert!(
        failures.is_empty(),
        "storm: {} seed(s) failed:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

fn panic_message(error: tokio::task::JoinError) -> String {
    match error.try_into_panic() {
        Ok(panic) => panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "a panic".to_string()),
        Err(error) => error.to_string(),
    }
}

async fn run_seed(seed: u64, steps: usize, plan: EnginePlan) -> Verdict {
    let mut rng = Rng::new(seed);
    // The backend's own delays, on a seeded list of requests (the n-th refresh gets the n-th).
    let delays = |rng: &mut Rng, n: usize, slow: &[u64]| {
        (0..n)
            .map(|_| {
                format!(
                    "delay-{}",
                    if rng.below(4) == 0 {
                        *rng.pick(slow)
                    } else {
                        0
                    }
                )
            })
            .collect::<Vec<_>>()
            .join(",")
    };
    let faults = format!(
        "POST /auth/jwt/refresh/={};GET /auth/users/me/={}",
        delays(&mut rng, 80, &[400, 1500, 3000]),
        delays(&mut rng, 40, &[800, 2500])
    );
    let app = App::start_with(BackendOptions::short_access().with_faults(faults)).await;
    let second = app.second_browser("second-browser").await;
    let mut storm = Storm {
        app,
        parked: Some(second),
        active: 0,
        tabs: vec![],
        models: Default::default(),
        passwords: HashMap::new(),
        emails: HashMap::new(),
        rng,
        seed,
        plan,
        steps: vec![],
        password_changes: 0,
        profile_saves: 0,
    };
    // A browser that stops answering (WebDriver has no timeouts of its own) fails the seed at
    // the step it happened in, instead of hanging the run.
    let within = |what: String, limit: u64| {
        move |outcome: Result<Verdict, tokio::time::error::Elapsed>| {
            outcome.unwrap_or_else(|_| {
                Err(format!(
                    "{what} did not finish within {limit} s (a browser stopped answering?)"
                ))
            })
        }
    };
    let outcome = async {
        let limit = Duration::from_secs(STEP_LIMIT_S);
        let timed = tokio::time::timeout(limit, storm.set_up()).await;
        within("setting up".into(), STEP_LIMIT_S)(timed)?;
        for n in 0..steps {
            let timed = tokio::time::timeout(limit, storm.step(n)).await;
            within(format!("step {n}"), STEP_LIMIT_S)(timed)?;
            tokio::time::sleep(Duration::from_millis(800)).await;
            let timed = tokio::time::timeout(limit, storm.check()).await;
            within(format!("the checks after step {n}"), STEP_LIMIT_S)(timed)?;
        }
        let timed = tokio::time::timeout(limit, storm.wake_all()).await;
        within("waking every tab".into(), STEP_LIMIT_S)(timed)?;
        tokio::time::sleep(Duration::from_secs(2)).await;
        let timed = tokio::time::timeout(limit, storm.check()).await;
        within("the last checks".into(), STEP_LIMIT_S)(timed)
    }
    .await;
    outcome.map_err(|problem| {
        format!(
            "seed {seed}: {problem}\nsteps:\n  {}\nbackend log (last lines):\n{}",
            storm.steps.join("\n  "),
            storm.app.backend.log_tail(25)
        )
    })
}

/// The world: its users, its tabs in two browsers, which browser is in use.
impl Storm {
    async fn set_up(&mut self) -> Verdict {
        let api = self.app.api();
        for email in USERS {
            self.app.add_user(email).await;
            self.passwords
                .insert(email.to_string(), PASSWORD.to_string());
            let tokens = api.jwt_create(email, PASSWORD).await.json();
            let id = token_user_id(tokens["access"].as_str().unwrap_or_default())
                .expect("a user_id in the access token");
            api.jwt_blacklist(tokens["refresh"].as_str().unwrap_or_default())
                .await;
            self.emails.insert(id, email.to_string());
        }
        // Browser 0: three tabs, signed in as the first user; browser 1: two, the second user.
        for (browser, count) in [(0, 3), (1, 2)] {
            if browser != self.active {
                self.swap_browsers();
            }
            for i in 0..count {
                let handle = if i == 0 {
                    let client = &self.app.browser.client;
                    client.window().await.expect("window handle")
                } else {
                    new_tab(&self.app).await
                };
                self.app.add_init_script(PAGE_CONTROLS).await;
                self.app.record_auth_calls().await;
                self.tabs.push(Tab {
                    handle,
                    browser,
                    state: TabState::Awake,
                });
            }
        }
        for (user, tabs) in [
            (USERS[0], [0, 1, 2].as_slice()),
            (USERS[1], [3, 4].as_slice()),
        ] {
            self.sign_in(tabs[0], user).await?;
            for &tab in &tabs[1..] {
                self.focus(tab).await;
                self.app.goto("/dashboard").await;
            }
        }
        self.note(
            "set up: browser 0 (tabs 0-2) signed in as ann, browser 1 (tabs 3-4) as ben".into(),
        );
        Ok(())
    }

    fn swap_browsers(&mut self) {
        let parked = self.parked.as_mut().expect("the parked browser");
        std::mem::swap(&mut self.app.browser, parked);
        self.active = 1 - self.active;
    }

    /// Makes `tab` the one the helpers act on (swapping browsers if it is in the other one).
    async fn focus(&mut self, tab: usize) {
        if self.tabs[tab].browser != self.active {
            self.swap_browsers();
        }
        let handle = self.tabs[tab].handle.clone();
        self.app.switch_to(&handle).await;
    }

    fn note(&mut self, line: String) {
        println!("  [seed {}] {line}", self.seed);
        self.steps.push(line);
    }

    fn awake_tabs(&self, browser: usize) -> Vec<usize> {
        (0..self.tabs.len())
            .filter(|&t| self.tabs[t].browser == browser && self.tabs[t].state == TabState::Awake)
            .collect()
    }

    fn tabs_in(&self, state: TabState) -> Vec<usize> {
        (0..self.tabs.len())
            .filter(|&t| self.tabs[t].state == state)
            .collect()
    }

    fn pick_awake(&mut self, browser: Option<usize>) -> Option<usize> {
        let tabs: Vec<usize> = (0..self.tabs.len())
            .filter(|&t| {
                self.tabs[t].state == TabState::Awake
                    && browser.is_none_or(|b| self.tabs[t].browser == b)
            })
            .collect();
        (!tabs.is_empty()).then(|| *self.rng.pick(&tabs))
    }

    fn signed_in_tab(&mut self, browser: usize) -> Option<usize> {
        self.models[browser].user.as_ref()?;
        self.pick_awake(Some(browser))
    }

    /// Two awake tabs of a signed-in `browser`, picked at random: (the one something happens
    /// to, the one that acts meanwhile); `None` if it isn't signed in or has fewer than two.
    fn two_awake_tabs(&mut self, browser: usize) -> Option<(usize, usize)> {
        let tabs = self.awake_tabs(browser);
        if tabs.len() < 2 || self.models[browser].user.is_none() {
            return None;
        }
        let one = *self.rng.pick(&tabs);
        let rest: Vec<usize> = tabs.iter().copied().filter(|&t| t != one).collect();
        Some((one, *self.rng.pick(&rest)))
    }

    /// A user other than the one `browser` is signed in as, picked at random.
    fn another_user(&mut self, browser: usize) -> &'static str {
        let current = self.models[browser].user.clone().unwrap_or_default();
        let others: Vec<&str> = USERS.iter().copied().filter(|u| *u != current).collect();
        others[self.rng.below(others.len() as u64) as usize]
    }

    /// The Web Locks of the current tab's browser, held and waited for, read twice 1 s apart (a
    /// step stuck behind one says so).
    async fn locks(&self) -> String {
        let query = "return navigator.locks ? navigator.locks.query().then(q => JSON.stringify(q)) : 'no Web Locks';";
        let mut shots = Vec::new();
        for _ in 0..2 {
            shots.push(self.app.js(query, vec![]).await.to_string());
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
        shots.join("\n  ")
    }

    async fn wait_for_css(&self, css: &str, what: &str) -> Verdict {
        let found = crate::support::wait::poll(
            Duration::from_secs(10),
            Duration::from_millis(100),
            || async { self.app.find(css).await.map(|_| ()) },
        )
        .await;
        match found {
            Some(()) => Ok(()),
            None => Err(format!(
                "no {what} within 10 s\n  locks: {}\n{}",
                self.locks().await,
                self.app.describe().await
            )),
        }
    }
}
