//! Runtime configuration: one build runs in any environment, under any path.
//!
//! The deployer sets meta tags in the built pages (`scripts/configure-dist.py` writes them all):
//!
//! | tag | default | what |
//! |---|---|---|
//! | `djoser-api-base` | `DJOSER_API_BASE` at build time; dev builds `http://127.0.0.1:8000` | the API's origin, or `same-origin`: the page's own (the app served beside the API) |
//! | `djoser-auth-header` | `JWT` | SimpleJWT's `AUTH_HEADER_TYPES` |
//! | `djoser-api-prefix` | `/auth/` | where Djoser's routes are on the API |
//! | `djoser-login-field` | `email` | `email` or `username`: what `jwt/create/` takes |
//! | `app-name` | `Account` | shown in the card header and the page titles |
//! | `app-base-path` | `/` | the path the app is served under, e.g. `/account/` |
//! | `djoser-social-providers` | none | social sign-in: Djoser's provider names, e.g. `google-oauth2,github,oidc=Acme ID` (`=Label` optional); builds with the feature `social` only (`make build` keeps one in `dist/social/`; `configure-dist.py --social` puts it in place) |
//!
//! A blank value takes the default. A release build with no address, or any bad value, shows a
//! "not configured" page naming the tag rather than calling anything.

use std::sync::OnceLock;

use crate::url::within_base;

pub const DEFAULT_API_BASE: &str = "http://127.0.0.1:8000";
pub const DEFAULT_AUTH_HEADER_TYPE: &str = "JWT";
pub const DEFAULT_API_PREFIX: &str = "/auth/";
pub const DEFAULT_APP_NAME: &str = "Account";
pub const DEFAULT_BASE_PATH: &str = "/";
/// Longer names don't fit the card header or a browser tab.
pub const MAX_APP_NAME_CHARS: usize = 60;

/// What users sign in with: Djoser's `LOGIN_FIELD` (the user model's `USERNAME_FIELD`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginField {
    Email,
    Username,
}

impl LoginField {
    /// Djoser's name for it: the key `jwt/create/` takes.
    pub fn name(self) -> &'static str {
        match self {
            LoginField::Email => "email",
            LoginField::Username => "username",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Where the API lives, without a trailing slash. Empty for `same-origin` (the requests'
    /// paths are then the page's origin's), and when nothing configured it in a release build.
    pub api_base: String,
    /// The prefix of the `Authorization` header (SimpleJWT's `AUTH_HEADER_TYPES`).
    pub auth_header_type: String,
    /// Djoser's routes on the API, starting and ending with `/`: endpoints are
    /// `{api_base}{api_prefix}users/…`.
    pub api_prefix: String,
    pub login_field: LoginField,
    pub app_name: String,
    /// The path the app is served under, starting and ending with `/`.
    pub base_path: String,
    /// The social sign-in providers: Djoser's name and the label of its button.
    #[cfg(feature = "social")]
    pub social: Vec<(String, String)>,
    /// The first thing wrong, in words for the deployer (the settings above then hold defaults).
    problem: Option<String>,
}

/// What is wrong with the value of `<meta name="{name}">`, for the deployer.
fn bad_value(name: &str, value: &str, rule: &str) -> String {
    format!("<meta name=\"{name}\"> says \"{value}\", but it should be {rule}.")
}

/// A path of plain characters that starts and ends with `/`, without empty, `.` or `..` segments.
fn is_plain_dir(path: &str) -> bool {
    path.starts_with('/')
        && path.ends_with('/')
        && !path.contains("//")
        && path
            .split('/')
            .all(|segment| segment != "." && segment != "..")
        && path
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/-._~".contains(c))
}

fn is_api_base(base: &str) -> bool {
    let host = base
        .strip_prefix("https://")
        .or_else(|| base.strip_prefix("http://"))
        .unwrap_or("");
    let host = host.split('/').next().unwrap_or("");
    let bad_char = |c: char| c.is_whitespace() || c.is_control() || "\"'<>\\?#@".contains(c);
    !host.is_empty() && !base.chars().any(bad_char)
}

fn is_word(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
}

fn is_login_field(text: &str) -> bool {
    text == "email" || text == "username"
}

fn is_app_name(name: &str) -> bool {
    name.chars().count() <= MAX_APP_NAME_CHARS && !name.chars().any(char::is_control)
}

#[cfg(feature = "social")]
/// `djoser-social-providers`: `google-oauth2,github,oidc=Acme ID`, each a provider's name
/// (social-core's) and, after `=`, its button's label; `None` if any entry is bad.
fn social_providers(list: &str) -> Option<Vec<(String, String)>> {
    list.split(',')
        .filter(|entry| !entry.trim().is_empty())
        .map(|entry| {
            let (id, label) = entry.split_once('=').unwrap_or((entry, ""));
            let (id, label) = (id.trim(), label.trim());
            let label = match (label, id) {
                ("", "google-oauth2") => "Google",
                ("", "github") => "GitHub",
                ("", _) => id,
                _ => label,
            };
            (!id.is_empty()
                && id.len() <= 40
                && is_word(&id.replace('.', ""))
                && is_app_name(label))
            .then(|| (id.into(), label.into()))
        })
        .collect()
}

impl Config {
    /// Reads each setting from `meta` (a tag's content by name), falling back to its default;
    /// `build_api_base` is `DJOSER_API_BASE` given at build time. `pathname` is where the page is
    /// (it must be under the base path), if known.
    pub fn resolve(
        meta: &dyn Fn(&str) -> Option<String>,
        build_api_base: Option<&str>,
        pathname: Option<&str>,
    ) -> Config {
        let read = |name: &str| {
            meta(name)
                .map(|value| value.trim().to_string())
                .filter(|value| !value.is_empty())
        };
        let mut problems = vec![];
        // A tag's value if it passes `valid`, else (saying why) its default.
        let mut setting =
            |name: &str, default: &str, valid: fn(&str) -> bool, rule: &str| match read(name) {
                Some(value) if valid(&value) => value,
                Some(value) => {
                    problems.push(bad_value(name, &value, rule));
                    default.to_string()
                }
                None => default.to_string(),
            };
        let auth_header_type = setting(
            "djoser-auth-header",
            DEFAULT_AUTH_HEADER_TYPE,
            is_word,
            "one word, such as JWT or Bearer",
        );
        let api_prefix = setting(
            "djoser-api-prefix",
            DEFAULT_API_PREFIX,
            is_plain_dir,
            "a plain path that starts and ends with /, such as /auth/ or /api/v1/auth/",
        );
        let login_field = match setting(
            "djoser-login-field",
            "email",
            is_login_field,
            "email or username (Djoser's LOGIN_FIELD)",
        )
        .as_str()
        {
            "username" => LoginField::Username,
            _ => LoginField::Email,
        };
        let app_name = setting(
            "app-name",
            DEFAULT_APP_NAME,
            is_app_name,
            "one line of at most 60 characters",
        );
        let mut base_path = setting(
            "app-base-path",
            DEFAULT_BASE_PATH,
            is_plain_dir,
            "a plain path that starts and ends with /, such as / or /account/",
        );
        // (A build without the feature `social` ignores the tag: scripts/configure-dist.py refuses
        // to set it there, so the first visit of such a build carries nothing of it.)
        #[cfg(feature = "social")]
        let social = match read("djoser-social-providers") {
            Some(list) => social_providers(&list).unwrap_or_else(|| {
                problems.push(bad_value(
                    "djoser-social-providers",
                    &list,
                    "a list of Djoser's provider names such as google-oauth2,github,oidc, each optionally with =Label",
                ));
                vec![]
            }),
            None => vec![],
        };
        if let Some(here) = pathname.filter(|here| within_base(&base_path, here).is_none()) {
            problems.push(format!(
                "This page ({here}) isn't under the path {base_path} that <meta name=\"app-base-path\"> says the app is served under."
            ));
            base_path = DEFAULT_BASE_PATH.into();
        }

        // Development builds talk to the local reference backend unless told otherwise.
        let fallback = if cfg!(debug_assertions) {
            DEFAULT_API_BASE
        } else {
            ""
        };
        let mut api_base = read("djoser-api-base")
            .or_else(|| build_api_base.map(|base| base.trim().to_string()))
            .filter(|base| !base.is_empty())
            .unwrap_or_else(|| fallback.to_string())
            .trim_end_matches('/')
            .to_string();
        if api_base.is_empty() {
            problems.insert(0, "No API address is set: put your Djoser backend's origin in <meta name=\"djoser-api-base\"> in the built pages.".into());
        } else if api_base == "same-origin" {
            // Paths without an origin: the page's own.
            api_base.clear();
        } else if !is_api_base(&api_base) {
            problems.insert(
                0,
                bad_value(
                    "djoser-api-base",
                    &api_base,
                    "an http(s) address such as https://api.example.com",
                ),
            );
        }
        Config {
            api_base,
            auth_header_type,
            api_prefix,
            login_field,
            app_name,
            base_path,
            #[cfg(feature = "social")]
            social,
            problem: problems.into_iter().next(),
        }
    }

    /// What is wrong with this configuration, in words for the deployer; `None` if it works.
    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }
}

static CONFIG: OnceLock<Config> = OnceLock::new();

/// Reads the meta tags once at start-up.
pub fn init_from_document() {
    let window = web_sys::window();
    let document = window.as_ref().and_then(|window| window.document());
    let meta = |name: &str| {
        document
            .as_ref()?
            .query_selector(&format!("meta[name=\"{name}\"]"))
            .ok()
            .flatten()
            .and_then(|element| element.get_attribute("content"))
    };
    let pathname = window.and_then(|window| window.location().pathname().ok());
    init(Config::resolve(
        &meta,
        option_env!("DJOSER_API_BASE"),
        pathname.as_deref(),
    ));
}

/// Sets the configuration, once; later calls change nothing.
pub fn init(config: Config) {
    let _ = CONFIG.set(config);
}

/// The configuration in force (the defaults if [`init_from_document`] hasn't run, as in tests
/// and the prerender).
pub fn get() -> &'static Config {
    CONFIG.get_or_init(|| Config::resolve(&|_| None, option_env!("DJOSER_API_BASE"), None))
}

#[cfg(test)]
mod tests;
