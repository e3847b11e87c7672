//! `memory`: one long run with 2-second access tokens: memory (JS heap, wasm memory, JS objects
//! the wasm side holds) after sign-in and after `BENCH_REFRESHES` refresh cycles of the app's own
//! timer, or as many as `BENCH_REFRESH_CAP_SECS` allow; alongside it, as a control, an idle
//! dashboard (tokens that outlive the run) for as long.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::page::{memory, settle_me, world, Sample, EMAIL, PASSWORD};
use crate::progress;
use crate::support::{App, BackendOptions};
use crate::table::{signed_kib, Table};

/// The refresh run and its control run JS in V8's interpreter only: compiled code would read as
/// a leak. Sparkplug, Maglev (after a function's 400th call) and TurboFan (its 3000th) each add
/// a function's code to the JS heap when it gets hot, so the glue functions a refresh calls
/// once or twice grow the heap hundreds to thousands of cycles in. Heap snapshots at 100, 300
/// and 500 cycles showed every JS object the same, byte for byte, and only code growing (~75 B
/// a cycle, still at 600 cycles). Interpreted, the heap stays flat: what grows is data.
pub const MEMORY_RUN_CHROMIUM_ARGS: &[&str] = &[
    "--enable-precise-memory-info",
    "--js-flags=--expose-gc --no-sparkplug --no-maglev --no-turbofan",
];

#[derive(Clone, Copy)]
enum Unit {
    Bytes,
    Count,
}

impl Unit {
    fn value(self, v: f64) -> String {
        match self {
            Unit::Bytes => format!("{:.3} MiB", v / (1024.0 * 1024.0)),
            Unit::Count => format!("{v:.0}"),
        }
    }

    fn delta(self, v: f64) -> String {
        match self {
            Unit::Bytes => signed_kib(v),
            Unit::Count => format!("{v:+.0}"),
        }
    }

    fn per(self, v: f64) -> String {
        match self {
            Unit::Bytes => format!("{v:+.0} B"),
            Unit::Count => format!("{v:+.2}"),
        }
    }
}

/// For one figure of a run's samples: "first → last (change); slope over the second half",
/// and the readings along the way ("at 0/50/… cycles: …").
fn growth(samples: &[Sample], get: Pick, unit: Unit, by_cycles: bool) -> (String, String) {
    let (Some(first), Some(last)) = (samples.first(), samples.last()) else {
        return ("n/a".into(), "—".into());
    };
    let change = match (get(first), get(last)) {
        (Some(a), Some(b)) => {
            let mut cell = format!(
                "{} → {} ({})",
                unit.value(a),
                unit.value(b),
                unit.delta(b - a)
            );
            // The second half's slope tells steady growth from warm-up.
            let mid = samples
                .iter()
                .find(|s| s.cycles * 2 >= last.cycles && s.cycles < last.cycles);
            if let (true, Some(m)) = (by_cycles, mid) {
                if let Some(v) = get(m) {
                    cell.push_str(&format!(
                        "; {}/cycle over cycles {}–{}",
                        unit.per((b - v) / (last.cycles - m.cycles) as f64),
                        m.cycles,
                        last.cycles
                    ));
                }
            }
            cell
        }
        _ => "n/a".into(),
    };
    let at: Vec<String> = samples
        .iter()
        .map(|s| {
            if by_cycles {
                s.cycles.to_string()
            } else {
                format!("{:.0}", s.secs)
            }
        })
        .collect();
    let values: Vec<String> = samples
        .iter()
        .map(|s| {
            get(s)
                .map(|v| unit.value(v))
                .unwrap_or_else(|| "n/a".into())
        })
        .collect();
    let along = format!(
        "at {} {}: {}",
        at.join("/"),
        if by_cycles { "cycles" } else { "s" },
        values.join(" / ")
    );
    (change, along)
}

/// Picks one figure of a [`Sample`].
type Pick = fn(&Sample) -> Option<f64>;

struct LongRun {
    samples: Vec<Sample>,
    target: u64,
    cap: Duration,
    signed_in_at_end: bool,
    /// The "reconnecting" banner showed at some point (a refresh failed for want of a server).
    reconnecting_seen: bool,
}

/// The control for the refresh run, side by side with it: the dashboard with tokens that
/// outlive the run (no refresh at all) for as long as the refresh run lasts. Growth here isn't
/// the refreshes'.
async fn idle_run(cap: Duration, finished: &AtomicBool) -> (Vec<Sample>, App) {
    let app = world(
        BackendOptions {
            // The app refreshes a minute before expiry, and the refresh run may last its cap plus
            // its own start: 5 minutes on top keeps this control from ever refreshing.
            access_seconds: cap.as_secs() + 300,
            ..Default::default()
        },
        "idle",
        MEMORY_RUN_CHROMIUM_ARGS,
    )
    .await;
    app.sign_in(EMAIL, PASSWORD).await;
    settle_me(&app, 1).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let started = Instant::now();
    let sample = |m: Sample| Sample {
        secs: started.elapsed().as_secs_f64(),
        ..m
    };
    let mut samples = vec![sample(memory(&app).await)];
    let mut next = Duration::from_secs(30);
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let done = finished.load(Ordering::Relaxed);
        if done || started.elapsed() >= next {
            samples.push(sample(memory(&app).await));
            next += Duration::from_secs(30);
        }
        if done {
            break;
        }
    }
    assert_eq!(
        app.backend.refresh_calls().await,
        0,
        "the idle control refreshed"
    );
    (samples, app)
}

async fn refresh_run(target: u64, cap: Duration, finished: &AtomicBool) -> (LongRun, App) {
    let app = world(
        BackendOptions {
            // A refresh about every second (the timer fires at half-life for tiny lifetimes).
            access_seconds: 2,
            ..Default::default()
        },
        "refresh",
        MEMORY_RUN_CHROMIUM_ARGS,
    )
    .await;
    app.sign_in(EMAIL, PASSWORD).await;
    // The sign-in's users/me/ (the dashboard doesn't fetch the profile again right after).
    settle_me(&app, 1).await;
    // The page notes the "reconnecting" banner itself: asking chromedriver every 250 ms grew
    // the heap it measures (each find's result array stays held by DevTools, ~250 B a cycle).
    app.js(
        "const seen = () => { if (document.querySelector('[data-notice=\"reconnecting\"]')) window.benchReconnectingSeen = true; };
         seen();
         new MutationObserver(seen).observe(document.body, { childList: true, subtree: true });",
        vec![],
    )
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let started = Instant::now();
    let base = app.backend.refresh_calls().await;
    let mut samples = vec![memory(&app).await];
    let checkpoints: Vec<u64> = (1..=4).map(|i| target * i / 4).collect();
    let mut next = 0;
    loop {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let done = app.backend.refresh_calls().await.saturating_sub(base);
        let out_of_time = started.elapsed() > cap;
        if next < checkpoints.len() && (done >= checkpoints[next] || out_of_time) {
            samples.push(Sample {
                cycles: done,
                secs: started.elapsed().as_secs_f64(),
                ..memory(&app).await
            });
            progress(&format!(
                "refresh cycles: {done}/{target} after {:.0} s",
                started.elapsed().as_secs_f64()
            ));
            while next < checkpoints.len() && done >= checkpoints[next] {
                next += 1;
            }
        }
        if next >= checkpoints.len() || out_of_time {
            break;
        }
    }
    finished.store(true, Ordering::Relaxed);
    let signed_in_at_end = app.pathname().await == "/dashboard"
        && app.exists("#user-email").await
        && !app.exists(".notice[data-notice=\"expired\"]").await;
    let reconnecting_seen = app
        .js("return window.benchReconnectingSeen === true;", vec![])
        .await
        == json!(true);
    if !signed_in_at_end || reconnecting_seen {
        // Keep the evidence: the world's folder goes away with it.
        let log =
            std::env::temp_dir().join(format!("djoser-bench-refresh-{}.log", std::process::id()));
        let _ = std::fs::copy(app.backend.stderr_log(), &log);
        eprintln!(
            "[bench] refresh run: signed in at the end: {signed_in_at_end}; \"reconnecting\" seen {reconnecting_seen}; backend log kept in {}\n{}",
            log.display(),
            app.describe().await
        );
    }
    let run = LongRun {
        samples,
        target,
        cap,
        signed_in_at_end,
        reconnecting_seen,
    };
    (run, app)
}

/// The refresh run and its idle control.
pub struct Memory {
    long: LongRun,
    idle: Vec<Sample>,
}

/// Runs both side by side: `refreshes` cycles, for at most `cap`.
pub async fn runs(refreshes: u64, cap: Duration) -> Memory {
    let finished = AtomicBool::new(false);
    let ((long, refresh_world), (idle, idle_world)) = tokio::join!(
        refresh_run(refreshes, cap, &finished),
        idle_run(cap, &finished)
    );
    // Each world goes only now, once neither run is waiting: dropping a Browser blocks this
    // thread to close its session (`block_in_place` + `block_on` on the thread that runs the
    // benchmark), and a timer that woke the other run meanwhile would wake that inner `block_on`
    // instead, leaving the other run asleep for ever.
    drop(refresh_world);
    drop(idle_world);
    Memory { long, idle }
}

impl Memory {
    /// Nothing measured (the phase left out by `BENCH_PHASES`): no rows.
    pub fn skipped(refreshes: u64, cap: Duration) -> Memory {
        Memory {
            long: LongRun {
                samples: vec![],
                target: refreshes,
                cap,
                signed_in_at_end: false,
                reconnecting_seen: false,
            },
            idle: vec![],
        }
    }

    /// One row per figure for the refresh run, then one per figure for the control; their
    /// labels say how far the run went.
    pub fn rows(&self, t: &mut Table) {
        let (long, idle) = (&self.long, &self.idle);
        if long.samples.is_empty() {
            return;
        }
        let last = long.samples.last().cloned();
        let reached = last.map(|s| s.cycles).unwrap_or(0);
        let secs = last.map(|s| s.secs).unwrap_or(0.0);
        let label = format!(
            "{} {reached} refresh cycles{} (one run, 2 s access tokens: the app's own timer refreshes every ~1 s; {:.0} s)",
            if reached >= long.target { "after" } else { "only" },
            if reached >= long.target {
                String::new()
            } else {
                format!(" of {} within the {} s cap", long.target, long.cap.as_secs())
            },
            secs
        );
        let end_state = match (long.signed_in_at_end, long.reconnecting_seen) {
            (true, false) => "still signed in at the end",
            (true, true) => {
                "still signed in at the end, but **\"reconnecting\" showed** (a refresh failed)"
            }
            (false, _) => "**NOT signed in at the end**",
        };
        let idle_secs = idle.last().map(|s| s.secs).unwrap_or(0.0);
        for &(what, get, unit) in FIGURES {
            let (change, along) = growth(&long.samples, get, unit, true);
            t.row(
                &format!("{what}, after sign-in → {label}; {end_state}"),
                change,
                along,
                "1".into(),
                "",
            );
        }
        for &(what, get, unit) in FIGURES {
            let (change, along) = growth(idle, get, unit, false);
            t.row(
                &format!(
                    "… control, alongside: {what} of an idle dashboard (no refresh) over the same {idle_secs:.0} s"
                ),
                change,
                along,
                "1".into(),
                "",
            );
        }
    }
}

/// The figures each reading gives, one row each.
const FIGURES: &[(&str, Pick, Unit)] = &[
    ("JS heap", |s| s.heap, Unit::Bytes),
    ("wasm memory", |s| s.wasm, Unit::Bytes),
    (
        "JS objects held by wasm (live externrefs)",
        |s| s.refs,
        Unit::Count,
    ),
];
