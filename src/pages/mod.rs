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

use serde::Deserialize;
use yew::prelude::*;
use yew_router::prelude::use_location;

use crate::components::{Field, FieldKind};

/// What the auth pages read from their query string.
#[derive(Clone, Default, Deserialize, PartialEq)]
struct AuthQuery {
    next: Option<String>,
    email: Option<String>,
    notice: Option<String>,
}

#[hook]
fn use_auth_query() -> AuthQuery {
    use_location()
        .and_then(|location| location.query::<AuthQuery>().ok())
        .unwrap_or_default()
}

const EMAIL: Field = Field::new("email", "Email", FieldKind::Email);
