use yew::prelude::*;

use crate::api::{self, NewAccount};
use crate::components::*;
use crate::config::LoginField;
use crate::fields::{Field, EMAIL, LOGIN_USERNAME, NAME, NEW_ACCOUNT_PASSWORD, REPEAT_PASSWORD};
#[cfg(feature = "social")]
use crate::pages::SocialButtons;
use crate::routes::{Query, Route};
use crate::validate::{self, value, Validator};

/// The form for each `djoser-login-field`: signing in by username, the username is chosen here
/// (the email is still asked for: the activation link goes there).
fn form_for(login_field: LoginField) -> (&'static [Field], Validator) {
    match login_field {
        LoginField::Email => (
            &[EMAIL, NAME, NEW_ACCOUNT_PASSWORD, REPEAT_PASSWORD],
            Validator(validate::register),
        ),
        LoginField::Username => (
            &[
                EMAIL,
                LOGIN_USERNAME,
                NAME,
                NEW_ACCOUNT_PASSWORD,
                REPEAT_PASSWORD,
            ],
            Validator(validate::register_with_username),
        ),
    }
}

#[function_component(RegisterPage)]
pub fn register_page() -> Html {
    use_title("Create an account");
    let sent_to = use_state(|| None::<String>);
    let (fields, validate) = form_for(crate::config::get().login_field);

    let submit = submit_with(sent_to.clone(), |sent_to, values| async move {
        let email = value(&values, EMAIL.name).trim();
        api::register(&NewAccount {
            email,
            username: value(&values, LOGIN_USERNAME.name).trim(),
            name: value(&values, NAME.name).trim(),
            password: value(&values, NEW_ACCOUNT_PASSWORD.name),
            re_password: value(&values, REPEAT_PASSWORD.name),
        })
        .await?;
        sent_to.set(Some(email.to_string()));
        Ok(())
    });

    let form = html! {
        <Form id="register-form" {fields} {submit} {validate}
            submit_label="Create account" busy_label="Creating account…" />
    };
    // With the social sign-in buttons under it (feature `social`).
    #[cfg(feature = "social")]
    let form = html! { <>{ form }<SocialButtons /></> };
    let footer = app_link(
        Route::Login,
        Query::default(),
        LinkLook::Text,
        "Already have an account? Sign in",
    );
    match &*sent_to {
        Some(email) => sent_card(
            "check-email",
            html! {
                <>
                    <p>{ "We sent an activation link to " }<strong>{ email }</strong>{ "." }</p>
                    <p>{ "Open it to activate your account, then sign in." }</p>
                    <p>
                        { "No email after a few minutes? Check your spam folder, or " }
                        { app_link(Route::ResendActivation, Query::email(email.clone()), LinkLook::Text, "send it again") }{ "." }
                    </p>
                </>
            },
            footer,
        ),
        None => html! {
            <PageCard title="Create an account" lead="It takes a minute. We'll email you a link to activate it." {footer}>
                { form }
            </PageCard>
        },
    }
}
