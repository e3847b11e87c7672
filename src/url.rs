//! Encoding and decoding the parts of this app's URLs: query strings and path parameters.

use yew::prelude::*;
use yew_router::prelude::*;

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

/// A query parameter of the current location.
#[hook]
pub fn use_query_param(name: &'static str) -> Option<String> {
    use_location().and_then(|location| query_param(location.query_str(), name))
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
