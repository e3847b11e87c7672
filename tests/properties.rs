//! Property tests: no input reaches a panic in the parsers that read untrusted data (tokens,
//! server answers, stored sessions, the `next` parameter, form input), and the redirect
//! check never lets a path leave this origin.
#![cfg(not(target_arch = "wasm32"))]

use djoser_auth_spa::api::ApiError;
use djoser_auth_spa::guards::safe_next;
use djoser_auth_spa::session::record::Read;
use djoser_auth_spa::session::token::decode_claims;
use djoser_auth_spa::url::under_base;
use djoser_auth_spa::validate::{self, Values};
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig::with_cases(4096)
}

/// Strings made of the characters that matter to URL and JSON parsers, plus anything.
fn tricky() -> impl Strategy<Value = String> {
    prop_oneof![
        "[/\\\\:%.a-zA-Z0-9 \\t\\n@?#&=\"{}\\[\\],-]{0,40}",
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn jwt_decoder_never_panics(token in tricky()) {
        let _ = decode_claims(&token);
    }

    #[test]
    fn jwt_decoder_never_panics_on_any_payload(payload in "[A-Za-z0-9_=-]{0,200}") {
        let _ = decode_claims(&format!("eyJhbGciOiJIUzI1NiJ9.{payload}.sig"));
    }

    #[test]
    fn error_parser_classifies_every_answer(
        status in 400u16..600,
        body in tricky(),
        retry_after in proptest::option::of(tricky()),
    ) {
        let error = ApiError::from_response(status, retry_after.as_deref(), &body);
        prop_assert!(!error.summary().is_empty());
        match status {
            429 => prop_assert!(matches!(error, ApiError::Throttled { .. }), "{:?}", error),
            500.. => prop_assert_eq!(error, ApiError::Server { status }),
            _ => prop_assert!(
                matches!(error, ApiError::Rejected(_) | ApiError::Unexpected { .. }),
                "{:?}",
                error
            ),
        }
    }

    #[test]
    fn error_parser_reads_any_json_field_map(
        fields in proptest::collection::btree_map("[a-z_]{1,12}", proptest::collection::vec(any::<String>(), 0..3), 0..5),
    ) {
        let body = serde_json::to_string(&fields).unwrap();
        let error = ApiError::from_response(400, None, &body);
        let (shown, top) = error.for_form(&["email", "password"]);
        prop_assert!(shown.keys().all(|field| field == "email" || field == "password"));
        let _ = top;
    }

    #[test]
    fn next_never_leaves_the_origin(next in tricky(), behind_base in any::<bool>()) {
        for base in ["/", "/account/"] {
            let next = if behind_base { under_base(base, &next) } else { next.clone() };
            if let Some(path) = safe_next(&next, base) {
                prop_assert!(path.starts_with('/'));
                prop_assert!(!path.starts_with("//"));
                prop_assert!(!path.contains('\\'));
                prop_assert!(!path.chars().any(|c| c.is_control() || c.is_whitespace()));
                // Where the app goes: under the base path, still a plain path.
                prop_assert!(next.starts_with(base.trim_end_matches('/')));
                let browser = under_base(base, &path);
                prop_assert!(browser.starts_with(base.trim_end_matches('/')) && !browser.starts_with("//"));
            }
        }
    }

    #[test]
    fn next_refuses_every_host(host in "[a-zA-Z0-9.-]{1,30}", path in "[a-z/]{0,10}") {
        for prefix in ["//", "/\\", "\\\\", "https://", "http://", "HTTPS://", "javascript:", "/%2F", "/%5C", "%2F%2F", "/\t/"] {
            let next = format!("{prefix}{host}/{path}");
            prop_assert_eq!(safe_next(&next, "/"), None, "{}", next);
            // …nor behind the base path.
            let behind = format!("/account{next}");
            prop_assert_eq!(safe_next(&behind, "/account/"), None, "{}", behind);
        }
    }

    #[test]
    fn next_outside_the_base_path_is_refused(path in "/[a-z/%.]{0,20}") {
        prop_assume!(!path.starts_with("/account/") && path != "/account");
        prop_assert_eq!(safe_next(&path, "/account/"), None, "{}", path);
    }

    #[test]
    fn stored_session_reader_never_panics(text in tricky(), now in any::<f64>(), offset in any::<Option<(f64, u32)>>()) {
        let _ = Read::parse(&text, "http://api.test/auth/", now, offset);
    }

    #[test]
    fn form_checks_never_panic(email in tricky(), password in tricky(), again in tricky()) {
        let values: Values = [("email", email), ("password", password.clone()), ("re_password", again.clone()),
            ("new_password", password), ("re_new_password", again.clone()), ("current_password", String::new()),
            ("name", String::new()), ("username", again.clone())]
            .into_iter()
            .collect();
        for check in [validate::login, validate::register, validate::email_only, validate::new_password,
            validate::password_change, validate::profile, validate::login_with_username,
            validate::register_with_username] {
            let _ = check(&values);
        }
    }
}
