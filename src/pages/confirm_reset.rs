use yew::prelude::*;

use super::EmailedLinkProps;
use crate::api::{self, NewPassword};
use crate::components::*;
use crate::fields::{Field, NEW_PASSWORD, REPEAT_NEW_PASSWORD};
use crate::routes::{redirect, LoginNotice, Query, Route};
use crate::validate::{self, value, Validator};

const FIELDS: &[Field] = &[NEW_PASSWORD, REPEAT_NEW_PASSWORD];

#[function_component(ConfirmResetPage)]
pub fn confirm_reset_page(props: &EmailedLinkProps) -> Html {
    super::use_link_out_of_address_bar("confirm-password-reset", props);
    use_title("Choose a new password");
    let invalid_link = use_state(|| false);

    let captured = (invalid_link.clone(), props.uid.clone(), props.token.clone());
    let submit = submit_with(captured, |(invalid_link, uid, token), values| async move {
        let result = api::reset_password_confirm(&NewPassword {
            uid: &uid,
            token: &token,
            new_password: value(&values, NEW_PASSWORD.name),
            re_new_password: value(&values, REPEAT_NEW_PASSWORD.name),
        })
        .await;
        match result {
            Ok(()) => redirect(&Route::Login, &Query::notice(LoginNotice::PasswordReset)),
            Err(error) if error.is_bad_link() => invalid_link.set(true),
            Err(error) => return Err(error),
        }
        Ok(())
    });

    if *invalid_link {
        bad_link_card(
            "This password reset link is invalid or has been used already. Each link works once.",
            Route::ResetPassword,
            "Ask for a new link",
        )
    } else {
        html! {
            <PageCard title="Choose a new password" footer={back_to_sign_in()}>
                <Form id="confirm-reset-form" fields={FIELDS} {submit}
                    submit_label="Change password" busy_label="Changing password…"
                    validate={Validator(validate::new_password)} />
            </PageCard>
        }
    }
}
