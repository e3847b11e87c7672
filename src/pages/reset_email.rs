use yew::prelude::*;

use super::use_prefilled_email;
use crate::api;
use crate::components::*;
use crate::fields::{Field, EMAIL};
use crate::validate::{self, value, Validator};

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
            Err(error) if !error.is_unknown_address() => return Err(error),
            _ => {}
        }
        sent.set(true);
        Ok(())
    });

    // Signed in (from /settings), the sign-in page goes on to the account.
    if *sent {
        sent_card(
            "email-reset-sent",
            html! {
                <>
                    <p>{ "If an account uses that address, we've sent it a link to choose a new email to sign in with." }</p>
                    <p>{ "The link works once. No email after a few minutes? Check your spam folder." }</p>
                </>
            },
            back_to_sign_in(),
        )
    } else {
        html! {
            <PageCard title="Change your email" lead="Enter the email you sign in with now. We'll send it a link to choose a new one; no password needed." footer={back_to_sign_in()}>
                <Form id="reset-email-form" fields={FIELDS} {initial} {submit}
                    submit_label="Send link" busy_label="Sending…"
                    validate={Validator(validate::email_only)} />
            </PageCard>
        }
    }
}
