//! /settings: the account, one section per thing it has. Each section is a function of the
//! page's state (a component apiece would cost the wasm ~1 KB each); the page holds the hooks.

mod danger_zone;
mod email;
mod password;
mod profile;

use yew::prelude::*;

use crate::components::*;
use crate::config::LoginField;
use crate::routes::{Query, Route};
use crate::session::{use_session, SessionState};

/// The last change saved, whose notice shows in its section.
#[derive(Clone, Copy, PartialEq)]
enum Saved {
    Nothing,
    Profile,
    /// The password changed; `signed_in_again` says whether this browser has tokens made
    /// with the new one (a backend may refuse the older ones from now on).
    Password {
        signed_in_again: bool,
    },
    Email,
}

/// Account settings: profile, password, email, where you're signed in, sign-out and deleting
/// the account — all through Djoser's endpoints.
#[function_component(SettingsPage)]
pub fn settings_page() -> Html {
    use_title("Account settings");
    let session = use_session();
    let saved = use_state(|| Saved::Nothing);
    // Bumped after a change, to give that form a fresh, empty state.
    let password_form_key = use_state(|| 0u32);
    let email_form_key = use_state(|| 0u32);
    let delete_step = danger_zone::use_delete_step();
    let sign_ins = super::sign_ins::use_sign_ins(&session.manager);

    let SessionState::SignedIn(current) = &session.state else {
        return loading();
    };
    let manager = &session.manager;
    let user = &current.user;
    // Djoser's set_email/reset_email exist where the email is the sign-in name
    // (`set_{USERNAME_FIELD}`); where users sign in by username they don't.
    let signs_in_by_email = crate::config::get().login_field == LoginField::Email;
    let footer = app_link(
        Route::Dashboard,
        Query::default(),
        LinkLook::Text,
        "Back to your account",
    );

    html! {
        <PageCard title="Account settings" wide=true {footer}>
            <p class="lead">{ "Signed in as " }<strong id="settings-email">{ &user.email }</strong></p>
            { profile::section(manager, user, &saved) }
            { password::section(manager, &saved, &password_form_key) }
            if signs_in_by_email {
                { email::section(manager, user, &saved, &email_form_key) }
            }
            <h2>{ "Sign out" }</h2>
            <p class="aside">{ "Signs you out in every tab of this browser." }</p>
            { sign_out_button(manager) }
            { super::sign_ins::section(manager, &sign_ins) }
            { danger_zone::section(manager, &user.email, &delete_step) }
        </PageCard>
    }
}
