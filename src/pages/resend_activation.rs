use yew::prelude::*;

use super::use_prefilled_email;
use crate::api;
use crate::components::*;
use crate::fields::{Field, EMAIL};
use crate::validate::{self, value, Validator};

const FIELDS: &[Field] = &[EMAIL];

#[function_component(ResendActivationPage)]
pub fn resend_activation_page() -> Html {
    use_title("Resend the activation email");
    let initial = use_prefilled_email();
    let sent_to = use_state(|| None::<String>);

    let submit = submit_with(sent_to.clone(), |sent_to, values| async move {
        let email = value(&values, EMAIL.name).trim();
        api::resend_activation(email).await?;
        sent_to.set(Some(email.to_string()));
        Ok(())
    });

    match &*sent_to {
        Some(email) => sent_card(
            "activation-sent",
            html! {
                <>
                    <p>{ "If " }<strong>{ email }</strong>{ " belongs to an account that isn't active yet, a new activation link is on its way." }</p>
                    <p>{ "Already activated? Just sign in." }</p>
                </>
            },
            back_to_sign_in(),
        ),
        None => html! {
            <PageCard title="Resend the activation email" lead="We'll send a new activation link to your address." footer={back_to_sign_in()}>
                <Form id="resend-activation-form" fields={FIELDS} {initial} {submit}
                    submit_label="Send activation email" busy_label="Sending…"
                    validate={Validator(validate::email_only)} />
            </PageCard>
        },
    }
}
