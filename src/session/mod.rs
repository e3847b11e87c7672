//! The signed-in session: tokens and their expiry ([`token`]), the states the UI matches on
//! ([`state`]), persistence shared by tabs ([`store`]), the cross-tab refresh lock ([`lock`]),
//! the engine that refreshes and hands out tokens ([`manager`], its state machine in
//! [`phase`], what it takes from other tabs in `other_tabs`, its account-settings extras in
//! `account`) and its Yew context (`provider`).
//! [`latest`] gives the next lock holder a consistent view of the last refresh.

mod account;
pub mod latest;
pub mod lock;
pub mod manager;
mod other_tabs;
pub mod phase;
mod provider;
pub mod state;
pub mod store;
pub mod token;

pub use manager::SessionManager;
pub use provider::{use_session, SessionContext, SessionProvider};
pub use state::{Session, SessionState, SignedOutReason};
