use std::rc::Rc;

use yew::prelude::*;

use super::Saved;
use crate::api::{self, ProfileChanges, User};
use crate::components::*;
use crate::fields::{Field, NAME, USERNAME};
use crate::session::SessionManager;
use crate::validate::{self, value, Validator, Values};

const FIELDS: &[Field] = &[NAME, USERNAME];

/// The name and username, saved with `PATCH users/me/`.
pub(super) fn section(
    manager: &Rc<SessionManager>,
    user: &User,
    saved: &UseStateHandle<Saved>,
) -> Html {
    let save = submit_with(
        (manager.clone(), saved.clone()),
        |(manager, saved), values| async move {
            let changes = ProfileChanges {
                name: value(&values, NAME.name).trim(),
                username: value(&values, USERNAME.name).trim(),
            };
            let user = manager.send(&api::update_me(&changes)).await?;
            manager.update_user(user);
            saved.set(Saved::Profile);
            Ok(())
        },
    );
    let mut initial = Values::new();
    initial.insert(NAME.name, user.name.clone().unwrap_or_default());
    initial.insert(USERNAME.name, user.username.clone().unwrap_or_default());
    html! {
        <>
            <h2 id="profile-heading">{ "Profile" }</h2>
            if **saved == Saved::Profile {
                { notice_text(NoticeKind::Success, "profile-saved", "Your profile has been saved.") }
            }
            <Form id="profile-form" fields={FIELDS} {initial} submit={save}
                submit_label="Save profile" busy_label="Saving…"
                validate={Validator(validate::profile)} />
        </>
    }
}
