//! The sign-in frontend for Django + Djoser (JWT) backends.
//!
//! - [`api`]: the Djoser client (one request helper, one function per endpoint, one error type)
//! - [`session`]: the signed-in session: tokens, persistence, timed refresh, the context provider
//! - [`guards`]: who may see which page, and where to send them otherwise
//! - [`pages`] and [`components`]: what the user sees
//!
//! Everything that decides (token expiry, error parsing, redirect checks, form validation) is
//! pure and unit-tested natively; effects (fetch, storage, timers) stay thin around it.

pub mod api;
pub mod app;
#[cfg(feature = "prerender")]
pub mod build_pages;
pub mod clock;
pub mod components;
pub mod config;
pub mod field_map;
pub mod fields;
pub mod guards;
pub mod json;
pub mod pages;
pub mod routes;
pub mod session;
pub mod takeover;
pub mod url;
pub mod validate;

/// True in the build-time prerender (natively, with yew's `ssr`), which draws each page's first
/// HTML; false in the browser app.
pub const PRERENDERING: bool = cfg!(feature = "prerender");
