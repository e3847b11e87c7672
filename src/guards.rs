//! Who may see which page: the Next.js middleware's job, done in the browser.

use yew::html::ChildrenProps;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::components::loading;
use crate::routes::{redirect, redirect_to_path, use_query, Query, Route};
use crate::session::{use_session, SessionState, SignedOutReason};
use crate::url::{percent_decode, within_base};

/// Longer than any real path; a longer `next` is someone's experiment.
const MAX_NEXT_LEN: usize = 2048;

/// The app path to go to for `next` (a browser path, `/account/dashboard` under the base path
/// `/account/`) if it is a path of this app on this origin, else `None`.
///
/// Refused: anything outside `base`, anything not starting with a single `/` (`//host`,
/// schemes, `javascript:`), backslashes (browsers read `/\host` as `//host`), control characters
/// and whitespace (browsers drop tabs and newlines, so `/\t/host` becomes `//host`), dot segments
/// (`/account/%2e%2e/other` resolves to `/other`), and the same tricks percent-encoded once more
/// or behind the base path.
pub fn safe_next(next: &str, base: &str) -> Option<String> {
    fn path_only(path: &str) -> &str {
        path.split(['?', '#']).next().unwrap_or_default()
    }
    // Dot segments: browsers resolve `/account/../x` (and `%2e%2e`) out of the base path.
    fn no_dot_segments(path: &str) -> bool {
        !path
            .split('/')
            .any(|segment| segment == "." || segment == "..")
    }
    fn plain_path(path: &str) -> bool {
        path.starts_with('/')
            && !path.starts_with("//")
            && no_dot_segments(path_only(path))
            && !path
                .chars()
                .any(|c| c == '\\' || c.is_control() || c.is_whitespace())
    }
    let inside = within_base(base, next)?;
    let decoded = percent_decode(&inside)?;
    // The path decoded as a whole: an encoded `?` or `#` (`%3F`) is part of the path, and the
    // dot segments behind it count too.
    let decoded_path = percent_decode(path_only(&inside))?;
    (next.len() <= MAX_NEXT_LEN
        && plain_path(next)
        && plain_path(&inside)
        && plain_path(&decoded)
        && no_dot_segments(&decoded_path))
    .then_some(inside)
}

/// Shows its children to a signed-in user; sends anyone else to sign in, and back here after
/// (`/login?next=<this path>`). Wrap each protected page in it, in the route switch (`app.rs`):
///
/// ```text
/// Route::Notes => html! { <RequireAuth><NotesPage /></RequireAuth> },
/// ```
#[function_component(RequireAuth)]
pub fn require_auth(props: &ChildrenProps) -> Html {
    let session = use_session();
    let location = use_location();
    let to_login = match &session.state {
        SessionState::SignedOut(SignedOutReason::SignedOut) => Some(Query::default()),
        SessionState::SignedOut(_) => {
            // The browser's path, base included: `next` is checked against the base path.
            let here = location
                .map(|l| format!("{}{}", l.path(), l.query_str()))
                .unwrap_or_else(|| Route::HOME.to_path());
            Some(Query::next(here))
        }
        _ => None,
    };
    use_effect_with(to_login, |to_login| {
        if let Some(query) = to_login {
            redirect(&Route::Login, query);
        }
    });
    match &session.state {
        // Keyed on the sign-in: another user's session never inherits this one's pages (their
        // state, their fetched data); they are torn down and built anew.
        SessionState::SignedIn(current) => html! {
            <key={current.sign_in.clone()}>{ props.children.clone() }</>
        },
        _ => loading(),
    }
}

/// Where a sign-in leads: `next` when it is safe, else home.
#[hook]
pub fn use_destination_after_sign_in() -> String {
    use_query()
        .next
        .filter(|next| resolves_on_this_origin(next))
        .and_then(|next| safe_next(&next, &crate::config::get().base_path))
        .unwrap_or_else(|| Route::HOME.to_path())
}

/// The browser's own reading of `next`, as the navigation will read it: resolved against this
/// page's origin, it must stay on that origin, under the base path, with a path that doesn't
/// start with `//`. A second opinion behind `safe_next`, in case a browser parses some path
/// differently.
#[cfg(target_arch = "wasm32")]
fn resolves_on_this_origin(next: &str) -> bool {
    let Some(origin) = web_sys::window().and_then(|window| window.location().origin().ok()) else {
        return false;
    };
    let base = &crate::config::get().base_path;
    web_sys::Url::new_with_base(next, &origin).is_ok_and(|url| {
        let path = url.pathname();
        url.origin() == origin && !path.starts_with("//") && (path + "/").starts_with(base)
    })
}

#[cfg(not(target_arch = "wasm32"))]
fn resolves_on_this_origin(_next: &str) -> bool {
    true
}

/// For the sign-in pages: a signed-in user goes on to `next` (when safe) or home.
#[function_component(GuestOnly)]
pub fn guest_only(props: &ChildrenProps) -> Html {
    let session = use_session();
    let destination = use_destination_after_sign_in();
    let signed_in = matches!(session.state, SessionState::SignedIn(_));
    use_effect_with(signed_in, move |signed_in| {
        if *signed_in {
            redirect_to_path(&destination);
        }
    });
    match session.state {
        SessionState::SignedOut(_) => props.children.clone(),
        _ => loading(),
    }
}

/// `/`: home when signed in, else the sign-in page.
#[function_component(Landing)]
pub fn landing() -> Html {
    let session = use_session();
    // Replacing `/` in history, so that Back doesn't land on it only to be sent on again.
    let to = match session.state {
        SessionState::SignedIn(_) => Some(Route::HOME),
        SessionState::SignedOut(_) => Some(Route::Login),
        SessionState::Restoring => None,
    };
    use_effect_with(to, |to| {
        if let Some(to) = to {
            redirect(to, &Query::default());
        }
    });
    // Prerendered too, `/` is the neutral shell: the visitor may well be signed in.
    loading()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_paths_are_kept() {
        for next in [
            "/dashboard",
            "/dashboard?tab=billing&x=%2F",
            "/settings#profile",
            "/a/b/c",
        ] {
            assert_eq!(safe_next(next, "/").as_deref(), Some(next));
        }
    }

    #[test]
    fn under_a_base_path_only_its_paths_are_kept() {
        let base = "/account/";
        for (next, app) in [
            ("/account/dashboard", "/dashboard"),
            ("/account/settings?tab=x&y=%2F", "/settings?tab=x&y=%2F"),
            ("/account/", "/"),
            ("/account", "/"),
        ] {
            assert_eq!(safe_next(next, base).as_deref(), Some(app), "{next:?}");
        }
        for next in [
            "/other/",
            "/dashboard",
            "/accounts/dashboard",
            "/",
            "/account//evil.example",
            "/account/%2Fevil.example",
            "/account/\\evil.example",
            "/account/%5Cevil.example",
            "//evil.example/account/",
            "https://evil.example/account/",
            "/account/../other",
            "/account/%2e%2e/other",
            "/account/%2E%2e/other?x=1",
            "/account/.%2e/other",
            "/account/%2e/../other",
            "/account/dashboard/../../other",
            "/account/%3F/%2e%2e/%2e%2e/other",
            "/account/%23/%2E%2E/other",
        ] {
            assert_eq!(safe_next(next, base), None, "{next:?}");
        }
    }

    #[test]
    fn open_redirects_are_refused() {
        for next in [
            "",
            "dashboard",
            "//evil.example",
            "//evil.example/dashboard",
            "https://evil.example",
            "HTTPS://evil.example",
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "/\\evil.example",
            "\\\\evil.example",
            "/%2Fevil.example",
            "/%2fevil.example",
            "%2F%2Fevil.example",
            "/%5Cevil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/%09/evil.example",
            " /dashboard",
            "/%zz",
            "/%",
            "/%C3",
            "data:text/html,hi",
        ] {
            assert_eq!(safe_next(next, "/"), None, "{next:?}");
        }
        assert_eq!(safe_next(&format!("/{}", "a".repeat(5000)), "/"), None);
    }
}
