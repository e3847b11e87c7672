//! "Where you're signed in": the account's live sign-ins (the reference backend's token
//! families, `{prefix}sessions/`), each one signed out on its own, or all but this browser.
//! A backend without that API (stock Djoser) answers 404, and the section isn't shown.

use std::rc::Rc;

use serde::Deserialize;
use yew::prelude::*;

use crate::api::{ApiError, ApiRequest, Method};
use crate::components::{notice_text, NoticeKind};
use crate::session::SessionManager;

#[derive(Clone, PartialEq, Deserialize)]
struct SignIn {
    id: String,
    browser: String,
    system: String,
    signed_in_at: String,
    #[serde(default)]
    last_refreshed_at: Option<String>,
    current: bool,
}

/// `{prefix}sessions/{rest}`, from the API's origin.
fn sessions(rest: &str) -> String {
    format!("{}sessions/{rest}", crate::config::get().api_prefix)
}

/// `2026-12-06T21:04:05.123Z` as `2026-12-06 21:04 UTC`: no date library for one line.
fn when(iso: &str) -> String {
    match iso.get(..16) {
        Some(minutes) => format!("{} UTC", minutes.replacen('T', " ", 1)),
        None => iso.to_string(),
    }
}

/// The section's state, held by the settings page: a component of its own would cost the wasm
/// ~1 KB. Its hooks run only there, under `RequireAuth`, so with a signed-in session.
pub struct SignIns {
    list: UseStateHandle<Option<Vec<SignIn>>>,
    /// What went wrong with the last change (an `Option<String>` like other pages' states: one
    /// instance of yew's state code in the wasm for them all).
    failed: UseStateHandle<Option<String>>,
    /// Bumped after each change, to list them again.
    version: UseStateHandle<u32>,
}

/// Lists the sign-ins as the page opens, and again after each change.
#[hook]
pub fn use_sign_ins(manager: &Rc<SessionManager>) -> SignIns {
    let list = use_state(|| None::<Vec<SignIn>>);
    let failed = use_state(|| None::<String>);
    let version = use_state(|| 0u32);
    {
        let (manager, list) = (manager.clone(), list.clone());
        use_effect_with(*version, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let answer = manager.send(&ApiRequest::get(sessions(""))).await;
                list.set(answer.ok());
            });
        });
    }
    SignIns {
        list,
        failed,
        version,
    }
}

/// The section, once the list has come (nothing before, nor where the backend has no such API).
pub fn section(manager: &Rc<SessionManager>, state: &SignIns) -> Html {
    let Some(sign_ins) = &*state.list else {
        return html! {};
    };
    let act = |request: ApiRequest| {
        let manager = manager.clone();
        let (failed, version) = (state.failed.clone(), state.version.clone());
        Callback::from(move |_: MouseEvent| {
            let (manager, failed, version) = (manager.clone(), failed.clone(), version.clone());
            let request = request.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let done: Result<(), ApiError> = manager.send(&request).await;
                failed.set(done.err().map(|error| error.summary()));
                version.set(*version + 1);
            });
        })
    };
    let others = sign_ins.iter().any(|sign_in| !sign_in.current);
    html! {
        <section aria-labelledby="sign-ins-heading">
            <h2 id="sign-ins-heading">{ "Where you're signed in" }</h2>
            if let Some(error) = &*state.failed {
                { notice_text(NoticeKind::Warning, "sign-ins-error", error.clone()) }
            }
            <ul id="sign-ins" class="sign-ins">
                { for sign_ins.iter().map(|sign_in| {
                    let name = format!("{} on {}", sign_in.browser, sign_in.system);
                    html! {
                        <li data-sign-in={sign_in.id.clone()}>
                            <strong>{ &name }</strong>
                            if sign_in.current { { " (this browser)" } }
                            <p class="aside">
                                { "Signed in " }{ when(&sign_in.signed_in_at) }
                                if let Some(at) = &sign_in.last_refreshed_at { { ", last active " }{ when(at) } }
                            </p>
                            if !sign_in.current {
                                <button type="button" class="button button-secondary"
                                    aria-label={format!("Sign out {name}")}
                                    onclick={act(ApiRequest::delete(sessions(&format!("{}/", sign_in.id))))}>
                                    { "Sign out" }
                                </button>
                            }
                        </li>
                    }
                }) }
            </ul>
            if others {
                <button id="sign-out-others" type="button" class="button button-secondary"
                    onclick={act(ApiRequest::new(Method::POST, sessions("revoke-others/")))}>
                    { "Sign out everywhere else" }
                </button>
            }
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_minutes_in_utc() {
        assert_eq!(when("2026-12-06T21:04:05.123Z"), "2026-12-06 21:04 UTC");
        assert_eq!(when("2026-12-06T21:04:05Z"), "2026-12-06 21:04 UTC");
        assert_eq!(when("soon"), "soon");
        assert_eq!(when("ünïcödé-ünïcödé-x"), "ünïcödé-ünïcödé-x");
    }
}
