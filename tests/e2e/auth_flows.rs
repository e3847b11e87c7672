//! End-to-end sign-in flows: the release build in headless Chromium against the reference Django
//! backend, one isolated world per test (see tests/README.md for the page hooks used here).
//! accounts.rs: register, activate, reset and resend, and the forms' checks; sign_in.rs: signing
//! in, where it lands, and the session until sign-out.

use crate::support::{NEW_PASSWORD, PASSWORD};
mod accounts;
mod sign_in;

const NO_ACTIVE_ACCOUNT: &str = "No active account found with the given credentials";
