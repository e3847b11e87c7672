//! The signed-in session: tokens and their expiry ([`token`]), the states the UI matches on
//! ([`state`]), the one record every tab agrees on ([`record`], its decisions pure) and where
//! it is kept ([`shared`]: IndexedDB, a localStorage copy, or memory), the cross-tab refresh
//! lock ([`lock`]), the engine that refreshes and hands out tokens ([`manager`], its state
//! machine in [`phase`], what it takes from other tabs in `other_tabs`, its account-settings
//! extras in `account`), revocations kept for later (`revocations`), the sign-in page's
//! deleted-account notice ([`deleted_account`]), the dashboard's profile cache policy
//! ([`profile_freshness`]), every timing
//! ([`timing`]) and its Yew context (`provider`).

mod account;
pub mod deleted_account;
pub mod lock;
pub mod manager;
mod other_tabs;
pub mod phase;
pub mod profile_freshness;
mod provider;
pub mod record;
mod revocations;
pub mod shared;
pub mod state;
pub mod timing;
pub mod token;

pub use manager::SessionManager;
pub use provider::{use_session, SessionContext, SessionProvider};
pub use state::{Session, SessionState, SignedOutReason};
