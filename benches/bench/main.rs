//! `make bench`: what the release build costs a user, in bytes and milliseconds, next to the raw
//! Djoser requests it can't beat. Not part of `make test` (times are noisy; sizes are checked
//! there).
//!
//! It serves `DIST_DIR` (default `dist/`) with the end-to-end harness's static server, starts the
//! reference backend (runserver with `AUTH_TCP_NODELAY=1`, fast hasher unless a row says PBKDF2),
//! drives headless Chromium and prints one Markdown table: the median and the spread of each figure
//! over `BENCH_RUNS` (default 30, at least 30 for the published table) runs.
//!
//! Phases:
//! 1. sizes of the build's files, raw and `gzip -9` (and `brotli` when it is installed);
//! 2. `cold`: `BENCH_RUNS` runs, each in a new Chromium with a fresh profile: first visit to
//!    `/login` (transfer, form usable), a first sign-in next to the raw request pair against a
//!    second backend nobody has talked to yet (both pay a new connection and the CORS
//!    preflights), memory, the dashboard reached by URL with the stored session, then sign-out
//!    and a second sign-in next to the raw pair (connection open, preflights cached);
//! 3. `nginx`: `BENCH_RUNS` first visits to `/login` through nginx with deploy/nginx.conf, each in
//!    a new Chromium with a fresh profile;
//! 4. `mobile`: `BENCH_RUNS` first visits through nginx under the standard mobile profile (CDP:
//!    150 ms latency, 1.44 Mbit/s down, 675 kbit/s up, CPU 4× slower; see [`phases::mobile`]),
//!    each in a new Chromium with a fresh profile, then a first and a second sign-in under it;
//!    each run made twice, alternately: cross-origin (the API on its own origin, CORS preflights)
//!    and same-origin (the app and the API behind one nginx, deploy/nginx-proxy.conf), the first
//!    sign-in's preflights counted in the backend's log;
//! 5. `next`: the reference, the Next.js + NextAuth anchor (`NEXT_ANCHOR`, built by
//!    scripts/bench-next.sh) served by `next start`, measured by the same code: first visits
//!    (beside the `nginx` rows) and first visits and a sign-in under the mobile profile (beside the
//!    `mobile` rows); every figure in the reference column comes from it, and the targets of
//!    issue #21 are judged against it under the table (see [`phases::next`]);
//! 6. `pbkdf2`: the warm sign-in, `BENCH_RUNS` times, against a backend with Django's default
//!    hasher;
//! 7. `memory`: one long run with 2-second access tokens: memory (JS heap, wasm memory, JS objects
//!    the wasm side holds) after sign-in and after `BENCH_REFRESHES` (default 200) refresh cycles
//!    of the app's own timer, or as many as `BENCH_REFRESH_CAP_SECS` (default 240) allow;
//!    alongside it, as a control, an idle dashboard (tokens that outlive the run) for as long.
//!
//! Phases 3 to 5, which issue #21's targets compare, run in `BENCH_ROUNDS` (default 3, at most
//! `BENCH_RUNS`) alternating rounds: each round runs `nginx`, `mobile`, then `next` for its share
//! of `BENCH_RUNS`, and the rounds' samples are merged, so a swing in the machine's load falls on
//! the app and the reference alike (`BENCH_ROUNDS=1`: each phase to completion before the next).
//!
//! Chromium runs with `--enable-precise-memory-info --js-flags=--expose-gc`; memory is read after
//! `gc()`; phase 6 runs JS in V8's interpreter only (see
//! [`phases::memory::MEMORY_RUN_CHROMIUM_ARGS`]). About 10 minutes on 2 cores.
//!
//! Layout: `page.rs` (the world and what runs in the page), `phases/*.rs` (one per phase, with
//! its rows of the table as data), `table.rs` (cells, rows, the table), `stats.rs`.
//!
//! `BENCH_RUNS=5 cargo bench --bench bench` gives a quick (unpublishable) look;
//! `BENCH_PHASES=memory` (or `cold`, `nginx`, `mobile`, `next`, `pbkdf2`, comma-separated) runs
//! only those phases.

// The harness of the end-to-end tests; this uses a part of it.
#[allow(dead_code, unused_imports)]
#[path = "../../tests/support/mod.rs"]
mod support;

mod page;
mod phases;
mod stats;
mod table;

use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use phases::{cold, memory, mobile, next, nginx, pbkdf2, sizes};
use support::sizes::Sizes;
use table::Table;

/// `BENCH_PHASES`' default.
const ALL_PHASES: &str = "cold,nginx,mobile,next,pbkdf2,memory";

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(default)
}

pub fn progress(message: &str) {
    eprintln!("[bench] {message}");
}

fn shell(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .filter(|s| !s.is_empty())
}

fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let memory = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            let line = m.lines().find(|l| l.starts_with("MemTotal:"))?.to_string();
            let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(format!(", {:.0} GiB RAM", kib / 1024.0 / 1024.0))
        })
        .unwrap_or_default();
    format!("{cores} cores (nproc), {model}{memory}")
}

fn chromium_version() -> String {
    let binary = std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into());
    shell(&binary, &["--version"])
        .and_then(|out| out.lines().last().map(str::to_string))
        .unwrap_or_else(|| "unknown".into())
}

/// The targets of issue #21, judged on this run's medians against the `next` phase's.
fn targets(
    nginx: &nginx::NginxVisits,
    mobile: &mobile::MobileVisits,
    next: &next::Next,
) -> Vec<String> {
    if let Some(reason) = &next.absent {
        return vec![format!("Targets of issue #21: not judged, {reason}.")];
    }
    let median = |s: &[f64]| stats::summarize(s).median;
    let judged = |what: &str,
                  app: &[f64],
                  anchor: &[f64],
                  ratio: fn(f64, f64) -> f64,
                  met: fn(f64) -> bool,
                  show: &str| {
        if app.is_empty() || anchor.is_empty() {
            return format!("- {what}: not judged (its phase did not run)");
        }
        let (a, n) = (median(app), median(anchor));
        let r = ratio(a, n);
        format!(
            "- {what}: app {} against Next {}: {} → **{}**",
            table::ms(a),
            table::ms(n),
            show.replace("{r}", &format!("{r:.2}")),
            if met(r) { "met" } else { "not met" }
        )
    };
    vec![
        "Targets of issue #21 (medians of this run):".to_string(),
        judged(
            "phone: first contentful paint ≤ 0.8× Next's",
            &mobile.cross_origin.painted,
            &next.mobile_painted,
            |a, n| a / n,
            |r| r <= 0.8,
            "{r}× Next's",
        ),
        judged(
            "phone: sign-in form usable ≤ Next's (aim 0.85×)",
            &mobile.cross_origin.usable,
            &next.mobile_usable,
            |a, n| a / n,
            |r| r <= 1.0,
            "{r}× Next's",
        ),
        judged(
            "phone: sign-in (click → email shown) ≥ 1.7× faster than Next",
            &mobile.cross_origin.first_sign_in,
            &next.mobile_sign_in,
            |a, n| n / a,
            |r| r >= 1.7,
            "{r}× faster",
        ),
        judged(
            "desktop (through nginx): form usable ≥ 1.25× faster than Next",
            &nginx.usable,
            &next.usable,
            |a, n| n / a,
            |r| r >= 1.25,
            "{r}× faster",
        ),
    ]
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let runs = env_number("BENCH_RUNS", 30).max(1) as usize;
    let refreshes = env_number("BENCH_REFRESHES", 200).max(4);
    let cap = Duration::from_secs(env_number("BENCH_REFRESH_CAP_SECS", 240));
    let started = Instant::now();
    let dist = support::static_server::dist_dir();
    let date = shell("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default();

    progress(&format!("sizes of {}", dist.display()));
    let sizes = Sizes::of(&dist, shell("brotli", &["--version"]).is_some());
    // BENCH_PHASES=cold,pbkdf2,memory (the default: all) runs some of them; the others' rows are
    // left out.
    let phases = std::env::var("BENCH_PHASES").unwrap_or_else(|_| ALL_PHASES.into());
    let phase = |name: &str| phases.split(',').any(|p| p.trim() == name);
    let cold = if phase("cold") {
        cold::runs(runs).await
    } else {
        cold::Cold::default()
    };
    // Phases 3 to 5 in alternating rounds (see the module's doc).
    let rounds = (env_number("BENCH_ROUNDS", 3).max(1) as usize).min(runs);
    let mut nginx = nginx::NginxVisits::default();
    let mut mobile = mobile::MobileVisits::default();
    let mut next = if phase("next") {
        next::Next::default()
    } else {
        eprintln!("\n!!! [bench] the `next` phase is not in BENCH_PHASES: NO reference figures in this run\n");
        next::Next::skipped("the `next` phase was left out (BENCH_PHASES)")
    };
    for round in 0..rounds {
        let share = runs / rounds + usize::from(round < runs % rounds);
        progress(&format!(
            "round {}/{rounds} of nginx, mobile, next: {share} of the {runs} runs",
            round + 1
        ));
        if phase("nginx") {
            nginx.merge(nginx::runs(share).await);
        }
        if phase("mobile") {
            mobile.merge(mobile::runs(share).await);
        }
        // Without the anchor, the first round says so and the others skip it.
        if next.absent.is_none() {
            next.merge(next::runs(share).await);
        }
    }
    let pbkdf2 = if phase("pbkdf2") {
        pbkdf2::runs(runs).await
    } else {
        pbkdf2::Pbkdf2::default()
    };
    let memory = if phase("memory") {
        memory::runs(refreshes, cap).await
    } else {
        memory::Memory::skipped(refreshes, cap)
    };

    let targets = targets(&nginx, &mobile, &next);
    let reference_note = match &next.absent {
        None => format!(
            "- reference column: the Next.js 15 + NextAuth v5 anchor from `{}` (NEXT_ANCHOR), built by scripts/bench-next.sh and served by its own `next start` (compressed, on loopback) against a reference backend of its own, measured in this run by the `next` phase with the same code and profile as the row (fresh Chromium per run), in {rounds} round{} (`BENCH_ROUNDS`) alternating with the app's `nginx` and `mobile` runs{}",
            next.anchor,
            if rounds == 1 { "" } else { "s" },
            match next.redone {
                0 => String::new(),
                r => format!("; {r} of its mobile runs done again (the CPU throttling did not hold)"),
            }
        ),
        Some(reason) => format!("- **NO reference figures in this run**: {reason}"),
    };
    let mut t = Table::with_reference(next);
    sizes::rows(&sizes, &mut t);
    cold.visit_rows(&mut t);
    t.rows(&nginx, nginx::ROWS);
    mobile.rows(&mut t);
    t.rows(&cold, cold::SIGN_IN_ROWS);
    t.rows(&pbkdf2, pbkdf2::ROWS);
    t.rows(&cold, cold::STATE_ROWS);
    memory.rows(&mut t);

    println!();
    println!("## make bench — {date}");
    println!();
    println!("- machine: {}; {}, headless", machine(), chromium_version());
    println!(
        "- backend: Django `runserver` with `AUTH_TCP_NODELAY=1` (no ~45 ms Nagle stall per kept-alive request), `AUTH_DEBUG=0`, SQLite; fast MD5 hasher unless the row says PBKDF2"
    );
    println!(
        "- SPA: `{}` served by the test harness's static server on loopback (no compression, `Cache-Control: no-store`); every cold run is a new Chromium with a fresh profile",
        dist.display()
    );
    println!(
        "- spread: p10 – p90 ({}) ; times measured in the page (`performance.now()`, marks); KB = 1000 bytes, MiB = 2^20",
        if runs >= 10 { "runs ≥ 10" } else { "min – max: fewer than 10 runs" }
    );
    if let Some(note) = mobile.header_note() {
        println!("{note}");
    }
    println!("{reference_note}");
    println!(
        "- first visits, the app's and the reference's alike: \"usable\" is the first moment a submit button that is not disabled is in the /login page's form (both render it disabled until their code has run), recorded in the page by a MutationObserver set before the page's scripts; each first visit starts from {}",
        match std::env::var("BENCH_START").as_deref() {
            Ok("about:blank") => "the fresh tab's `about:blank` (`BENCH_START=about:blank`): a page without `Cross-Origin-Opener-Policy` (the reference) reuses that tab's renderer process, while the app's (deploy/nginx.conf sends `same-origin`) waits for a new one started after its response".to_string(),
            _ => "a plain-text page on another site (`http://localhost:…`, the pages being on 127.0.0.1), as a visitor comes from another site or the new-tab page: both pages then open in a new renderer process (`BENCH_START=about:blank` starts from the fresh tab's `about:blank` instead, where the reference, sending no `Cross-Origin-Opener-Policy`, reuses that tab's process and the app cannot)".to_string(),
        }
    );
    if phases != ALL_PHASES {
        println!("- phases run (`BENCH_PHASES`): {phases}; the others' rows are left out");
    }
    println!();
    t.print();
    println!();
    for line in targets {
        println!("{line}");
    }
    println!();
    if let Some(note) = cold.requests_note() {
        println!("{note}");
    }
    println!(
        "Sign-in: from a capturing `click` listener on the login button to a MutationObserver seeing the address in `#user-email` (DOM, before paint). \
         Raw pair: `fetch` POST jwt/create/ then GET users/me/ (`Authorization: JWT …`), the app's headers, from the same page; runs alternate which of the two goes first."
    );
    if let Some(note) = mobile.footnote() {
        println!("{note}");
    }
    println!(
        "Refresh run: `AUTH_ACCESS_SECONDS=2`, so the app's own timer refreshes at half-life (~1 s + the request); memory read after `gc()` at each checkpoint. \
         This run and its control run JS in V8's interpreter only (`--js-flags=--no-sparkplug --no-maglev --no-turbofan`): the compiled code V8 adds for functions called once or twice a cycle, hundreds to thousands of cycles in, grows the JS heap like a leak."
    );
    if page::NO_GC.load(Ordering::Relaxed) {
        println!("Note: `gc()` was not available in the page: heap figures include garbage.");
    }
    println!();
    progress(&format!("done in {:.0} s", started.elapsed().as_secs_f64()));
}
