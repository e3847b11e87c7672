use yew::prelude::*;

use crate::api::{self, ApiError};
use crate::components::*;
use crate::fields::{Field, EMAIL};
use crate::routes::Route;
use crate::validate::{self, value, Values};

const FIELDS: &[Field] = &[EMAIL];

#[function_component(ResetPasswordPage)]
pub fn reset_password_page() -> Html {
    use_title("Reset your password");
    let sent = use_state(|| false);

    let submit = submit_with(sent.clone(), |sent, values| async move {
        match api::reset_password(value(&values, EMAIL.name).trim()).await {
            // A backend with PASSWORD_RESET_SHOW_EMAIL_NOT_FOUND answers an unknown
            // address with a bare list; still say the same as for a known one.
            Ok(()) => {}
            Err(ApiError::Rejected(rejection)) if rejection.fields.is_empty() => {}
            Err(error) => return Err(error),
        }
        sent.set(true);
        Ok(())
    });

    let footer = html! {
        <>
            <AppLink to={Route::Login}>{ "Back to sign in" }</AppLink>
            <AppLink to={Route::ResetEmail}>{ "Change your account's email instead" }</AppLink>
        </>
    };
    if *sent {
        html! {
            <AuthCard title="Check your email" {footer}>
                <Notice kind={NoticeKind::Success} id="reset-sent">
                    <p>{ "If an account uses that address, we've sent it a link to choose a new password." }</p>
                    <p>{ "The link works once. No email after a few minutes? Check your spam folder." }</p>
                </Notice>
            </AuthCard>
        }
    } else {
        html! {
            <AuthCard title="Reset your password" lead="Enter your account's email and we'll send you a link to choose a new password." {footer}>
                <Form id="reset-password-form" fields={FIELDS} {submit}
                    submit_label="Send reset link" busy_label="Sending…"
                    validate={validate::email_only as fn(&Values) -> _} />
            </AuthCard>
        }
    }
}
