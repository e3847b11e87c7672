//! What the storm may do next: the kinds of step, their weights, and what each engine can do of
//! them (Firefox and WebKit have no CDP), said aloud at the start of every run.

use crate::support::browser::Engine;

/// The kinds of step, in the order of their weights (`STORM_WITHOUT=a,b` leaves those out by
/// name). The order is the schedule's: a seed replays the same steps only with the same table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Step {
    Wait,
    SignOut,
    SignIn,
    Profile,
    Password,
    Freeze,
    Resume,
    Away,
    Back,
    Offline,
    Idb,
    IdbCommit,
    SlowRefresh,
    Lost,
    Clock,
    Reload,
    SignOutDuringRefresh,
    UserChangeWhileAsleep,
    LateProfile,
}

/// Each kind of step: its name (for `STORM_WITHOUT`) and its weight. Resume and Back weigh 4
/// when a tab is frozen or away, else nothing; the last three are the sequences, with
/// random tabs and timings (a sign-out while a refresh answer is on its way, a user change
/// while a tab sleeps, a late profile answer).
const STEPS: [(Step, &str, u64); 19] = [
    (Step::Wait, "wait", 5),
    (Step::SignOut, "sign-out", 2),
    (Step::SignIn, "sign-in", 2),
    (Step::Profile, "profile", 1),
    (Step::Password, "password", 1),
    (Step::Freeze, "freeze", 1),
    (Step::Resume, "resume", 4),
    (Step::Away, "away", 1),
    (Step::Back, "back", 4),
    (Step::Offline, "offline", 1),
    (Step::Idb, "idb", 1),
    (Step::IdbCommit, "idb-commit", 1),
    (Step::SlowRefresh, "slow-refresh", 1),
    (Step::Lost, "lost", 1),
    (Step::Clock, "clock", 1),
    (Step::Reload, "reload", 1),
    (Step::SignOutDuringRefresh, "sign-out-during-refresh", 2),
    (Step::UserChangeWhileAsleep, "user-change-while-asleep", 2),
    (Step::LateProfile, "late-profile", 2),
];

/// Freezing needs CDP: why it is left out elsewhere.
const NO_FREEZE: &str = "freezing a page is CDP's Page.setWebLifecycleState; no WebDriver command freezes a page in Firefox or WebKit (Page Lifecycle's frozen state is Chromium's)";

/// Why WebKit's schedule sends no tab away.
const WEBKIT_AWAY: &str = "in WebKitGTK 2.50 (MiniBrowser) the second browser's web processes died when one tab was away on another site while another tab signed out and in (seed 3000, twice): every WebDriver command to it then hangs; with no tab sent away, there is no sleeping tab for user-change-while-asleep either";

/// What the storm does in one engine: the steps it leaves out and the ones it does another way,
/// each with the reason.
#[derive(Clone, Debug)]
pub(super) struct EnginePlan {
    pub engine: Engine,
    /// (step name, why it is left out of this engine's schedule)
    pub left_out: Vec<(&'static str, &'static str)>,
    /// (step name, how it is done here instead)
    pub replaced: Vec<(&'static str, &'static str)>,
}

impl EnginePlan {
    pub fn for_engine(engine: Engine) -> EnginePlan {
        if engine.has_cdp() {
            return EnginePlan {
                engine,
                left_out: vec![],
                replaced: vec![],
            };
        }
        let mut left_out = vec![("freeze", NO_FREEZE), ("resume", NO_FREEZE)];
        let mut replaced = vec![(
            "offline",
            "the page controls' `offline` instead of CDP's Network.emulateNetworkConditions (an init script: every fetch of the page fails as a network error, navigator.onLine false, offline/online events)",
        )];
        if engine == Engine::Webkit {
            left_out.extend([
                ("away", WEBKIT_AWAY),
                ("back", WEBKIT_AWAY),
                ("user-change-while-asleep", WEBKIT_AWAY),
            ]);
        } else {
            replaced.extend([
                (
                    "user-change-while-asleep",
                    "the sleeping tab is always sent away (back-forward cache), never frozen (no freezing without CDP)",
                ),
                (
                    "away/back",
                    "run as they are, but Firefox loads the page anew on Back rather than restoring it from its back-forward cache (tests/README.md, Known differences)",
                ),
            ]);
        }
        EnginePlan {
            engine,
            left_out,
            replaced,
        }
    }

    /// Says in the run's output what this engine's schedule leaves out or does otherwise.
    pub fn print(&self) {
        for (step, why) in &self.left_out {
            println!(
                "storm in {}: step {step:?} left out: {why}",
                self.engine.name()
            );
        }
        for (step, how) in &self.replaced {
            println!(
                "storm in {}: step {step:?} otherwise: {how}",
                self.engine.name()
            );
        }
    }

    pub fn can_freeze(&self) -> bool {
        self.engine.has_cdp()
    }
}

/// The weights of this step: the table's, with Resume and Back only when a tab is frozen or
/// away, less what `STORM_WITHOUT` and the engine leave out.
pub(super) fn weights(
    plan: &EnginePlan,
    frozen: bool,
    away: bool,
) -> Result<[u64; STEPS.len()], String> {
    let mut weights = STEPS.map(|(step, _, weight)| match step {
        Step::Resume if !frozen => 0,
        Step::Back if !away => 0,
        _ => weight,
    });
    let without = std::env::var("STORM_WITHOUT").unwrap_or_default();
    let names = without.split(',').map(str::trim).filter(|n| !n.is_empty());
    let engine = plan.left_out.iter().map(|(name, _)| *name);
    for name in names.chain(engine) {
        match STEPS.iter().position(|(_, s, _)| *s == name) {
            Some(i) => weights[i] = 0,
            None => {
                let known: Vec<&str> = STEPS.iter().map(|(_, s, _)| *s).collect();
                return Err(format!(
                    "STORM_WITHOUT: no step named {name:?} (steps: {known:?})"
                ));
            }
        }
    }
    Ok(weights)
}

/// The step a weighted draw picked.
pub(super) fn step_at(i: usize) -> Step {
    STEPS[i].0
}
