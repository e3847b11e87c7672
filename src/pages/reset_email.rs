use yew::prelude::*;

use super::use_prefilled_email;
use crate::api::{self, ApiError};
use crate::components::*;
use crate::fields::{Field, EMAIL};
use crate::routes::Route;
use crate::validate::{self, value, Values};

const FIELDS: &[Field] = &[EMAIL];

/// Djoser's email reset, for whoever can't change the address with the password: a link sent to
/// the address in use lets them choose a new one. Open signed in (from /settings) or not.
#[function_component(ResetEmailPage)]
pub fn reset_email_page() -> Html {
    use_title("Change your email");
    let initial = use_prefilled_email();
    let sent = use_state(|| false);

    let submit = submit_with(sent.clone(), |sent, values| async move {
        match api::reset_email(value(&values, EMAIL.name).trim()).await {
            // A backend with USERNAME_RESET_SHOW_EMAIL_NOT_FOUND answers an unknown address
            // with a bare list; still say the same as for a known one.
            Ok(()) => {}
            Err(ApiError::Rejected(rejection))
                if rejection.status == 400 && rejection.fields.is_empty() => {}
            Err(error) => return Err(error),
        }
        sent.set(true);
        Ok(())
    });

    // Signed in (from /settings), the sign-in page goes on to the account.
    let footer = html! { <AppLink to={Route::Login}>{ "Back to sign in" }</AppLink> };
    if *sent {
        html! {
            <AuthCard title="Check your email" {footer}>
                <Notice kind={NoticeKind::Success} id="email-reset-sent">
                    <p>{ "If an account uses that address, we've sent it a link to choose a new email to sign in with." }</p>
                    <p>{ "The link works once. No email after a few minutes? Check your spam folder." }</p>
                </Notice>
            </AuthCard>
        }
    } else {
        html! {
            <AuthCard title="Change your email" lead="Enter the email you sign in with now. We'll send it a link to choose a new one; no password needed." {footer}>
                <Form id="reset-email-form" fields={FIELDS} {initial} {submit}
                    submit_label="Send link" busy_label="Sending…"
                    validate={validate::email_only as fn(&Values) -> _} />
            </AuthCard>
        }
    }
}
