use std::rc::Rc;

use yew::prelude::*;

use super::Saved;
use crate::api::PasswordChange;
use crate::components::*;
use crate::fields::{Field, CURRENT_PASSWORD, NEW_PASSWORD, REPEAT_NEW_PASSWORD};
use crate::session::SessionManager;
use crate::validate::{self, value, Validator};

const FIELDS: &[Field] = &[CURRENT_PASSWORD, NEW_PASSWORD, REPEAT_NEW_PASSWORD];

/// A new password, set with `users/set_password/` (`SessionManager::change_password` signs this
/// browser in again with it).
pub(super) fn section(
    manager: &Rc<SessionManager>,
    saved: &UseStateHandle<Saved>,
    form_key: &UseStateHandle<u32>,
) -> Html {
    let change = submit_with(
        (manager.clone(), saved.clone(), form_key.clone()),
        |(manager, saved, key), values| async move {
            let change = PasswordChange {
                current_password: value(&values, CURRENT_PASSWORD.name),
                new_password: value(&values, NEW_PASSWORD.name),
                re_new_password: value(&values, REPEAT_NEW_PASSWORD.name),
            };
            let signed_in_again = manager.change_password(&change).await?;
            saved.set(Saved::Password { signed_in_again });
            key.set(*key + 1);
            Ok(())
        },
    );
    html! {
        <>
            <h2 id="password-heading">{ "Password" }</h2>
            if let Saved::Password { signed_in_again } = **saved {
                { notice(NoticeKind::Success, "password-changed", html! { <>
                    <p>{ "Your password has been changed." }</p>
                    if !signed_in_again {
                        <p>{ "If you're asked to sign in again, use the new password." }</p>
                    }
                </> }) }
            }
            <Form key={**form_key} id="password-form" fields={FIELDS} submit={change}
                submit_label="Change password" busy_label="Changing password…"
                validate={Validator(validate::password_change)} />
        </>
    }
}
