//! The one polling loop of the harness: every "wait until this holds, for at most so long" goes
//! through [`poll`] (or, where nothing can be awaited, [`poll_blocking`]); `App::poll` adds the
//! state of the page to the failure.

use std::future::Future;
use std::time::{Duration, Instant};

/// How often the page waits (`App::poll`, `wait_for*`) ask again.
pub const EVERY: Duration = Duration::from_millis(100);

/// Calls `check` every `every` until it gives `Some`, for at most `within` (it is called once
/// more at the end): `None` if it never did.
pub async fn poll<T, F, Fut>(within: Duration, every: Duration, mut check: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = check().await {
            return Some(value);
        }
        if Instant::now() > deadline {
            return None;
        }
        tokio::time::sleep(every).await;
    }
}

/// [`poll`] for code that can't await (a `Drop`, reaping a child process): sleeps the thread.
pub fn poll_blocking<T>(
    within: Duration,
    every: Duration,
    mut check: impl FnMut() -> Option<T>,
) -> Option<T> {
    let deadline = Instant::now() + within;
    loop {
        if let Some(value) = check() {
            return Some(value);
        }
        if Instant::now() > deadline {
            return None;
        }
        std::thread::sleep(every);
    }
}
