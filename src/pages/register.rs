use std::rc::Rc;

use futures::FutureExt;
use yew::prelude::*;

use super::{EMAIL, NAME};
use crate::api::{self, NewAccount};
use crate::components::*;
use crate::routes::Route;
use crate::validate::{self, value, Values};

const FIELDS: &[Field] = &[
    EMAIL,
    NAME,
    Field::new("password", "Password", FieldKind::NewPassword).hint("At least 8 characters."),
    Field::new("re_password", "Repeat the password", FieldKind::NewPassword),
];

#[function_component(RegisterPage)]
pub fn register_page() -> Html {
    use_title("Create an account");
    let sent_to = use_state(|| None::<String>);

    let submit: SubmitFn = {
        let sent_to = sent_to.clone();
        Rc::new(move |values: Values| {
            let sent_to = sent_to.clone();
            async move {
                let email = value(&values, "email").trim();
                api::register(&NewAccount {
                    email,
                    name: value(&values, "name").trim(),
                    password: value(&values, "password"),
                    re_password: value(&values, "re_password"),
                })
                .await?;
                sent_to.set(Some(email.to_string()));
                Ok(())
            }
            .boxed_local()
        })
    };

    let footer =
        html! { <AppLink to={Route::Login}>{ "Already have an account? Sign in" }</AppLink> };
    match &*sent_to {
        Some(email) => html! {
            <AuthCard title="Check your email" {footer}>
                <Notice kind={NoticeKind::Success} id="check-email">
                    <p>{ "We sent an activation link to " }<strong>{ email }</strong>{ "." }</p>
                    <p>{ "Open it to activate your account, then sign in." }</p>
                    <p>
                        { "No email after a few minutes? Check your spam folder, or " }
                        <AppLink to={Route::ResendActivation} query={vec![("email", Some(email.to_string()))]}>
                            { "send it again" }
                        </AppLink>{ "." }
                    </p>
                </Notice>
            </AuthCard>
        },
        None => html! {
            <AuthCard title="Create an account" lead="It takes a minute. We'll email you a link to activate it." {footer}>
                <Form id="register-form" fields={FIELDS} {submit}
                    submit_label="Create account" busy_label="Creating account…"
                    validate={validate::register as fn(&Values) -> _} />
            </AuthCard>
        },
    }
}
