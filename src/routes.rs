//! The pages by path (`Route`), and navigation. The switch from route to page is in `app.rs`;
//! encoding and decoding URLs is in `url.rs`.

use std::collections::HashMap;

use yew::hook;
use yew_router::history::{BrowserHistory, History};
use yew_router::hooks::use_location;
use yew_router::Routable;

use crate::url::{encode_component, path_with_query, percent_decode, query_param, under_base};

/// The route table: each page's variant and path pattern, once. It makes the `Route` enum, its
/// paths, their recognition (one trailing slash allowed, parameters percent-decoded and not
/// empty, anything else not found) and the list the build draws one page file per entry of
/// (`dist/routes.json`, which deploy/hosts/check.py reads).
macro_rules! routes {
    ($( $(#[doc = $doc:literal])* $(#[cfg($cfg:meta)])?
        $variant:ident $({ $($param:ident),+ })? => $pattern:literal, )*) => {
        #[derive(Clone, Debug, PartialEq)]
        pub enum Route {
            $( $(#[doc = $doc])* $(#[cfg($cfg)])? $variant $({ $($param: String),+ })?, )*
        }

        impl Routable for Route {
            fn from_path(path: &str, _params: &HashMap<&str, &str>) -> Option<Self> {
                Some(Self::recognize(path).unwrap_or(Route::NotFound))
            }

            fn to_path(&self) -> String {
                match self {
                    $( $(#[cfg($cfg)])? Route::$variant $({ $($param),+ })? =>
                        fill_pattern($pattern, &[$($($param.as_str()),+)?]), )*
                }
            }

            fn routes() -> Vec<&'static str> {
                vec![$( $(#[cfg($cfg)])? $pattern, )*]
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
                $( $(#[cfg($cfg)])?
                if let Some(params) = match_pattern($pattern, &segments) {
                    #[allow(unused_mut, unused_variables)]
                    let mut params = params.into_iter();
                    return Some(Route::$variant $({ $($param: params.next()?),+ })?);
                } )*
                Some(Route::NotFound)
            }
        }
    };
}

routes! {
    Landing => "/",
    Login => "/login",
    Register => "/register",
    Activate { uid, token } => "/user-activation/:uid/:token",
    ResetPassword => "/reset-password",
    ConfirmReset { uid, token } => "/confirm-password-reset/:uid/:token",
    ResendActivation => "/resend-activation",
    /// Asks for a link to set a new sign-in address.
    ResetEmail => "/reset-email",
    /// Where that link lands (Djoser's `USERNAME_RESET_CONFIRM_URL`).
    ConfirmEmailReset { uid, token } => "/confirm-email-reset/:uid/:token",
    /// Where an identity provider sends the browser back (`pages/social.rs`, feature `social`).
    #[cfg(feature = "social")]
    OAuthCallback { provider } => "/oauth-callback/:provider",
    Dashboard => "/dashboard",
    Settings => "/settings",
    /// The example of a page of your own on the session (`pages/notes.rs`).
    #[cfg(feature = "notes-example")]
    Notes => "/notes",
    NotFound => "/404",
}

/// A pattern's path with these parameters (in the pattern's order), percent-encoded.
fn fill_pattern(pattern: &str, params: &[&str]) -> String {
    let mut params = params.iter();
    let segments: Vec<String> = pattern
        .split('/')
        .map(|segment| match segment.starts_with(':') {
            true => encode_component(params.next().copied().unwrap_or_default()),
            false => segment.to_string(),
        })
        .collect();
    segments.join("/")
}

/// The parameters of a path's `segments` (after the leading `/`) that fit `pattern`, decoded.
/// A page with parameters also fits its bare path once its link has left the address bar
/// (`take_link_out_of_address_bar`), with the parameters this tab kept.
fn match_pattern(pattern: &str, segments: &[&str]) -> Option<Vec<String>> {
    let wanted: Vec<&str> = pattern.split('/').skip(1).collect();
    if let ([page], [name, first, ..]) = (segments, wanted.as_slice()) {
        if page == name && first.starts_with(':') {
            return taken_link(page);
        }
    }
    if wanted.len() != segments.len() {
        return None;
    }
    let mut params = Vec::new();
    for (want, segment) in wanted.iter().zip(segments) {
        if want.starts_with(':') {
            params.push(percent_decode(segment).filter(|value| !value.is_empty())?);
        } else if want != segment {
            return None;
        }
    }
    Some(params)
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
/// Where this tab keeps the emailed link it was opened with once it has left the address bar:
/// sessionStorage, which is this tab's alone, survives a reload and goes with the tab.
fn link_storage() -> Option<web_sys::Storage> {
    if !cfg!(target_arch = "wasm32") {
        return None; // natively (the build-time drawing, the unit tests): no browser
    }
    web_sys::window()?.session_storage().ok().flatten()
}

/// The parameters of the emailed link to `page` this tab took out of its address bar.
fn taken_link(page: &str) -> Option<Vec<String>> {
    let text = link_storage()?
        .get_item(&crate::session::shared::name("emailed-link"))
        .ok()??;
    let mut parts = text.split('\n').map(str::to_string);
    (parts.next()? == page).then(|| parts.collect())
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
        // Each pattern leads to its page (the build draws one file per pattern).
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
