use super::*;

/// A configuration from these meta tags (the API address set unless given).
fn with(tags: &[(&str, &str)]) -> Config {
    let tags: Vec<(String, String)> = [("djoser-api-base", "https://api.example.com")]
        .iter()
        .chain(tags)
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .collect();
    let meta = move |name: &str| {
        tags.iter()
            .rev()
            .find(|(tag, _)| tag == name)
            .map(|(_, value)| value.clone())
    };
    Config::resolve(&meta, None, None)
}

/// `<meta name="{name}">`, as the messages name it.
fn tag(name: &str) -> String {
    format!("<meta name=\"{name}\">")
}

#[test]
fn meta_tag_wins_and_loses_its_trailing_slash() {
    let config = Config::resolve(
        &|name| (name == "djoser-api-base").then(|| "https://api.example.com/".into()),
        Some("http://b"),
        None,
    );
    assert_eq!(config.api_base, "https://api.example.com");
    assert_eq!(config.auth_header_type, "JWT");
}

#[test]
fn bad_addresses_are_named() {
    assert_eq!(with(&[]).problem(), None);
    assert_eq!(
        with(&[("djoser-api-base", "http://127.0.0.1:8000/api")]).problem(),
        None
    );
    for bad in [
        "api.example.com",
        "ftp://api.example.com",
        "https://",
        "https://api.example.com?x=1",
        "https://user@api.example.com",
        "https://api example.com",
        "javascript:alert(1)",
    ] {
        let problem = with(&[("djoser-api-base", bad)])
            .problem()
            .map(str::to_string);
        assert!(
            problem
                .as_deref()
                .is_some_and(|p| p.contains("djoser-api-base")),
            "{bad:?}: {problem:?}"
        );
    }
    let empty = Config::resolve(&|_| None, Some(" "), None);
    if !cfg!(debug_assertions) {
        assert!(empty.problem().unwrap().contains("No API address"));
    }
    assert!(with(&[("djoser-auth-header", "Bearer x")])
        .problem()
        .is_some_and(|p| p.contains("djoser-auth-header")));
}

#[test]
fn blank_values_fall_through_to_build_time_then_default() {
    let config = Config::resolve(
        &|name| {
            Some(
                if name == "djoser-auth-header" {
                    ""
                } else {
                    "  "
                }
                .into(),
            )
        },
        Some("http://build:9000"),
        None,
    );
    assert_eq!(config.api_base, "http://build:9000");
    assert_eq!(config.auth_header_type, DEFAULT_AUTH_HEADER_TYPE);
    assert_eq!(config.api_prefix, DEFAULT_API_PREFIX);
    assert_eq!(config.login_field, LoginField::Email);
    assert_eq!(config.app_name, DEFAULT_APP_NAME);
    assert_eq!(config.base_path, DEFAULT_BASE_PATH);
    assert_eq!(config.problem(), None);
    let config = Config::resolve(
        &|name| (name == "djoser-auth-header").then(|| "Bearer".into()),
        None,
        None,
    );
    assert_eq!(config.auth_header_type, "Bearer");
    if cfg!(debug_assertions) {
        assert_eq!(config.api_base, DEFAULT_API_BASE);
    }
}

#[test]
fn djoser_layouts_in_the_wild() {
    for prefix in [
        "/auth/",
        "/api/",
        "/api/v1/",
        "/api/jwt/",
        "/",
        "/api/v1.2/auth_x/",
    ] {
        let config = with(&[("djoser-api-prefix", prefix)]);
        assert_eq!(
            (config.problem(), config.api_prefix.as_str()),
            (None, prefix)
        );
    }
    let config = with(&[("djoser-login-field", " username ")]);
    assert_eq!(config.login_field, LoginField::Username);
    assert_eq!(config.login_field.name(), "username");
    assert_eq!(
        with(&[("djoser-login-field", "email")]).login_field.name(),
        "email"
    );
    let config = with(&[("app-name", " Acme & Co ")]);
    assert_eq!(config.app_name, "Acme & Co");
    let config = with(&[("app-base-path", "/account/")]);
    assert_eq!(config.base_path, "/account/");
}

#[test]
fn bad_values_name_their_tag() {
    let long_name = "x".repeat(MAX_APP_NAME_CHARS + 1);
    for (name, bad) in [
        ("djoser-api-prefix", "auth/"),
        ("djoser-api-prefix", "/auth"),
        ("djoser-api-prefix", "/api//auth/"),
        ("djoser-api-prefix", "/api/../auth/"),
        ("djoser-api-prefix", "/api/v1?x/"),
        ("djoser-api-prefix", "https://evil.example/"),
        ("djoser-login-field", "phone"),
        ("djoser-login-field", "Email"),
        ("app-name", long_name.as_str()),
        ("app-name", "Two\nlines"),
        ("app-base-path", "account"),
        ("app-base-path", "/account"),
        ("app-base-path", "//evil.example/"),
        ("app-base-path", "/a b/"),
    ] {
        let config = with(&[(name, bad)]);
        let problem = config.problem().unwrap_or_default();
        assert!(problem.contains(&tag(name)), "{name}={bad:?}: {problem:?}");
        // The settings in force stay usable (the defaults).
        assert_eq!(config.api_prefix, DEFAULT_API_PREFIX);
        assert_eq!(config.base_path, DEFAULT_BASE_PATH);
        assert_eq!(config.app_name, DEFAULT_APP_NAME);
    }
}

#[test]
fn same_origin() {
    let config = with(&[("djoser-api-base", " same-origin ")]);
    assert_eq!((config.problem(), config.api_base.as_str()), (None, ""));
}

#[cfg(feature = "social")]
#[test]
fn social_providers() {
    assert!(with(&[]).social.is_empty());
    let config = with(&[(
        "djoser-social-providers",
        " google-oauth2, github ,oidc=Acme ID, ,saml.x=",
    )]);
    assert_eq!(config.problem(), None);
    let labels: Vec<(&str, &str)> = config
        .social
        .iter()
        .map(|(id, label)| (id.as_str(), label.as_str()))
        .collect();
    assert_eq!(
        labels,
        [
            ("google-oauth2", "Google"),
            ("github", "GitHub"),
            ("oidc", "Acme ID"),
            ("saml.x", "saml.x")
        ]
    );
    for bad in [
        "=Google",
        "google oauth2",
        "a/b",
        "x=Two\nlines",
        "<script>",
    ] {
        let config = with(&[("djoser-social-providers", bad)]);
        let problem = config.problem().unwrap_or_default();
        assert!(
            problem.contains(&tag("djoser-social-providers")),
            "{bad:?}: {problem:?}"
        );
        assert!(config.social.is_empty());
    }
}

#[test]
fn the_page_must_be_under_the_base_path() {
    let at = |base: &str, pathname: &str| {
        let meta = |name: &str| match name {
            "djoser-api-base" => Some("https://api.example.com".to_string()),
            "app-base-path" => Some(base.to_string()),
            _ => None,
        };
        Config::resolve(&meta, None, Some(pathname))
    };
    assert_eq!(at("/account/", "/account/login").problem(), None);
    assert_eq!(at("/account/", "/account").problem(), None);
    assert_eq!(at("/", "/anything").problem(), None);
    for elsewhere in ["/login", "/accounts/login", "/other/account/"] {
        let config = at("/account/", elsewhere);
        assert!(
            config
                .problem()
                .is_some_and(|p| p.contains("app-base-path")),
            "{elsewhere}"
        );
        assert_eq!(config.base_path, "/");
    }
}
