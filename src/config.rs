//! Runtime configuration: one build runs in any environment.
//!
//! The deployer sets `<meta name="djoser-api-base" content="https://api.example.com">` (and
//! optionally `<meta name="djoser-auth-header" content="Bearer">`) in the built `index.html`.
//! An empty value falls back to `DJOSER_API_BASE` given at build time, then to the local
//! reference backend.

use std::sync::OnceLock;

pub const DEFAULT_API_BASE: &str = "http://127.0.0.1:8000";
pub const DEFAULT_AUTH_HEADER_TYPE: &str = "JWT";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// Where Djoser lives, without a trailing slash; endpoints are `{api_base}/auth/...`.
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
        Config {
            api_base: first(&[meta_api_base, build_api_base], DEFAULT_API_BASE)
                .trim_end_matches('/')
                .to_string(),
            auth_header_type: first(&[meta_header_type], DEFAULT_AUTH_HEADER_TYPE),
        }
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
