use std::rc::Rc;

use yew::prelude::*;

use crate::api::{self, CurrentPassword};
use crate::components::*;
use crate::fields::{Field, CURRENT_PASSWORD};
use crate::routes::{redirect, LoginNotice, Query, Route};
use crate::session::{deleted_account, SessionManager};
use crate::validate::{self, value, Validator};

const FIELDS: &[Field] = &[CURRENT_PASSWORD];

/// Asks for `current_password` too: its input ids carry the form's id (`scoped_ids`).
const FORM: &str = "delete-account-form";

/// The confirm step, and where the focus goes as it opens and closes.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum DeleteStep {
    Closed,
    Confirming,
    Cancelled,
}

/// Opening the confirm step puts the focus in its password input; cancelling, back on the
/// button that opened it (each would otherwise drop it to `<body>`).
#[hook]
pub(super) fn use_delete_step() -> UseStateHandle<DeleteStep> {
    let step = use_state(|| DeleteStep::Closed);
    use_effect_with(*step, |step| match step {
        DeleteStep::Confirming => focus(&input_id(Some(FORM), CURRENT_PASSWORD.name)),
        DeleteStep::Cancelled => focus("delete-account"),
        DeleteStep::Closed => {}
    });
    step
}

/// Deleting the account for good (`DELETE users/me/`), behind a confirm step with the password.
pub(super) fn section(
    manager: &Rc<SessionManager>,
    email: &str,
    step: &UseStateHandle<DeleteStep>,
) -> Html {
    let delete = submit_with(manager.clone(), |manager, values| async move {
        let confirmation = CurrentPassword {
            current_password: value(&values, CURRENT_PASSWORD.name),
        };
        manager.send::<()>(&api::delete_me(&confirmation)).await?;
        deleted_account::mark();
        manager.sign_out();
        redirect(&Route::Login, &Query::notice(LoginNotice::AccountDeleted));
        Ok(())
    });
    let step_to = |next: DeleteStep| {
        let step = step.clone();
        Callback::from(move |_: MouseEvent| step.set(next))
    };
    html! {
        <section class="danger-zone" aria-labelledby="delete-heading">
            <h2 id="delete-heading">{ "Delete account" }</h2>
            if **step == DeleteStep::Confirming {
                <div class="danger-confirm">
                    <p>
                        <strong>{ "This cannot be undone." }</strong>
                        { " The account " }<strong>{ email }</strong>
                        { " and everything in it will be deleted for good, and you'll be signed out everywhere. Enter your password to confirm." }
                    </p>
                    <Form id={FORM} scoped_ids=true fields={FIELDS} submit={delete}
                        submit_label="Delete my account" busy_label="Deleting your account…"
                        validate={Validator(validate::account_deletion)} />
                    <button id="delete-account-cancel" type="button" class="button button-secondary"
                        onclick={step_to(DeleteStep::Cancelled)}>{ "Keep my account" }</button>
                </div>
            } else {
                <p class="aside">{ "Deletes your account and everything in it. This cannot be undone." }</p>
                <button id="delete-account" type="button" class="button button-danger"
                    onclick={step_to(DeleteStep::Confirming)}>{ "Delete account…" }</button>
            }
        </section>
    }
}
