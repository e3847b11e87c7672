use yew::prelude::*;

use crate::api::{self, PasswordChange, ProfileChanges};
use crate::components::*;
use crate::fields::{Field, CURRENT_PASSWORD, NAME, NEW_PASSWORD, REPEAT_NEW_PASSWORD, USERNAME};
use crate::routes::Route;
use crate::session::{use_session, SessionState};
use crate::validate::{self, value, Values};

const PROFILE_FIELDS: &[Field] = &[NAME, USERNAME];

const PASSWORD_FIELDS: &[Field] = &[CURRENT_PASSWORD, NEW_PASSWORD, REPEAT_NEW_PASSWORD];

#[derive(Clone, Copy, PartialEq)]
enum Saved {
    Nothing,
    Profile,
    Password,
}

/// Account settings: profile, password, sign-out — all through Djoser's endpoints.
#[function_component(SettingsPage)]
pub fn settings_page() -> Html {
    use_title("Account settings");
    let session = use_session();
    let saved = use_state(|| Saved::Nothing);
    // Bumped after a password change, to give the password form a fresh, empty state.
    let password_form_key = use_state(|| 0u32);
    use_heading_focus("Account settings".into());

    let SessionState::SignedIn(current) = &session.state else {
        return html! { <Loading /> };
    };

    let captured = (session.manager.clone(), saved.clone());
    let save_profile = submit_with(captured, |(manager, saved), values| async move {
        let user = manager
            .authorized(|token| {
                let values = values.clone();
                async move {
                    let changes = ProfileChanges {
                        name: value(&values, NAME.name).trim(),
                        username: value(&values, USERNAME.name).trim(),
                    };
                    api::update_me(&token, &changes).await
                }
            })
            .await?;
        manager.update_user(user);
        saved.set(Saved::Profile);
        Ok(())
    });

    let captured = (
        session.manager.clone(),
        saved.clone(),
        password_form_key.clone(),
    );
    let change_password = submit_with(captured, |(manager, saved, key), values| async move {
        manager
            .authorized(|token| {
                let values = values.clone();
                async move {
                    let change = PasswordChange {
                        current_password: value(&values, CURRENT_PASSWORD.name),
                        new_password: value(&values, NEW_PASSWORD.name),
                        re_new_password: value(&values, REPEAT_NEW_PASSWORD.name),
                    };
                    api::set_password(&token, &change).await
                }
            })
            .await?;
        saved.set(Saved::Password);
        key.set(*key + 1);
        Ok(())
    });

    let mut profile_values = Values::new();
    profile_values.insert(NAME.name, current.user.name.clone().unwrap_or_default());
    profile_values.insert(
        USERNAME.name,
        current.user.username.clone().unwrap_or_default(),
    );
    let sign_out = {
        let manager = session.manager.clone();
        Callback::from(move |_: MouseEvent| manager.sign_out())
    };

    html! {
        <main class="shell">
            <section class="card card-wide" aria-labelledby="page-title">
                <p class="brand" aria-hidden="true"><span class="brand-mark"></span>{ "Account" }</p>
                <h1 id="page-title" tabindex="-1">{ "Account settings" }</h1>
                <p class="lead">{ "Signed in as " }<strong>{ &current.user.email }</strong></p>

                <h2 id="profile-heading">{ "Profile" }</h2>
                if *saved == Saved::Profile {
                    <Notice kind={NoticeKind::Success} id="profile-saved"><p>{ "Your profile has been saved." }</p></Notice>
                }
                <Form id="profile-form" fields={PROFILE_FIELDS} initial={profile_values} submit={save_profile}
                    submit_label="Save profile" busy_label="Saving…"
                    validate={validate::profile as fn(&Values) -> _} />

                <h2 id="password-heading">{ "Password" }</h2>
                if *saved == Saved::Password {
                    <Notice kind={NoticeKind::Success} id="password-changed"><p>{ "Your password has been changed." }</p></Notice>
                }
                <Form key={*password_form_key} id="password-form" fields={PASSWORD_FIELDS} submit={change_password}
                    submit_label="Change password" busy_label="Changing password…"
                    validate={validate::password_change as fn(&Values) -> _} />

                <h2>{ "Sign out" }</h2>
                <p class="aside">{ "Signs you out in every tab of this browser." }</p>
                <button id="sign-out" type="button" class="button button-secondary" onclick={sign_out}>{ "Sign out" }</button>
            </section>
            <nav class="card-footer" aria-label="Other pages">
                <AppLink to={Route::Dashboard}>{ "Back to your account" }</AppLink>
            </nav>
        </main>
    }
}
