//! The pages by path (`Route`), and navigation. The switch from route to page is in `app.rs`;
//! encoding and decoding URLs is in `url.rs`.

use std::collections::HashMap;

use yew::hook;
use yew_router::history::{BrowserHistory, History};
use yew_router::hooks::use_location;
use yew_router::Routable;

use crate::url::{encode_component, path_with_query, percent_decode, query_param, under_base};

#[derive(Clone, Debug, PartialEq)]
pub enum Route {
    Landing,
    Login,
    Register,
    Activate {
        uid: String,
        token: String,
    },
    ResetPassword,
    ConfirmReset {
        uid: String,
        token: String,
    },
    ResendActivation,
    /// Asks for a link to set a new sign-in address.
    ResetEmail,
    /// Where that link lands (Djoser's `USERNAME_RESET_CONFIRM_URL`).
    ConfirmEmailReset {
        uid: String,
        token: String,
    },
    /// Where an identity provider sends the browser back (`pages/social.rs`, feature `social`).
    #[cfg(feature = "social")]
    OAuthCallback {
        provider: String,
    },
    Dashboard,
    Settings,
    /// The example of a page of your own on the session (`pages/notes.rs`).
    #[cfg(feature = "notes-example")]
    Notes,
    NotFound,
}

impl Route {
    /// Where a signed-in user lands by default.
    pub const HOME: Route = Route::Dashboard;

    /// This route's path with the query's values (`/login?next=%2Fdashboard`).
    pub fn with_query(&self, query: &Query) -> String {
        path_with_query(&self.to_path(), &query.pairs())
    }
}

/// Why the sign-in page was opened, said on it (`?notice=`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LoginNotice {
    /// Set after a password reset: sign in with the new one.
    PasswordReset,
    /// Set by the tab that deleted the account.
    AccountDeleted,
}

impl LoginNotice {
    const ALL: [LoginNotice; 2] = [LoginNotice::PasswordReset, LoginNotice::AccountDeleted];

    fn as_str(self) -> &'static str {
        match self {
            LoginNotice::PasswordReset => "password-reset",
            LoginNotice::AccountDeleted => "account-deleted",
        }
    }
}

/// The query parameters the pages read, typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Query {
    /// Where to go after signing in: a browser path, base included (checked by `guards`).
    pub next: Option<String>,
    pub notice: Option<LoginNotice>,
    /// An address to start the page's form with.
    pub email: Option<String>,
}

impl Query {
    pub fn next(path: String) -> Query {
        Query {
            next: Some(path),
            ..Query::default()
        }
    }

    pub fn notice(notice: LoginNotice) -> Query {
        Query {
            notice: Some(notice),
            ..Query::default()
        }
    }

    pub fn email(email: String) -> Query {
        Query {
            email: Some(email),
            ..Query::default()
        }
    }

    /// Reads a query string (`?next=…&email=…`); what isn't understood is left out.
    pub fn parse(query: &str) -> Query {
        let notice = query_param(query, "notice");
        Query {
            next: query_param(query, "next"),
            notice: LoginNotice::ALL
                .into_iter()
                .find(|known| notice.as_deref() == Some(known.as_str())),
            email: query_param(query, "email"),
        }
    }

    fn pairs(&self) -> [(&'static str, Option<&str>); 3] {
        [
            ("next", self.next.as_deref()),
            ("notice", self.notice.map(LoginNotice::as_str)),
            ("email", self.email.as_deref()),
        ]
    }
}

/// The current location's query, typed.
#[hook]
pub fn use_query() -> Query {
    use_location()
        .map(|location| Query::parse(location.query_str()))
        .unwrap_or_default()
}

/// Written out rather than derived: a `match` on the path's segments does what the derive's
/// general route recognizer does (the same paths, one trailing slash allowed, parameters
/// percent-decoded, anything else not found), for about 13 KB less wasm.
impl Routable for Route {
    fn from_path(path: &str, _params: &HashMap<&str, &str>) -> Option<Self> {
        Some(Self::recognize(path).unwrap_or(Route::NotFound))
    }

    fn to_path(&self) -> String {
        let emailed = |page: &str, uid: &str, token: &str| {
            format!(
                "/{page}/{}/{}",
                encode_component(uid),
                encode_component(token)
            )
        };
        match self {
            Route::Landing => "/".into(),
            Route::Login => "/login".into(),
            Route::Register => "/register".into(),
            Route::Activate { uid, token } => emailed("user-activation", uid, token),
            Route::ResetPassword => "/reset-password".into(),
            Route::ConfirmReset { uid, token } => emailed("confirm-password-reset", uid, token),
            Route::ResendActivation => "/resend-activation".into(),
            Route::ResetEmail => "/reset-email".into(),
            Route::ConfirmEmailReset { uid, token } => emailed("confirm-email-reset", uid, token),
            #[cfg(feature = "social")]
            Route::OAuthCallback { provider } => {
                format!("/oauth-callback/{}", encode_component(provider))
            }
            Route::Dashboard => "/dashboard".into(),
            Route::Settings => "/settings".into(),
            #[cfg(feature = "notes-example")]
            Route::Notes => "/notes".into(),
            Route::NotFound => "/404".into(),
        }
    }

    fn routes() -> Vec<&'static str> {
        vec![
            "/",
            "/login",
            "/register",
            "/user-activation/:uid/:token",
            "/reset-password",
            "/confirm-password-reset/:uid/:token",
            "/resend-activation",
            "/reset-email",
            "/confirm-email-reset/:uid/:token",
            #[cfg(feature = "social")]
            "/oauth-callback/:provider",
            "/dashboard",
            "/settings",
            #[cfg(feature = "notes-example")]
            "/notes",
            "/404",
        ]
    }

    fn not_found_route() -> Option<Self> {
        Some(Route::NotFound)
    }

    fn recognize(pathname: &str) -> Option<Self> {
        let path = match pathname.strip_suffix('/') {
            Some(stripped) if !stripped.is_empty() => stripped,
            _ => pathname,
        };
        let segments: Vec<&str> = path.split('/').skip(1).collect();
        let param = |segment: &str| percent_decode(segment).filter(|value| !value.is_empty());
        let route = match segments.as_slice() {
            [""] => Route::Landing,
            ["login"] => Route::Login,
            ["register"] => Route::Register,
            ["reset-password"] => Route::ResetPassword,
            ["resend-activation"] => Route::ResendActivation,
            ["reset-email"] => Route::ResetEmail,
            ["dashboard"] => Route::Dashboard,
            ["settings"] => Route::Settings,
            #[cfg(feature = "notes-example")]
            ["notes"] => Route::Notes,
            // An emailed link taken out of the address bar (`take_link_out_of_address_bar`).
            [page @ ("user-activation" | "confirm-password-reset" | "confirm-email-reset")] => {
                match taken_link() {
                    Some((taken, uid, token)) if taken == *page => Route::emailed(page, uid, token),
                    _ => Route::NotFound,
                }
            }
            ["user-activation", uid, token] => match (param(uid), param(token)) {
                (Some(uid), Some(token)) => Route::Activate { uid, token },
                _ => Route::NotFound,
            },
            ["confirm-password-reset", uid, token] => match (param(uid), param(token)) {
                (Some(uid), Some(token)) => Route::ConfirmReset { uid, token },
                _ => Route::NotFound,
            },
            ["confirm-email-reset", uid, token] => match (param(uid), param(token)) {
                (Some(uid), Some(token)) => Route::ConfirmEmailReset { uid, token },
                _ => Route::NotFound,
            },
            #[cfg(feature = "social")]
            ["oauth-callback", provider] => match param(provider) {
                Some(provider) => Route::OAuthCallback { provider },
                None => Route::NotFound,
            },
            _ => Route::NotFound,
        };
        Some(route)
    }
}

impl Route {
    fn emailed(page: &str, uid: String, token: String) -> Route {
        match page {
            "user-activation" => Route::Activate { uid, token },
            "confirm-password-reset" => Route::ConfirmReset { uid, token },
            _ => Route::ConfirmEmailReset { uid, token },
        }
    }
}

/// Where this tab keeps the emailed link it was opened with once it has left the address bar:
/// sessionStorage, which is this tab's alone, survives a reload and goes with the tab.
fn link_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// The emailed link (page, uid, token) this tab took out of its address bar.
fn taken_link() -> Option<(String, String, String)> {
    let text = link_storage()?
        .get_item(&crate::session::shared::name("emailed-link"))
        .ok()??;
    let mut parts = text.splitn(3, '\n').map(str::to_string);
    Some((parts.next()?, parts.next()?, parts.next()?))
}

/// Takes an emailed link's `uid` and `token` out of the address bar (and so out of history,
/// screenshots and shared screens) once the page has read them: the address becomes the bare
/// page path (`/user-activation`), which goes on showing the same page, a reload included, in
/// this tab only.
pub fn take_link_out_of_address_bar(page: &str, uid: &str, token: &str) {
    if crate::PRERENDERING {
        return;
    }
    let kept = link_storage().is_some_and(|storage| {
        let link = format!("{page}\n{uid}\n{token}");
        let key = crate::session::shared::name("emailed-link");
        storage.set_item(&key, &link).is_ok()
    });
    // Without a place to keep it (storage blocked), the link stays where it is.
    if !kept {
        return;
    }
    if let Some(history) = web_sys::window().and_then(|window| window.history().ok()) {
        let bare = href(&format!("/{page}"));
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&bare));
    }
}

/// An app path (`/login`) as the browser has it: under the configured base path.
pub fn href(path: &str) -> String {
    under_base(&crate::config::get().base_path, path)
}

/// Goes to a page, replacing the current history entry (a redirect, not a step the Back button
/// should return to).
pub fn redirect(to: &Route, query: &Query) {
    redirect_to_path(&to.with_query(query));
}

/// [`redirect`] to an app path already checked (where a sign-in leads, from `next`).
pub fn redirect_to_path(path: &str) {
    BrowserHistory::new().replace(href(path));
}

/// Goes to a page as a new history entry (a link followed).
pub fn navigate(to: &Route, query: &Query) {
    BrowserHistory::new().push(href(&to.with_query(query)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_written_and_read_typed() {
        assert_eq!(Route::Login.with_query(&Query::default()), "/login");
        let next = Query::next("/dashboard?a=1&b=é".into());
        let link = Route::Login.with_query(&next);
        assert_eq!(link, "/login?next=%2Fdashboard%3Fa%3D1%26b%3D%C3%A9");
        assert_eq!(Query::parse(link.trim_start_matches("/login")), next);
        let both = Query {
            notice: Some(LoginNotice::AccountDeleted),
            email: Some("a+b@example.com".into()),
            ..next
        };
        let link = Route::Login.with_query(&both);
        assert_eq!(Query::parse(&link["/login".len()..]), both);
        for notice in LoginNotice::ALL {
            let link = Route::Login.with_query(&Query::notice(notice));
            assert_eq!(Query::parse(&link["/login".len()..]).notice, Some(notice));
        }
        // An unknown notice is no notice.
        assert_eq!(Query::parse("?notice=expired"), Query::default());
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
        assert_eq!(
            Route::recognize("/confirm-email-reset/MQ/c9x-1f2"),
            Some(Route::ConfirmEmailReset {
                uid: "MQ".into(),
                token: "c9x-1f2".into()
            })
        );
        assert_eq!(Route::recognize("/reset-email"), Some(Route::ResetEmail));
        assert_eq!(Route::recognize("/nope"), Some(Route::NotFound));
    }

    #[test]
    fn paths_and_routes_go_both_ways() {
        let routes = [
            Route::Landing,
            Route::Login,
            Route::Register,
            Route::ResetPassword,
            Route::ResendActivation,
            Route::ResetEmail,
            Route::Dashboard,
            Route::Settings,
            #[cfg(feature = "notes-example")]
            Route::Notes,
            Route::NotFound,
            Route::ConfirmEmailReset {
                uid: "Mw".into(),
                token: "d4e/5 é".into(),
            },
            Route::Activate {
                uid: "M Q/é".into(),
                token: "a%b".into(),
            },
            Route::ConfirmReset {
                uid: "MQ".into(),
                token: "c9x-1f2".into(),
            },
            #[cfg(feature = "social")]
            Route::OAuthCallback {
                provider: "google-oauth2".into(),
            },
        ];
        for route in routes {
            assert_eq!(Route::recognize(&route.to_path()), Some(route.clone()));
        }
        // Each listed pattern is one of the paths recognized.
        assert_eq!(
            Route::routes().len(),
            12 + usize::from(cfg!(feature = "notes-example"))
                + usize::from(cfg!(feature = "social"))
        );
        // …and each one leads to its page (the prerender draws one file per pattern).
        for pattern in Route::routes() {
            let path = pattern
                .replace(":uid", "MQ")
                .replace(":token", "t-1")
                .replace(":provider", "github");
            let route = Route::recognize(&path);
            assert_eq!(
                route.is_some_and(|r| r != Route::NotFound),
                pattern != "/404",
                "{pattern}"
            );
        }
    }

    #[test]
    fn near_misses_are_not_found() {
        assert_eq!(Route::recognize("/login/"), Some(Route::Login));
        assert_eq!(Route::recognize("/"), Some(Route::Landing));
        for path in [
            "/login//",
            "/Login",
            "/dashboard/x",
            "/user-activation/MQ",
            "/user-activation/MQ/abc/extra",
            "/user-activation//abc",
            "/user-activation/MQ/%zz",
            "/confirm-email-reset/MQ",
            "/confirm-email-reset//abc",
            "/reset-email/x",
            "/oauth-callback",
            "/oauth-callback/",
            "/oauth-callback/github/x",
            "//login",
            "",
        ] {
            assert_eq!(Route::recognize(path), Some(Route::NotFound), "{path:?}");
        }
    }
}
