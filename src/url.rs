//! Encoding and decoding the parts of this app's URLs: query strings and path parameters.

/// An app path (`/login?next=…`, as `Route` has them) as the browser has it under `base` (the
/// configured base path, `/` or `/account/`).
pub fn under_base(base: &str, path: &str) -> String {
    format!("{}{path}", base.trim_end_matches('/'))
}

/// The app path of a browser path under `base` (`/account/login` is `/login`, `/account` is `/`);
/// `None` for a path elsewhere (`/accounts/x`, `/other/`). Pure, so the checks of `next` can use it.
pub fn within_base(base: &str, path: &str) -> Option<String> {
    let rest = path.strip_prefix(base.trim_end_matches('/'))?;
    match rest.chars().next() {
        None => Some("/".into()),
        Some('/') => Some(rest.into()),
        Some('?' | '#') => Some(format!("/{rest}")),
        Some(_) => None,
    }
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

/// Percent-encodes all but the unreserved characters, like `encodeURIComponent` (with
/// `urlencoding`, which yew-router already brings).
pub fn encode_component(text: &str) -> String {
    urlencoding::encode(text).into_owned()
}

/// One round of `%XX` decoding; `None` for a broken escape or invalid UTF-8. Stricter than
/// `urlencoding::decode`, which passes a broken escape such as `%zz` through as it is.
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

#[cfg(test)]
mod tests {
    use super::*;

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
    fn paths_go_under_the_base_and_back() {
        assert_eq!(under_base("/", "/login?next=%2F"), "/login?next=%2F");
        assert_eq!(under_base("/account/", "/login"), "/account/login");
        assert_eq!(under_base("/account/", "/"), "/account/");
        assert_eq!(
            under_base("/a/b/", "/user-activation/MQ/t"),
            "/a/b/user-activation/MQ/t"
        );
        for (base, path, app) in [
            ("/", "/login", Some("/login")),
            ("/", "/", Some("/")),
            ("/", "login", None),
            (
                "/account/",
                "/account/login?next=%2F",
                Some("/login?next=%2F"),
            ),
            ("/account/", "/account/", Some("/")),
            ("/account/", "/account", Some("/")),
            ("/account/", "/account?x=1", Some("/?x=1")),
            ("/account/", "/accounts/login", None),
            ("/account/", "/other/", None),
            ("/account/", "/", None),
            (
                "/account/",
                "/account//evil.example",
                Some("//evil.example"),
            ),
        ] {
            assert_eq!(within_base(base, path).as_deref(), app, "{base} {path}");
        }
        for path in ["/", "/login", "/user-activation/MQ/t?x=1"] {
            let browser = under_base("/a/b/", path);
            assert_eq!(within_base("/a/b/", &browser).as_deref(), Some(path));
        }
    }

    #[test]
    fn encoding_is_encode_uri_component() {
        assert_eq!(
            encode_component("a b/é?&=~-_.*"),
            "a%20b%2F%C3%A9%3F%26%3D~-_.%2A"
        );
        assert_eq!(
            percent_decode(&encode_component("a b/é?&=")).as_deref(),
            Some("a b/é?&=")
        );
    }
}
