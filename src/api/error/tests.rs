use super::*;

#[test]
fn bad_links_and_unknown_addresses() {
    let link = ApiError::from_response(400, None, r#"{"token":["Invalid token for given user."]}"#);
    assert!(link.is_bad_link() && !link.is_unknown_address());
    assert!(ApiError::from_response(400, None, r#"{"uid":["Invalid user id."]}"#).is_bad_link());
    let unknown =
        ApiError::from_response(400, None, r#"["User with given email does not exist."]"#);
    assert!(unknown.is_unknown_address() && !unknown.is_bad_link());
    // A refusal of the address itself is shown; so is anything but a 400.
    let malformed =
        ApiError::from_response(400, None, r#"{"email":["Enter a valid email address."]}"#);
    assert!(!malformed.is_unknown_address());
    assert!(!ApiError::from_response(403, None, r#"{"detail":"Forbidden."}"#).is_unknown_address());
    assert!(!ApiError::Network.is_unknown_address() && !ApiError::Network.is_bad_link());
}

fn rejected(status: u16, body: &str) -> Rejection {
    match ApiError::from_response(status, None, body) {
        ApiError::Rejected(rejection) => *rejection,
        other => panic!("expected a rejection, got {other:?}"),
    }
}

#[test]
fn detail_only() {
    let r = rejected(
        401,
        r#"{"detail":"No active account found with the given credentials"}"#,
    );
    assert_eq!(
        r.detail.as_deref(),
        Some("No active account found with the given credentials")
    );
    assert!(r.fields.is_empty() && r.general.is_empty() && r.code.is_none());
}

#[test]
fn detail_and_code() {
    let error = ApiError::from_response(
        401,
        None,
        r#"{"detail":"Token is blacklisted","code":"token_not_valid"}"#,
    );
    assert!(error.ends_session() && error.is_invalid_token());
    assert_eq!(error.summary(), "Token is blacklisted");
}

#[test]
fn only_a_dead_token_ends_a_session() {
    let answer = |status: u16, body: &str| ApiError::from_response(status, None, body);
    let dead = [
        answer(
            401,
            r#"{"detail":"Token is blacklisted","code":"token_not_valid"}"#,
        ),
        answer(
            401,
            r#"{"detail":"User is inactive","code":"user_inactive"}"#,
        ),
        answer(
            401,
            r#"{"detail":"No active account found for the given token."}"#,
        ),
        answer(401, r#"{"detail":"x","code":"no_active_account"}"#),
        answer(400, r#"{"refresh":["This field may not be blank."]}"#),
    ];
    for error in dead {
        assert!(error.ends_session(), "{error:?}");
    }
    let alive = [
        answer(403, r#"{"detail":"Forbidden by the gateway"}"#),
        answer(413, r#"{"detail":"Request entity too large"}"#),
        answer(404, r#"{"detail":"Not found."}"#),
        answer(
            401,
            r#"{"detail":"Authentication credentials were not provided."}"#,
        ),
        answer(400, r#"{"non_field_errors":["x"]}"#),
        answer(502, "<html>"),
        answer(429, ""),
        ApiError::Network,
        ApiError::Timeout,
        ApiError::BadToken,
    ];
    for error in alive {
        assert!(!error.ends_session(), "{error:?}");
    }
}

#[test]
fn tokens_from_before_a_password_change_count_as_invalid() {
    let refused = |code: &str| {
        ApiError::from_response(401, None, &format!(r#"{{"detail":"x","code":"{code}"}}"#))
    };
    for code in ["password_changed", "user_not_found", "user_inactive"] {
        assert!(refused(code).is_invalid_token(), "{code}");
    }
    assert!(!refused("authentication_failed").is_invalid_token());
    assert!(
        !ApiError::from_response(403, None, r#"{"code":"token_not_valid"}"#).is_invalid_token()
    );
}

#[test]
fn detail_code_and_messages() {
    let r = rejected(
        401,
        r#"{"detail":"Given token not valid for any token type","code":"token_not_valid","messages":[{"token_class":"AccessToken","token_type":"access","message":"Token is expired"}]}"#,
    );
    assert_eq!(r.code.as_deref(), Some("token_not_valid"));
    assert_eq!(r.general, vec!["Token is expired"]);
}

#[test]
fn field_map_keeps_fields_and_separates_non_field_errors() {
    let r = rejected(
        400,
        r#"{"email":["user with this email already exists."],"password":["This password is too short. It must contain at least 8 characters.","This password is too common."],"non_field_errors":["The two password fields didn't match."]}"#,
    );
    assert_eq!(
        r.fields["email"],
        vec!["user with this email already exists."]
    );
    assert_eq!(r.fields["password"].len(), 2);
    assert_eq!(r.general, vec!["The two password fields didn't match."]);
    assert_eq!(r.summary(), "The two password fields didn't match.");
}

#[test]
fn field_map_without_general_messages_points_at_the_fields() {
    let r = rejected(400, r#"{"token":["Invalid token for given user."]}"#);
    assert_eq!(r.summary(), "Please correct the fields marked below.");
}

#[test]
fn bare_list() {
    let r = rejected(400, r#"["User with given email does not exist."]"#);
    assert_eq!(r.general, vec!["User with given email does not exist."]);
}

#[test]
fn hostile_bodies_are_unexpected_and_not_parsed() {
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert_eq!(
        ApiError::from_response(400, None, &deep),
        ApiError::Unexpected { status: 400 }
    );
    let big = format!(r#"{{"email":["{}"]}}"#, "x".repeat(MAX_ERROR_BODY_BYTES));
    assert_eq!(
        ApiError::from_response(400, None, &big),
        ApiError::Unexpected { status: 400 }
    );
    // Brackets inside strings don't count; Djoser's own shapes pass.
    let fine = r#"{"email":["[[[[[[[[[[[[[[[[[[[[ \" {{{{"]}"#;
    assert_eq!(nesting_depth(fine), 2);
    assert!(matches!(
        ApiError::from_response(400, None, fine),
        ApiError::Rejected(_)
    ));
}

#[test]
fn a_throttled_answer_with_a_hostile_body_is_not_parsed() {
    // Read for "available in N seconds", a deep 429 body made the parser recurse past the
    // stack: in wasm, a crash of the whole page.
    let deep = format!(
        r#"{{"detail":{}{}}}"#,
        "[".repeat(1_000_000),
        "]".repeat(1_000_000)
    );
    let big = format!(
        r#"{{"detail":"Expected available in 5 seconds.{}"}}"#,
        " ".repeat(MAX_ERROR_BODY_BYTES)
    );
    for body in [deep, big] {
        assert_eq!(
            ApiError::from_response(429, None, &body),
            ApiError::Throttled { retry_after: None }
        );
    }
}

#[test]
fn retry_after_is_capped_at_an_hour() {
    assert_eq!(
        ApiError::from_response(429, Some("999999999"), ""),
        ApiError::Throttled {
            retry_after: Some(MAX_RETRY_AFTER_SECS)
        }
    );
}

#[test]
fn throttled_reads_retry_after_then_the_message() {
    let body = r#"{"detail":"Request was throttled. Expected available in 59 seconds."}"#;
    assert_eq!(
        ApiError::from_response(429, Some("12"), body),
        ApiError::Throttled {
            retry_after: Some(12)
        }
    );
    assert_eq!(
        ApiError::from_response(429, None, body),
        ApiError::Throttled {
            retry_after: Some(59)
        }
    );
    assert_eq!(
        ApiError::from_response(429, None, "<html>"),
        ApiError::Throttled { retry_after: None }
    );
}

#[test]
fn html_and_odd_bodies_are_not_crashes() {
    assert_eq!(
        ApiError::from_response(500, None, "<!doctype html><h1>Server Error</h1>"),
        ApiError::Server { status: 500 }
    );
    assert_eq!(
        ApiError::from_response(404, None, "<h1>Not Found</h1>"),
        ApiError::Unexpected { status: 404 }
    );
    for body in [
        "",
        "{}",
        "null",
        "42",
        "[]",
        "{\"detail\":null}",
        "\"\"",
        "[\" \"]",
    ] {
        assert_eq!(
            ApiError::from_response(400, None, body),
            ApiError::Unexpected { status: 400 },
            "body {body:?}"
        );
    }
}

#[test]
fn nested_and_non_string_values_become_text() {
    let r = rejected(400, r#"{"profile":{"name":["Too long."]},"count":[3]}"#);
    assert_eq!(r.fields["profile"], vec!["Too long."]);
    assert_eq!(r.fields["count"], vec!["3"]);
}

#[test]
fn form_errors_go_under_their_inputs_and_the_rest_on_top() {
    let error = ApiError::from_response(
        400,
        None,
        r#"{"new_password":["This password is too common."],"token":["Invalid token for given user."],"non_field_errors":["Nope."]}"#,
    );
    let (fields, top) = error.for_form(&["new_password", "re_new_password"]);
    assert_eq!(fields.keys().collect::<Vec<_>>(), ["new_password"]);
    assert_eq!(top.as_deref(), Some("Nope. Invalid token for given user."));

    let (fields, top) =
        ApiError::from_response(400, None, r#"{"email":["Taken."]}"#).for_form(&["email"]);
    assert_eq!(fields["email"], vec!["Taken."]);
    assert_eq!(top, None);

    let (fields, top) = ApiError::Network.for_form(&["email"]);
    assert!(fields.is_empty());
    assert_eq!(top, Some(ApiError::Network.summary()));
}

#[test]
fn every_error_has_a_sentence() {
    for error in [
        ApiError::Network,
        ApiError::Timeout,
        ApiError::Throttled {
            retry_after: Some(1),
        },
        ApiError::Server { status: 502 },
        ApiError::Unexpected { status: 200 },
        ApiError::NotSignedIn,
    ] {
        assert!(error.summary().ends_with('.'), "{error:?}");
    }
    assert_eq!(
        ApiError::Throttled {
            retry_after: Some(1)
        }
        .summary(),
        "Too many attempts. Try again in 1 second."
    );
}

#[test]
fn only_an_answer_that_leaves_the_token_dead_ends_a_revocation() {
    for status in [200, 204, 400, 401, 404, 405] {
        assert!(crate::api::revocation_final(status), "{status}");
    }
    // Still alive, maybe: kept and sent again.
    for status in [403, 408, 429, 500, 502, 503, 504] {
        assert!(!crate::api::revocation_final(status), "{status}");
    }
}
