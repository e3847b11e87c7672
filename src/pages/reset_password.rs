use yew::prelude::*;

use crate::api;
use crate::components::*;
use crate::fields::{Field, EMAIL};
use crate::routes::{Query, Route};
use crate::validate::{self, value, Validator};

const FIELDS: &[Field] = &[EMAIL];

#[function_component(ResetPasswordPage)]
pub fn reset_password_page() -> Html {
    use_title("Reset your password");
    let sent = use_state(|| false);

    let submit = submit_with(sent.clone(), |sent, values| async move {
        match api::reset_password(value(&values, EMAIL.name).trim()).await {
            Err(error) if !error.is_unknown_address() => return Err(error),
            _ => {}
        }
        sent.set(true);
        Ok(())
    });

    let footer = html! {
        <>
            { back_to_sign_in() }
            { app_link(Route::ResetEmail, Query::default(), LinkLook::Text, "Change your account's email instead") }
        </>
    };
    if *sent {
        sent_card(
            "reset-sent",
            html! {
                <>
                    <p>{ "If an account uses that address, we've sent it a link to choose a new password." }</p>
                    <p>{ "The link works once. No email after a few minutes? Check your spam folder." }</p>
                </>
            },
            footer,
        )
    } else {
        html! {
            <PageCard title="Reset your password" lead="Enter your account's email and we'll send you a link to choose a new password." {footer}>
                <Form id="reset-password-form" fields={FIELDS} {submit}
                    submit_label="Send reset link" busy_label="Sending…"
                    validate={Validator(validate::email_only)} />
            </PageCard>
        }
    }
}
