use yew::prelude::*;

use super::EmailedLinkProps;
use crate::api::{self, NewEmail};
use crate::components::*;
use crate::fields::{Field, NEW_EMAIL, REPEAT_NEW_EMAIL};
use crate::routes::{Query, Route};
use crate::validate::{self, value, Validator};

const FIELDS: &[Field] = &[NEW_EMAIL, REPEAT_NEW_EMAIL];

#[derive(Clone, PartialEq)]
enum Outcome {
    Asking,
    /// Set to this address.
    Changed(String),
    InvalidLink,
}

/// Where the email reset link lands (`USERNAME_RESET_CONFIRM_URL`): the new address, twice.
#[function_component(ConfirmEmailResetPage)]
pub fn confirm_email_reset_page(props: &EmailedLinkProps) -> Html {
    super::use_link_out_of_address_bar("confirm-email-reset", props);
    use_title("Choose a new email");
    let outcome = use_state(|| Outcome::Asking);

    let captured = (outcome.clone(), props.uid.clone(), props.token.clone());
    let submit = submit_with(captured, |(outcome, uid, token), values| async move {
        let new_email = value(&values, NEW_EMAIL.name).trim();
        let result = api::reset_email_confirm(&NewEmail {
            uid: &uid,
            token: &token,
            new_email,
            re_new_email: value(&values, REPEAT_NEW_EMAIL.name).trim(),
        })
        .await;
        match result {
            // A tab signed in to this account shows the new address once it fetches the
            // profile again (the dashboard does when its copy is over a minute old).
            Ok(()) => outcome.set(Outcome::Changed(new_email.to_string())),
            // Used already (the token covers the address it changed), expired, or mangled:
            // the form can't help, a new link can.
            Err(error) if error.is_bad_link() => outcome.set(Outcome::InvalidLink),
            Err(error) => return Err(error),
        }
        Ok(())
    });

    match &*outcome {
        Outcome::Changed(email) => html! {
            <PageCard title="Email changed">
                <div data-result="changed">
                    { email_changed_notice(email) }
                    // Signed in here already, the sign-in page goes on to the account.
                    { app_link(Route::Login, Query::email(email.clone()), LinkLook::PrimaryButton, "Sign in") }
                </div>
            </PageCard>
        },
        Outcome::InvalidLink => bad_link_card(
            "This link to change your email is invalid or has been used already. Each link works once.",
            Route::ResetEmail,
            "Ask for a new link",
        ),
        Outcome::Asking => html! {
            <PageCard title="Choose a new email" lead="The address you'll sign in with from now on." footer={back_to_sign_in()}>
                <Form id="confirm-email-reset-form" fields={FIELDS} {submit}
                    submit_label="Change email" busy_label="Changing email…"
                    validate={Validator(validate::new_email)} />
            </PageCard>
        },
    }
}
