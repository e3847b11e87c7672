//! One file per page.

mod activate;
mod confirm_email_reset;
mod confirm_reset;
mod dashboard;
mod login;
mod not_configured;
mod not_found;
#[cfg(feature = "notes-example")]
mod notes;
mod register;
mod resend_activation;
mod reset_email;
mod reset_password;
mod settings;
mod sign_ins;
#[cfg(feature = "social")]
mod social;

pub use activate::ActivatePage;
pub use confirm_email_reset::ConfirmEmailResetPage;
pub use confirm_reset::ConfirmResetPage;
pub use dashboard::DashboardPage;
pub use login::LoginPage;
pub use not_configured::NotConfiguredPage;
pub use not_found::NotFoundPage;
#[cfg(feature = "notes-example")]
pub use notes::NotesPage;
pub use register::RegisterPage;
pub use resend_activation::ResendActivationPage;
pub use reset_email::ResetEmailPage;
pub use reset_password::ResetPasswordPage;
pub use settings::SettingsPage;
#[cfg(feature = "social")]
pub use social::{OAuthCallbackPage, SocialButtons};

use yew::prelude::*;

use crate::fields::EMAIL;
use crate::validate::Values;

/// A form's starting values from the link that opened it (`?email=`).
#[hook]
fn use_prefilled_email() -> Values {
    let mut values = Values::new();
    values.extend(
        crate::routes::use_query()
            .email
            .map(|email| (EMAIL.name, email)),
    );
    values
}

/// What an emailed link's page is opened with.
#[derive(Properties, PartialEq)]
pub struct EmailedLinkProps {
    pub uid: String,
    pub token: String,
}

/// Takes the page's emailed link out of the address bar as soon as the page has it.
#[hook]
fn use_link_out_of_address_bar(page: &'static str, props: &EmailedLinkProps) {
    use_effect_with(
        (props.uid.clone(), props.token.clone()),
        move |(uid, token)| crate::routes::take_link_out_of_address_bar(page, uid, token),
    );
}
