//! The size budget: a first visit to `/login` (wasm + JS + `login.html` with its inline
//! stylesheet, of the release `dist/`, each `gzip -9`) transfers at most the budget below. It
//! began at 170 KB: the 158.4 KB of the nightly build-std release build (issue #10), the ~4 KB
//! that sessions safe across tabs and storage failures (issue #11) and the runtime configuration
//! of any Djoser layout and path (issue #12) added, and a small margin, so it can't creep back.
//! Sizes are exact, so this is a fair test; the timings stay in `make bench`. The report adds the
//! brotli figure (what hosts with the build's `.br` twins send) when the `brotli` tool is
//! installed.

use std::process::{Command, Stdio};

use crate::support::sizes::Sizes;
use crate::support::static_server::dist_dir;

/// In bytes (KB = 1000 bytes). A stable-toolchain build (`RELEASE_TOOLCHAIN=stable`) is ~20 KB
/// over: the budget is for what `make build` ships.
///
/// Raised from 170 KB to 187 KB with issues #18/#19 (the shared record with atomic IndexedDB
/// steps, the sign-out that waits for its revocation, "Where you're signed in", emailed links out
/// of the address bar): the first visit went from 169.3 to 186.0 KB. Lowered to 183.5 KB with
/// the cuts of issue #22 (182.8 KB: one call path with the token, shared cards, plain functions
/// for the loading shell and the notices, no yew-router `Redirect`). Still a debt, not a new
/// normal: what is left to cut is in what every page shares (yew's code per component, serde's
/// per type), or in code splitting by page (issue #22's figures), and the budget goes down with it.
/// Lowered to 181 KB by cutting yew's `Classes` and the link component (183.7 -> 179.6 KB),
/// which also paid for the refresh lock's wait for a slow holder and the two stores joined
/// (180.7 KB). Lowered to 170 KB (180.8 -> 169.8 KB) by keeping serde's error messages and Rust's
/// float printer out of the wasm (vendor/README.md, `json::float_text`), fetch through web-sys
/// rather than gloo-net, the notices of one paragraph through one function, error bodies walked
/// straight from `JSON.parse`, and no panic hook where a panic aborts before any hook runs.
/// Lowered to 168.5 KB (169.9 -> 168.2 KB, under issue #21's 169.3 KB) by making the sign-ins
/// section and `app::pages` plain functions rather than components, sharing the form fields'
/// attribute values, and sharing markup in the activation page.
const BUDGET_GZIP: u64 = 168_500;

#[test]
fn first_visit_fits_the_size_budget() {
    skip_unless_e2e!();
    let dist = dist_dir();
    let brotli = Command::new("brotli")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let sizes = Sizes::of(&dist, brotli);
    assert!(
        sizes.wasm.raw > 0 && sizes.js_files >= 2 && sizes.html.raw > 0,
        "{} is not a release build (run `make build`)",
        dist.display()
    );
    let total = sizes.first_visit();
    let report = format!(
        "first visit, gzip -9: {} bytes (budget {BUDGET_GZIP}) = wasm {} + JS {} ({} files) + CSS files {} + HTML {} (stylesheet inline)",
        total.gzip, sizes.wasm.gzip, sizes.js.gzip, sizes.js_files, sizes.css.gzip, sizes.html.gzip
    );
    match total.brotli.filter(|_| sizes.brotli) {
        Some(brotli) => println!("{report}; brotli -q 11: {brotli} bytes"),
        None => println!("{report}"),
    }
    assert!(total.gzip <= BUDGET_GZIP, "over the size budget: {report}");
}
