use yew::prelude::*;

use super::EmailedLinkProps;
use crate::api::{self, ApiError, NewPassword};
use crate::components::*;
use crate::fields::{Field, NEW_PASSWORD, REPEAT_NEW_PASSWORD};
use crate::routes::{go, login_path, Route};
use crate::validate::{self, value, Values};

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
            Ok(()) => go(&login_path(None, Some("password-reset"))),
            // Used already, expired, or mangled: the form can't help, a new link can.
            Err(ApiError::Rejected(rejection))
                if rejection.fields.contains_key("uid")
                    || rejection.fields.contains_key("token") =>
            {
                invalid_link.set(true)
            }
            Err(error) => return Err(error),
        }
        Ok(())
    });

    let footer = html! { <AppLink to={Route::Login}>{ "Back to sign in" }</AppLink> };
    if *invalid_link {
        html! {
            <AuthCard title="This link doesn't work" {footer}>
                <div data-result="invalid">
                    <Notice kind={NoticeKind::Warning} id="invalid-link">
                        <p>{ "This password reset link is invalid or has been used already. Each link works once." }</p>
                    </Notice>
                    <AppLink to={Route::ResetPassword} class="button button-primary">{ "Ask for a new link" }</AppLink>
                </div>
            </AuthCard>
        }
    } else {
        html! {
            <AuthCard title="Choose a new password" {footer}>
                <Form id="confirm-reset-form" fields={FIELDS} {submit}
                    submit_label="Change password" busy_label="Changing password…"
                    validate={validate::new_password as fn(&Values) -> _} />
            </AuthCard>
        }
    }
}
