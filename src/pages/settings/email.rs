use std::rc::Rc;

use yew::prelude::*;

use super::Saved;
use crate::api::{self, EmailChange, User};
use crate::components::*;
use crate::fields::{Field, CURRENT_PASSWORD, NEW_EMAIL, REPEAT_NEW_EMAIL};
use crate::routes::{Query, Route};
use crate::session::SessionManager;
use crate::validate::{self, value, Validator};

const FIELDS: &[Field] = &[NEW_EMAIL, REPEAT_NEW_EMAIL, CURRENT_PASSWORD];

/// A new sign-in address, set with `users/set_email/` and the password, or through an emailed
/// link for whoever doesn't know it.
pub(super) fn section(
    manager: &Rc<SessionManager>,
    user: &User,
    saved: &UseStateHandle<Saved>,
    form_key: &UseStateHandle<u32>,
) -> Html {
    let change = submit_with(
        (
            manager.clone(),
            saved.clone(),
            form_key.clone(),
            user.clone(),
        ),
        |(manager, saved, key, user), values| async move {
            let new_email = value(&values, NEW_EMAIL.name).trim();
            let change = EmailChange {
                current_password: value(&values, CURRENT_PASSWORD.name),
                new_email,
                re_new_email: value(&values, REPEAT_NEW_EMAIL.name).trim(),
            };
            manager.send::<()>(&api::set_email(&change)).await?;
            // The new address on every page and in every tab (through the stored session): as
            // the server spells it, else as typed.
            let updated = match manager.send(&api::me()).await {
                Ok(updated) => updated,
                Err(_) => User {
                    email: new_email.to_string(),
                    ..user
                },
            };
            manager.update_user(updated);
            saved.set(Saved::Email);
            key.set(*key + 1);
            Ok(())
        },
    );
    let email = &user.email;
    html! {
        <>
            <h2 id="email-heading">{ "Email" }</h2>
            if **saved == Saved::Email {
                { email_changed_notice(email) }
            }
            <p class="aside">
                { "You sign in with this address. Don't know your password? " }
                { app_link(Route::ResetEmail, Query::email(email.clone()), LinkLook::Text, "Change it through an emailed link") }{ "." }
            </p>
            // Its `current_password` input is told apart from the password form's (`scoped_ids`).
            <Form key={**form_key} id="email-form" scoped_ids=true fields={FIELDS} submit={change}
                submit_label="Change email" busy_label="Changing email…"
                validate={Validator(validate::email_change)} />
        </>
    }
}
