use yew::prelude::*;

use super::use_prefilled_email;
use crate::api;
use crate::components::*;
use crate::fields::{Field, EMAIL};
use crate::routes::Route;
use crate::validate::{self, value, Values};

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

    let footer = html! { <AppLink to={Route::Login}>{ "Back to sign in" }</AppLink> };
    match &*sent_to {
        Some(email) => html! {
            <AuthCard title="Check your email" {footer}>
                <Notice kind={NoticeKind::Success} id="activation-sent">
                    <p>{ "If " }<strong>{ email }</strong>{ " belongs to an account that isn't active yet, a new activation link is on its way." }</p>
                    <p>{ "Already activated? Just sign in." }</p>
                </Notice>
            </AuthCard>
        },
        None => html! {
            <AuthCard title="Resend the activation email" lead="We'll send a new activation link to your address." {footer}>
                <Form id="resend-activation-form" fields={FIELDS} {initial} {submit}
                    submit_label="Send activation email" busy_label="Sending…"
                    validate={validate::email_only as fn(&Values) -> _} />
            </AuthCard>
        },
    }
}
