//! Where things are on the app's pages: the selectors the tests find them by, written once (the
//! page hooks of tests/README.md). A test asks `find::notice("expired")`, not a copy of the CSS.

/// The sign-in form on /login (and on every page that asks to sign in again).
pub const LOGIN_FORM: &str = "form#login-form";
pub const REGISTER_FORM: &str = "form#register-form";
pub const RESET_PASSWORD_FORM: &str = "form#reset-password-form";
pub const CONFIRM_RESET_FORM: &str = "form#confirm-reset-form";
pub const RESEND_ACTIVATION_FORM: &str = "form#resend-activation-form";
pub const RESET_EMAIL_FORM: &str = "form#reset-email-form";
pub const CONFIRM_EMAIL_RESET_FORM: &str = "form#confirm-email-reset-form";
/// /settings' sections: the profile, the password, the sign-in email, deleting the account.
pub const PROFILE_FORM: &str = "form#profile-form";
pub const PASSWORD_FORM: &str = "form#password-form";
pub const EMAIL_FORM: &str = "form#email-form";
pub const DELETE_ACCOUNT_FORM: &str = "form#delete-account-form";
/// The dashboard's (and /settings') Sign out button.
pub const SIGN_OUT: &str = "button#sign-out";
/// The dashboard's link to /settings.
pub const SETTINGS_LINK: &str = "main a[href=\"/settings\"]";

/// A notice of the given kind (`data-notice`): `expired`, `password-reset`, `check-email`, …
pub fn notice(kind: &str) -> String {
    format!(".notice[data-notice=\"{kind}\"]")
}

/// `css` inside `outer` (a form, a notice).
pub fn inside(outer: &str, css: &str) -> String {
    format!("{outer} {css}")
}

/// A form's submit button.
pub fn submit(form: &str) -> String {
    inside(form, "button[type=submit]")
}

/// A form's form-level alert (`.form-alert`, `role=alert`).
pub fn alert(form: &str) -> String {
    inside(form, ".form-alert")
}

/// Any element with this `data-notice`, whatever its class: the boot banner (`boot-failed`,
/// scripts/boot.js), the not-configured page, the storage notices.
pub fn banner(kind: &str) -> String {
    format!("[data-notice=\"{kind}\"]")
}
