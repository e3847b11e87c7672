//! Every timing the session engine goes by, in one place.

/// Refresh this long before the access token expires.
pub const REFRESH_LEAD_SECS: f64 = 60.0;
/// Never refresh sooner than this after a token arrived, so a short lifetime can't loop.
pub const MIN_REFRESH_DELAY_SECS: f64 = 5.0;
/// An access token this close to its expiry is refreshed before use rather than sent.
pub const ACCESS_SAFETY_MARGIN_SECS: f64 = 5.0;
/// Retries while the server can't be reached back off up to this (with full jitter)...
pub const MAX_RETRY_DELAY_SECS: f64 = 30.0;
/// ...but never retry sooner than this.
pub const MIN_RETRY_DELAY_SECS: f64 = 0.5;
/// A stalled IndexedDB must not hold the session up for long: past this it counts as missing.
pub const STORE_TIMEOUT_MS: u32 = 2_000;
/// How long a sign-out waits for the server to confirm the revocation before it shows the
/// sign-in page anyway (offline: the revocation is kept and sent when back online).
pub const REVOCATION_PATIENCE_MS: u32 = 2_000;
/// Without Web Locks two tabs may refresh with one token; the one refused waits this long for
/// the other one's answer to be stored before it ends the session.
pub const REFUSAL_PATIENCE_MS: u32 = 3_000;
pub const REFUSAL_PATIENCE_STEP_MS: u32 = 500;
/// A tab waiting this long for the refresh lock while no page holds it goes on without it (a
/// lock the browser never grants must not hold a refresh or a password change up for good).
pub const LOCK_PATIENCE_MS: u32 = 10_000;
/// ...and up to this much longer while a page holds it (a slow refresh, storm seeds 13031 and
/// 13032 under load: going on without it refreshes the same token twice), but not for good (a
/// page suspended while it holds it, as mobile Safari suspends background tabs).
pub const LOCK_HOLDER_PATIENCE_MS: u32 = 20_000;
/// Asking who holds a lock gets this long for an answer.
pub const LOCK_QUERY_PATIENCE_MS: u32 = 1_000;
/// Two tabs' clocks (as their copies of a session show them, against the server's `iat`) that
/// differ by more than this disagree: one was stepped. Below it: network time and `iat`'s
/// whole seconds.
pub const CLOCK_DISAGREEMENT_SECS: f64 = 30.0;
