use yew::prelude::*;

use crate::api::{self, ApiError};
use crate::components::*;
use crate::routes::{Query, Route};

use super::EmailedLinkProps;

#[derive(Clone, PartialEq)]
enum Outcome {
    Pending,
    Activated,
    AlreadyActive,
    Invalid,
    Failed(ApiError),
}

impl Outcome {
    fn of(result: Result<(), ApiError>) -> Outcome {
        match result {
            Ok(()) => Outcome::Activated,
            // "Stale token for given user.": the link was used already.
            Err(ApiError::Rejected(rejection)) if rejection.status == 403 => Outcome::AlreadyActive,
            Err(error) if error.is_bad_link() => Outcome::Invalid,
            Err(error) => Outcome::Failed(error),
        }
    }
}

/// An active account: the notice (`result` names it and the outcome) and the way to sign in.
/// One function for both outcomes, rather than their markup twice in the wasm.
fn ready_to_sign_in(kind: NoticeKind, result: &'static str, text: &'static str) -> Html {
    html! {
        <div data-result={result}>
            { notice_text(kind, result, text) }
            { app_link(Route::Login, Query::default(), LinkLook::PrimaryButton, "Sign in") }
        </div>
    }
}

#[function_component(ActivatePage)]
pub fn activate_page(props: &EmailedLinkProps) -> Html {
    super::use_link_out_of_address_bar("user-activation", props);
    use_title("Activate your account");
    let outcome = use_state(|| Outcome::Pending);
    // Bumped by "Try again"; with the link it is the only thing that posts again.
    let attempt = use_state(|| 0u32);
    {
        let outcome = outcome.clone();
        use_effect_with(
            (props.uid.clone(), props.token.clone(), *attempt),
            move |(uid, token, _)| {
                let (uid, token) = (uid.clone(), token.clone());
                outcome.set(Outcome::Pending);
                wasm_bindgen_futures::spawn_local(async move {
                    outcome.set(Outcome::of(api::activate(&uid, &token).await));
                });
            },
        );
    }
    let retry = {
        let attempt = attempt.clone();
        Callback::from(move |_: MouseEvent| attempt.set(*attempt + 1))
    };
    let (title, body) = match &*outcome {
        Outcome::Pending => (
            "Activating your account",
            under_way("Activating…"),
        ),
        Outcome::Activated => (
            "Account activated",
            ready_to_sign_in(NoticeKind::Success, "activated", "Your account is active. You can sign in now."),
        ),
        Outcome::AlreadyActive => (
            "Already activated",
            ready_to_sign_in(NoticeKind::Info, "already-active", "This account was activated already. Sign in to continue."),
        ),
        Outcome::Invalid => {
            return bad_link_card(
                "The activation link is invalid or incomplete. Copy the whole link from the email, or ask for a new one.",
                Route::ResendActivation,
                "Send a new activation email",
            )
        }
        Outcome::Failed(error) => (
            "Activation didn't go through",
            html! {
                <div data-result="error">
                    <div class="form-alert" role="alert"><p>{ error.summary() }</p></div>
                    <button type="button" class="button button-primary" onclick={retry}>{ "Try again" }</button>
                </div>
            },
        ),
    };
    html! {
        <PageCard title={title} footer={back_to_sign_in()}>
            { body }
        </PageCard>
    }
}
