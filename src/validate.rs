//! Client-side form checks that mirror the server's, run before any request. Pure.

use crate::api::FieldErrors;
use crate::field_map::FieldMap;
use crate::fields::{
    CURRENT_PASSWORD, EMAIL, LOGIN_USERNAME, NAME, NEW_ACCOUNT_PASSWORD, NEW_EMAIL, NEW_PASSWORD,
    PASSWORD, REPEAT_NEW_EMAIL, REPEAT_NEW_PASSWORD, REPEAT_PASSWORD, USERNAME,
};

/// A form's inputs by field name (Djoser's names: `email`, `re_password`, …).
pub type Values = FieldMap<&'static str, String>;

/// Django's `MinimumLengthValidator` default.
pub const MIN_PASSWORD_LENGTH: usize = 8;

/// A form's checks, run on its values before any request (the `validate` of a `Form`):
/// `Validator(validate::register)`.
#[derive(Clone, Copy)]
pub struct Validator(pub fn(&Values) -> FieldErrors);

pub fn value<'a>(values: &'a Values, name: &str) -> &'a str {
    values.get(name).map(String::as_str).unwrap_or("")
}

pub fn email_problem(email: &str) -> Option<&'static str> {
    let email = email.trim();
    if email.is_empty() {
        return Some("Enter your email address.");
    }
    let well_formed = email.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && domain.split('.').all(|label| !label.is_empty())
    }) && !email.chars().any(char::is_whitespace);
    (!well_formed).then_some("Enter a valid email address.")
}

pub fn new_password_problem(password: &str) -> Option<&'static str> {
    if password.is_empty() {
        Some("Enter a password.")
    } else if password.chars().count() < MIN_PASSWORD_LENGTH {
        Some("Use at least 8 characters.")
    } else {
        None
    }
}

pub fn repeat_problem(password: &str, again: &str) -> Option<&'static str> {
    mismatch(
        password,
        again,
        "Enter the password again.",
        "The two passwords don't match.",
    )
}

/// What is wrong with `again`, the repeat of `first`: missing, or different.
fn mismatch(
    first: &str,
    again: &str,
    missing: &'static str,
    different: &'static str,
) -> Option<&'static str> {
    if again.is_empty() {
        Some(missing)
    } else if first != again {
        Some(different)
    } else {
        None
    }
}

fn required(text: &str, message: &'static str) -> Option<&'static str> {
    text.is_empty().then_some(message)
}

/// Collects the problems found, under their field names (a page's own checks use it too).
pub fn errors<const N: usize>(checks: [(&str, Option<&'static str>); N]) -> FieldErrors {
    checks
        .into_iter()
        .filter_map(|(field, problem)| Some((field.to_string(), vec![problem?.to_string()])))
        .collect()
}

/// Django's `CharField(max_length=150)` for names.
pub const MAX_NAME_LENGTH: usize = 150;

fn too_long(text: &str) -> Option<&'static str> {
    (text.trim().chars().count() > MAX_NAME_LENGTH).then_some("Use at most 150 characters.")
}

pub fn profile(values: &Values) -> FieldErrors {
    errors([
        (NAME.name, too_long(value(values, NAME.name))),
        (USERNAME.name, too_long(value(values, USERNAME.name))),
    ])
}

pub fn login(values: &Values) -> FieldErrors {
    errors([
        (EMAIL.name, email_problem(value(values, EMAIL.name))),
        (
            PASSWORD.name,
            required(value(values, PASSWORD.name), "Enter your password."),
        ),
    ])
}

/// Where users sign in by username (`djoser-login-field`).
pub fn login_with_username(values: &Values) -> FieldErrors {
    errors([
        (
            LOGIN_USERNAME.name,
            required(
                value(values, LOGIN_USERNAME.name).trim(),
                "Enter your username.",
            ),
        ),
        (
            PASSWORD.name,
            required(value(values, PASSWORD.name), "Enter your password."),
        ),
    ])
}

/// The username to sign in with, chosen at registration.
pub fn username_problem(username: &str) -> Option<&'static str> {
    required(username.trim(), "Enter a username.").or_else(|| too_long(username))
}

/// Registration where users sign in by username: the email too (the activation link goes there).
pub fn register_with_username(values: &Values) -> FieldErrors {
    let mut found = errors([(
        LOGIN_USERNAME.name,
        username_problem(value(values, LOGIN_USERNAME.name)),
    )]);
    found.extend(register(values));
    found
}

pub fn register(values: &Values) -> FieldErrors {
    let password = value(values, NEW_ACCOUNT_PASSWORD.name);
    errors([
        (EMAIL.name, email_problem(value(values, EMAIL.name))),
        (NEW_ACCOUNT_PASSWORD.name, new_password_problem(password)),
        (
            REPEAT_PASSWORD.name,
            repeat_problem(password, value(values, REPEAT_PASSWORD.name)),
        ),
    ])
}

pub fn email_only(values: &Values) -> FieldErrors {
    errors([(EMAIL.name, email_problem(value(values, EMAIL.name)))])
}

pub fn new_password(values: &Values) -> FieldErrors {
    let password = value(values, NEW_PASSWORD.name);
    errors([
        (NEW_PASSWORD.name, new_password_problem(password)),
        (
            REPEAT_NEW_PASSWORD.name,
            repeat_problem(password, value(values, REPEAT_NEW_PASSWORD.name)),
        ),
    ])
}

pub fn password_change(values: &Values) -> FieldErrors {
    let mut found = errors([(
        CURRENT_PASSWORD.name,
        required(
            value(values, CURRENT_PASSWORD.name),
            "Enter your current password.",
        ),
    )]);
    found.extend(new_password(values));
    found
}

/// The address typed a second time. Compared as typed (trimmed), like Djoser does: a
/// difference in letter case is a mismatch there too.
pub fn repeat_email_problem(email: &str, again: &str) -> Option<&'static str> {
    mismatch(
        email.trim(),
        again.trim(),
        "Enter the new address again.",
        "The two addresses don't match.",
    )
}

/// A new sign-in address, typed twice (`users/reset_email_confirm/`).
pub fn new_email(values: &Values) -> FieldErrors {
    let email = value(values, NEW_EMAIL.name);
    errors([
        (NEW_EMAIL.name, email_problem(email)),
        (
            REPEAT_NEW_EMAIL.name,
            repeat_email_problem(email, value(values, REPEAT_NEW_EMAIL.name)),
        ),
    ])
}

fn current_password_entered(values: &Values) -> FieldErrors {
    errors([(
        CURRENT_PASSWORD.name,
        required(
            value(values, CURRENT_PASSWORD.name),
            "Enter your current password.",
        ),
    )])
}

/// `users/set_email/`: the new address twice and the current password.
pub fn email_change(values: &Values) -> FieldErrors {
    let mut found = new_email(values);
    found.extend(current_password_entered(values));
    found
}

/// `DELETE users/me/`: the current password.
pub fn account_deletion(values: &Values) -> FieldErrors {
    current_password_entered(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&'static str, &str)]) -> Values {
        pairs.iter().map(|(k, v)| (*k, v.to_string())).collect()
    }

    #[test]
    fn email_shapes() {
        for good in ["a@b.co", " alice@example.com ", "A.B+tag@sub.example.org"] {
            assert_eq!(email_problem(good), None, "{good}");
        }
        assert_eq!(email_problem("  "), Some("Enter your email address."));
        for bad in [
            "alice",
            "@example.com",
            "alice@",
            "alice@example",
            "a@b@c.d",
            "al ice@example.com",
            "a@.com",
            "a@b.",
        ] {
            assert_eq!(
                email_problem(bad),
                Some("Enter a valid email address."),
                "{bad}"
            );
        }
    }

    #[test]
    fn passwords() {
        assert_eq!(
            new_password_problem("1234567"),
            Some("Use at least 8 characters.")
        );
        assert_eq!(new_password_problem("éééééééé"), None);
        assert_eq!(new_password_problem(""), Some("Enter a password."));
        assert_eq!(repeat_problem("abcdefgh", "abcdefgh"), None);
        assert_eq!(
            repeat_problem("abcdefgh", "abcdefgi"),
            Some("The two passwords don't match.")
        );
    }

    #[test]
    fn register_reports_every_field_at_once() {
        let found = register(&values(&[
            ("email", "nope"),
            ("password", "short"),
            ("re_password", "other"),
        ]));
        assert_eq!(
            found.keys().collect::<Vec<_>>(),
            ["email", "password", "re_password"]
        );
        assert!(register(&values(&[
            ("email", "a@b.co"),
            ("name", ""),
            ("password", "long enough"),
            ("re_password", "long enough"),
        ]))
        .is_empty());
    }

    #[test]
    fn login_needs_both_fields_but_no_length_rule() {
        assert_eq!(login(&values(&[])).len(), 2);
        assert!(login(&values(&[("email", "a@b.co"), ("password", "x")])).is_empty());
    }

    #[test]
    fn username_sign_in_and_registration_need_the_username() {
        assert_eq!(
            login_with_username(&values(&[("username", " "), ("password", "")]))
                .keys()
                .collect::<Vec<_>>(),
            ["username", "password"]
        );
        // Any text: no email shape asked for.
        assert!(
            login_with_username(&values(&[("username", "alice"), ("password", "x")])).is_empty()
        );
        let complete = [
            ("email", "a@b.co"),
            ("password", "long enough"),
            ("re_password", "long enough"),
        ];
        assert_eq!(
            register_with_username(&values(&complete))["username"],
            vec!["Enter a username.".to_string()]
        );
        let long = "x".repeat(151);
        for (username, problems) in [("alice", 0), (long.as_str(), 1)] {
            let mut filled = complete.to_vec();
            filled.push(("username", username));
            assert_eq!(register_with_username(&values(&filled)).len(), problems);
        }
        // The email is still checked.
        assert!(register_with_username(&values(&[("username", "alice")])).contains_key("email"));
    }

    #[test]
    fn profile_fields_are_optional_but_bounded() {
        assert!(profile(&values(&[])).is_empty());
        let long = "x".repeat(151);
        assert_eq!(profile(&values(&[("name", &long)])).len(), 1);
    }

    #[test]
    fn email_change_checks_the_address_its_repeat_and_the_password() {
        let found = email_change(&values(&[]));
        assert_eq!(
            found.keys().collect::<Vec<_>>(),
            ["new_email", "re_new_email", "current_password"]
        );
        assert_eq!(
            found["new_email"],
            vec!["Enter your email address.".to_string()]
        );
        let found = email_change(&values(&[
            ("new_email", "new@example.com"),
            ("re_new_email", "New@example.com"),
            ("current_password", "x"),
        ]));
        assert_eq!(
            found["re_new_email"],
            vec!["The two addresses don't match.".to_string()]
        );
        assert_eq!(found.len(), 1);
        assert!(email_change(&values(&[
            ("new_email", " new@example.com"),
            ("re_new_email", "new@example.com "),
            ("current_password", "x"),
        ]))
        .is_empty());
        let found = email_change(&values(&[
            ("new_email", "not-an-address"),
            ("re_new_email", "not-an-address"),
            ("current_password", "x"),
        ]));
        assert_eq!(found.keys().collect::<Vec<_>>(), ["new_email"]);
    }

    #[test]
    fn new_email_needs_no_password() {
        assert!(new_email(&values(&[
            ("new_email", "new@example.com"),
            ("re_new_email", "new@example.com"),
        ]))
        .is_empty());
        assert_eq!(
            new_email(&values(&[("new_email", "new@example.com")]))["re_new_email"],
            vec!["Enter the new address again.".to_string()]
        );
    }

    #[test]
    fn account_deletion_needs_the_password_only() {
        assert_eq!(
            account_deletion(&values(&[])).keys().collect::<Vec<_>>(),
            ["current_password"]
        );
        assert!(account_deletion(&values(&[("current_password", "x")])).is_empty());
    }

    #[test]
    fn password_change_checks_all_three() {
        let found = password_change(&values(&[("new_password", "abcdefgh")]));
        assert_eq!(
            found.keys().collect::<Vec<_>>(),
            ["current_password", "re_new_password"]
        );
    }
}
