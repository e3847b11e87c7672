//! One file per page.

mod activate;
mod confirm_reset;
mod dashboard;
mod login;
mod not_found;
mod register;
mod resend_activation;
mod reset_password;
mod settings;

pub use activate::ActivatePage;
pub use confirm_reset::ConfirmResetPage;
pub use dashboard::DashboardPage;
pub use login::LoginPage;
pub use not_found::NotFoundPage;
pub use register::RegisterPage;
pub use resend_activation::ResendActivationPage;
pub use reset_password::ResetPasswordPage;
pub use settings::SettingsPage;

use yew::prelude::*;

use crate::components::{Field, FieldKind};
use crate::url::use_query_param;
use crate::validate::Values;

/// A form's starting values from the link that opened it (`?email=`).
#[hook]
fn use_prefilled_email() -> Values {
    let mut values = Values::new();
    values.extend(use_query_param("email").map(|email| ("email", email)));
    values
}

// Inputs more than one form has.
const EMAIL: Field = Field::new("email", "Email", FieldKind::Email);
const NAME: Field = Field::new(
    "name",
    "Name",
    FieldKind::Text {
        autocomplete: "name",
    },
)
.optional();
const NEW_PASSWORD: Field = Field::new("new_password", "New password", FieldKind::NewPassword)
    .hint("At least 8 characters.");
const REPEAT_NEW_PASSWORD: Field = Field::new(
    "re_new_password",
    "Repeat the new password",
    FieldKind::NewPassword,
);
