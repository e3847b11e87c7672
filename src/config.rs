//! Runtime configuration: one build runs in any environment.
//!
//! The deployer sets `<meta name="djoser-api-base" content="https://api.example.com">` (and
//! optionally `<meta name="djoser-auth-header" content="Bearer">`) in the built pages.
//! An empty value falls back to `DJOSER_API_BASE` given at build time, then, in development
//! builds only, to the local reference backend. A release build with no address, or a bad one,
//! shows a "not configured" page rather than calling anything.

use std::sync::OnceLock;

pub const DEFAULT_API_BASE: &str = "http://127.0.0.1:8000";
pub const DEFAULT_AUTH_HEADER_TYPE: &str = "JWT";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Where Djoser lives, without a trailing slash; endpoints are `{api_base}/auth/...`.
    /// Empty when nothing configured it in a release build.
    pub api_base: String,
    /// The prefix of the `Authorization` header (SimpleJWT's `AUTH_HEADER_TYPES`).
    pub auth_header_type: String,
}

impl Config {
    /// Picks each setting from the first non-blank source: page meta tag, build-time value,
    /// default.
    pub fn resolve(
        meta_api_base: Option<&str>,
        build_api_base: Option<&str>,
        meta_header_type: Option<&str>,
    ) -> Config {
        let first = |candidates: &[Option<&str>], default: &str| {
            candidates
                .iter()
                .flatten()
                .map(|value| value.trim())
                .find(|value| !value.is_empty())
                .unwrap_or(default)
                .to_string()
        };
        // Development builds talk to the local reference backend unless told otherwise.
        let fallback = if cfg!(debug_assertions) {
            DEFAULT_API_BASE
        } else {
            ""
        };
        Config {
            api_base: first(&[meta_api_base, build_api_base], fallback)
                .trim_end_matches('/')
                .to_string(),
            auth_header_type: first(&[meta_header_type], DEFAULT_AUTH_HEADER_TYPE),
        }
    }

    /// What is wrong with this configuration, in words for the deployer; `None` if it works.
    pub fn problem(&self) -> Option<String> {
        let base = &self.api_base;
        if base.is_empty() {
            return Some(
                "No API address is set: put your Djoser backend's origin in <meta name=\"djoser-api-base\"> in the built pages.".into(),
            );
        }
        let host = base
            .strip_prefix("https://")
            .or_else(|| base.strip_prefix("http://"))
            .unwrap_or("");
        let host = host.split('/').next().unwrap_or("");
        let bad_char = |c: char| c.is_whitespace() || c.is_control() || "\"'<>\\?#@".contains(c);
        if host.is_empty() || base.chars().any(bad_char) {
            return Some(format!(
                "The API address {base:?} in <meta name=\"djoser-api-base\"> isn't an http(s) address such as https://api.example.com."
            ));
        }
        let header_ok = !self.auth_header_type.is_empty()
            && self
                .auth_header_type
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c));
        (!header_ok).then(|| {
            format!(
                "The header type {:?} in <meta name=\"djoser-auth-header\"> should be one word, such as JWT or Bearer.",
                self.auth_header_type
            )
        })
    }
}

static CONFIG: OnceLock<Config> = OnceLock::new();

/// Reads the meta tags once at start-up.
pub fn init_from_document() {
    let document = web_sys::window().and_then(|window| window.document());
    let meta = |name: &str| {
        document
            .as_ref()?
            .query_selector(&format!("meta[name=\"{name}\"]"))
            .ok()
            .flatten()
            .and_then(|element| element.get_attribute("content"))
    };
    let config = Config::resolve(
        meta("djoser-api-base").as_deref(),
        option_env!("DJOSER_API_BASE"),
        meta("djoser-auth-header").as_deref(),
    );
    init(config);
}

/// Sets the configuration, once; later calls change nothing.
pub fn init(config: Config) {
    let _ = CONFIG.set(config);
}

/// The configuration in force (the defaults if [`init_from_document`] hasn't run, as in tests).
pub fn get() -> &'static Config {
    CONFIG.get_or_init(|| Config::resolve(None, option_env!("DJOSER_API_BASE"), None))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn meta_tag_wins_and_loses_its_trailing_slash() {
        let config = Config::resolve(Some("https://api.example.com/"), Some("http://b"), None);
        assert_eq!(config.api_base, "https://api.example.com");
        assert_eq!(config.auth_header_type, "JWT");
    }

    #[test]
    fn bad_addresses_are_named() {
        let config = |base: &str| Config::resolve(Some(base), None, None);
        assert_eq!(config("https://api.example.com/").problem(), None);
        assert_eq!(config("http://127.0.0.1:8000/api").problem(), None);
        for bad in [
            "api.example.com",
            "ftp://api.example.com",
            "https://",
            "https://api.example.com?x=1",
            "https://user@api.example.com",
            "https://api example.com",
            "javascript:alert(1)",
        ] {
            assert!(config(bad).problem().is_some(), "{bad:?}");
        }
        let empty = Config {
            api_base: String::new(),
            auth_header_type: "JWT".into(),
        };
        assert!(empty.problem().unwrap().contains("No API address"));
        assert!(Config::resolve(Some("https://a.b"), None, Some("Bearer x"))
            .problem()
            .is_some());
    }

    #[test]
    fn blank_values_fall_through_to_build_time_then_default() {
        assert_eq!(
            Config::resolve(Some("  "), Some("http://build:9000"), Some("")).api_base,
            "http://build:9000"
        );
        let config = Config::resolve(None, None, Some("Bearer"));
        assert_eq!(config.api_base, DEFAULT_API_BASE);
        assert_eq!(config.auth_header_type, "Bearer");
    }
}
