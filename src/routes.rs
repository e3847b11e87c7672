//! The pages by path, and navigation helpers.

use yew::prelude::*;
use yew_router::history::{BrowserHistory, History};
use yew_router::prelude::*;

use crate::guards::{GuestOnly, Landing, RequireAuth};
use crate::pages::*;

/// Where a signed-in user lands by default.
pub const HOME: &str = "/dashboard";

#[derive(Clone, Debug, PartialEq, Routable)]
pub enum Route {
    #[at("/")]
    Landing,
    #[at("/login")]
    Login,
    #[at("/register")]
    Register,
    #[at("/user-activation/:uid/:token")]
    Activate { uid: String, token: String },
    #[at("/reset-password")]
    ResetPassword,
    #[at("/confirm-password-reset/:uid/:token")]
    ConfirmReset { uid: String, token: String },
    #[at("/resend-activation")]
    ResendActivation,
    #[at("/dashboard")]
    Dashboard,
    #[at("/settings")]
    Settings,
    #[not_found]
    #[at("/404")]
    NotFound,
}

pub fn switch(route: Route) -> Html {
    match route {
        Route::Landing => html! { <Landing /> },
        Route::Login => html! { <GuestOnly><LoginPage /></GuestOnly> },
        Route::Register => html! { <GuestOnly><RegisterPage /></GuestOnly> },
        Route::ResetPassword => html! { <GuestOnly><ResetPasswordPage /></GuestOnly> },
        Route::ResendActivation => html! { <GuestOnly><ResendActivationPage /></GuestOnly> },
        // Emailed links work whoever is signed in: the link is for the account it names.
        Route::Activate { uid, token } => html! { <ActivatePage {uid} {token} /> },
        Route::ConfirmReset { uid, token } => html! { <ConfirmResetPage {uid} {token} /> },
        Route::Dashboard => html! { <RequireAuth><DashboardPage /></RequireAuth> },
        Route::Settings => html! { <RequireAuth><SettingsPage /></RequireAuth> },
        Route::NotFound => html! { <NotFoundPage /> },
    }
}

/// Goes to a path on this origin, replacing the current history entry (a redirect, not a
/// step the Back button should return to).
pub fn go(path: &str) {
    BrowserHistory::new().replace(path);
}

/// Goes to a path on this origin as a new history entry (a link followed).
pub fn go_forward(path: &str) {
    BrowserHistory::new().push(path);
}

/// `/login`, with where to go after signing in and a notice to show.
pub fn login_path(next: Option<&str>, notice: Option<&str>) -> String {
    path_with_query("/login", &[("next", next), ("notice", notice)])
}

/// `path?name=value&…` for the values present, percent-encoded.
pub fn path_with_query(path: &str, params: &[(&str, Option<&str>)]) -> String {
    let query: Vec<String> = params
        .iter()
        .filter_map(|(name, value)| Some(format!("{name}={}", encode_component(value.as_ref()?))))
        .collect();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

/// One round of `%XX` decoding; `None` for a broken escape or invalid UTF-8.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The value of `name` in a query string (`?a=1&b=2`), decoded; `None` if absent or broken.
pub fn query_param(query: &str, name: &str) -> Option<String> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(key, _)| *key == name)
        .and_then(|(_, value)| percent_decode(&value.replace('+', " ")))
}

/// A query parameter of the current location.
#[hook]
pub fn use_query_param(name: &'static str) -> Option<String> {
    use_location().and_then(|location| query_param(location.query_str(), name))
}

/// Percent-encodes all but the unreserved characters, like `encodeURIComponent`.
fn encode_component(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn login_path_encodes_next() {
        assert_eq!(login_path(None, None), "/login");
        assert_eq!(
            login_path(Some("/dashboard?a=1&b=é"), None),
            "/login?next=%2Fdashboard%3Fa%3D1%26b%3D%C3%A9"
        );
        assert_eq!(
            login_path(Some("/dashboard"), Some("expired")),
            "/login?next=%2Fdashboard&notice=expired"
        );
    }

    #[test]
    fn query_params_are_found_and_decoded() {
        let query = "?next=%2Fdashboard%3Fa%3D1&email=a%2Bb%40example.com&x&name=Ann+Lee";
        assert_eq!(
            query_param(query, "next").as_deref(),
            Some("/dashboard?a=1")
        );
        assert_eq!(
            query_param(query, "email").as_deref(),
            Some("a+b@example.com")
        );
        assert_eq!(query_param(query, "name").as_deref(), Some("Ann Lee"));
        assert_eq!(query_param(query, "x").as_deref(), Some(""));
        assert_eq!(query_param(query, "missing"), None);
        assert_eq!(query_param("?next=%zz", "next"), None);
        assert_eq!(query_param("", "next"), None);
    }

    #[test]
    fn every_page_has_its_path() {
        assert_eq!(
            Route::recognize("/user-activation/MQ/abc-123"),
            Some(Route::Activate {
                uid: "MQ".into(),
                token: "abc-123".into()
            })
        );
        assert_eq!(
            Route::recognize("/confirm-password-reset/MQ/abc-123").map(|r| r.to_path()),
            Some("/confirm-password-reset/MQ/abc-123".to_string())
        );
        assert_eq!(Route::recognize("/nope"), Some(Route::NotFound));
    }
}
