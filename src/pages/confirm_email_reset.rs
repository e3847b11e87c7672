use yew::prelude::*;

use super::EmailedLinkProps;
use crate::api::{self, ApiError, NewEmail};
use crate::components::*;
use crate::fields::{Field, NEW_EMAIL, REPEAT_NEW_EMAIL};
use crate::routes::Route;
use crate::validate::{self, value, Values};

const FIELDS: &[Field] = &[NEW_EMAIL, REPEAT_NEW_EMAIL];

#[derive(Clone, PartialEq)]
enum Outcome {
    Asking,
    /// Set to this address.
    Changed(String),
    InvalidLink,
}

/// Where the email reset link lands (`USERNAME_RESET_CONFIRM_URL`): the new address, twice.
#[function_component(ConfirmEmailResetPage)]
pub fn confirm_email_reset_page(props: &EmailedLinkProps) -> Html {
    super::use_link_out_of_address_bar("confirm-email-reset", props);
    use_title("Choose a new email");
    let outcome = use_state(|| Outcome::Asking);

    let captured = (outcome.clone(), props.uid.clone(), props.token.clone());
    let submit = submit_with(captured, |(outcome, uid, token), values| async move {
        let new_email = value(&values, NEW_EMAIL.name).trim();
        let result = api::reset_email_confirm(&NewEmail {
            uid: &uid,
            token: &token,
            new_email,
            re_new_email: value(&values, REPEAT_NEW_EMAIL.name).trim(),
        })
        .await;
        match result {
            // A tab signed in to this account shows the new address once it fetches the
            // profile again (the dashboard does when its copy is over a minute old).
            Ok(()) => outcome.set(Outcome::Changed(new_email.to_string())),
            // Used already (the token covers the address it changed), expired, or mangled:
            // the form can't help, a new link can.
            Err(ApiError::Rejected(rejection))
                if rejection.fields.contains_key("uid")
                    || rejection.fields.contains_key("token") =>
            {
                outcome.set(Outcome::InvalidLink)
            }
            Err(error) => return Err(error),
        }
        Ok(())
    });

    let footer = html! { <AppLink to={Route::Login}>{ "Back to sign in" }</AppLink> };
    match &*outcome {
        Outcome::Changed(email) => html! {
            <AuthCard title="Email changed">
                <div data-result="changed">
                    <Notice kind={NoticeKind::Success} id="email-changed">
                        <p>{ "Your email is now " }<strong>{ email }</strong>{ ". Sign in with it from now on." }</p>
                    </Notice>
                    // Signed in here already, the sign-in page goes on to the account.
                    <AppLink to={Route::Login} query={vec![("email", Some(email.clone()))]} class="button button-primary">
                        { "Sign in" }
                    </AppLink>
                </div>
            </AuthCard>
        },
        Outcome::InvalidLink => html! {
            <AuthCard title="This link doesn't work" {footer}>
                <div data-result="invalid">
                    <Notice kind={NoticeKind::Warning} id="invalid-link">
                        <p>{ "This link to change your email is invalid or has been used already. Each link works once." }</p>
                    </Notice>
                    <AppLink to={Route::ResetEmail} class="button button-primary">{ "Ask for a new link" }</AppLink>
                </div>
            </AuthCard>
        },
        Outcome::Asking => html! {
            <AuthCard title="Choose a new email" lead="The address you'll sign in with from now on." {footer}>
                <Form id="confirm-email-reset-form" fields={FIELDS} {submit}
                    submit_label="Change email" busy_label="Changing email…"
                    validate={validate::new_email as fn(&Values) -> _} />
            </AuthCard>
        },
    }
}
