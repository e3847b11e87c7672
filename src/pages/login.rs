use yew::prelude::*;

use super::use_prefilled_email;
#[cfg(feature = "social")]
use super::SocialButtons;
use crate::api::ApiError;
use crate::components::*;
use crate::config::LoginField;
use crate::fields::{Field, EMAIL, LOGIN_USERNAME, PASSWORD};
use crate::guards::use_destination_after_sign_in;
use crate::routes::{redirect_to_path, use_query, LoginNotice, Query, Route};
use crate::session::{deleted_account, use_session, SessionState, SignedOutReason};
use crate::validate::{self, value, Validator, Values};

/// The form for each `djoser-login-field`: what it asks for and checks.
fn form_for(login_field: LoginField) -> (&'static [Field], Validator) {
    match login_field {
        LoginField::Email => (&[EMAIL, PASSWORD], Validator(validate::login)),
        LoginField::Username => (
            &[LOGIN_USERNAME, PASSWORD],
            Validator(validate::login_with_username),
        ),
    }
}

/// Djoser answers 401 alike for a wrong password and an account not activated yet, so say
/// both and offer the way out of the second.
fn activation_hint(error: &ApiError, values: &Values) -> Html {
    match error {
        ApiError::Rejected(rejection) if rejection.status == 401 => {
            // (Signing in by username, there is no address to fill in.)
            let email = values.get(EMAIL.name).map(|email| email.trim().to_string());
            html! {
                <p class="form-alert-hint">
                    { "Check your email and password. If you registered recently, activate your account first: " }
                    { app_link(Route::ResendActivation, Query { email, ..Query::default() }, LinkLook::Text, "resend the activation email") }{ "." }
                </p>
            }
        }
        _ => Html::default(),
    }
}

#[function_component(LoginPage)]
pub fn login_page() -> Html {
    use_title("Sign in");
    use_performance_mark("login-form-usable");
    let session = use_session();
    let initial = use_prefilled_email();
    let asked = use_query().notice;
    // The tab that deleted the account says so in the link; the other tabs were only signed
    // out, and learn why from the word it left.
    let account_deleted =
        asked == Some(LoginNotice::AccountDeleted) || deleted_account::marked_recently();

    let destination = use_destination_after_sign_in();
    let login_field = crate::config::get().login_field;
    let (fields, validate) = form_for(login_field);

    let captured = (session.manager.clone(), destination);
    let submit = submit_with(captured, move |(manager, destination), values| async move {
        let login = value(&values, login_field.name()).trim();
        manager
            .sign_in(login, value(&values, PASSWORD.name))
            .await?;
        deleted_account::forget();
        // Straight on, in the same render as the new session, rather than after
        // GuestOnly has rendered once more to find the user signed in.
        redirect_to_path(&destination);
        Ok(())
    });
    let form = html! {
        <Form id="login-form" {fields} {initial} {submit} {validate}
            submit_label="Sign in" busy_label="Signing in…"
            explain={Some(activation_hint as fn(&ApiError, &Values) -> Html)} />
    };
    // With the social sign-in buttons under it (feature `social`).
    #[cfg(feature = "social")]
    let form = html! { <>{ form }<SocialButtons /></> };
    let signed_out_by = match session.state {
        SessionState::SignedOut(reason) => Some(reason),
        _ => None,
    };

    html! {
        <PageCard title="Sign in" lead="Welcome back. Sign in to your account."
            footer={html! {
                <>
                    { app_link(Route::Register, Query::default(), LinkLook::Text, "Create an account") }
                    { app_link(Route::ResetPassword, Query::default(), LinkLook::Text, "Forgot your password?") }
                </>
            }}>
            if signed_out_by == Some(SignedOutReason::Expired) {
                { notice_text(NoticeKind::Warning, "expired", "Your session has expired. Sign in again to continue.") }
            } else if signed_out_by == Some(SignedOutReason::Superseded) {
                { notice_text(NoticeKind::Info, "app-updated", "This app was updated in another tab. Reload this page to go on.") }
            } else if account_deleted {
                { notice_text(NoticeKind::Info, "account-deleted", "Your account has been deleted, and you've been signed out.") }
            } else if asked == Some(LoginNotice::PasswordReset) {
                { notice_text(NoticeKind::Success, "password-reset", "Your password has been changed. Sign in with your new password.") }
            }
            { form }
        </PageCard>
    }
}
