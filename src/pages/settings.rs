use std::rc::Rc;

use futures::future::{FutureExt, LocalBoxFuture};
use yew::prelude::*;

use crate::api::{
    self, ApiError, CurrentPassword, EmailChange, PasswordChange, ProfileChanges, User,
};
use crate::components::*;
use crate::fields::{
    Field, CURRENT_PASSWORD, NAME, NEW_EMAIL, NEW_PASSWORD, REPEAT_NEW_EMAIL, REPEAT_NEW_PASSWORD,
    USERNAME,
};
use crate::routes::{go, login_path, Route};
use crate::session::{use_session, SessionManager, SessionState};
use crate::validate::{self, value, Values};

const PROFILE_FIELDS: &[Field] = &[NAME, USERNAME];

const PASSWORD_FIELDS: &[Field] = &[CURRENT_PASSWORD, NEW_PASSWORD, REPEAT_NEW_PASSWORD];

const EMAIL_FIELDS: &[Field] = &[NEW_EMAIL, REPEAT_NEW_EMAIL, CURRENT_PASSWORD];

const DELETE_FIELDS: &[Field] = &[CURRENT_PASSWORD];

/// The email and delete forms ask for `current_password` too: their input ids carry the form's
/// id (`scoped_ids`), and they come after the password form, whose `field-current_password` stays.
const DELETE_FORM: &str = "delete-account-form";

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

/// An authenticated call, boxed.
type Call<'a, T> = dyn Fn(String) -> LocalBoxFuture<'static, Result<T, ApiError>> + 'a;

/// `SessionManager::authorized` through a boxed call: it is generic over the call, and each
/// closure type would get its own copy of the token handling in the wasm (~1 KB gzip apiece).
async fn authorized<T>(manager: &Rc<SessionManager>, call: &Call<'_, T>) -> Result<T, ApiError> {
    manager.authorized(call).await
}

/// The danger zone's confirm step, and where the focus goes as it opens and closes.
#[derive(Clone, Copy, PartialEq)]
enum DeleteStep {
    Closed,
    Confirming,
    Cancelled,
}

/// Account settings: profile, password, email, sign-out and deleting the account — all
/// through Djoser's endpoints.
#[function_component(SettingsPage)]
pub fn settings_page() -> Html {
    use_title("Account settings");
    let session = use_session();
    let saved = use_state(|| Saved::Nothing);
    // Bumped after a change, to give that form a fresh, empty state.
    let password_form_key = use_state(|| 0u32);
    let email_form_key = use_state(|| 0u32);
    let delete_step = use_state(|| DeleteStep::Closed);
    use_heading_focus("Account settings".into());
    // Opening the confirm step puts the focus in its password input; cancelling, back on the
    // button that opened it (each would otherwise drop it to <body>).
    use_effect_with(*delete_step, |step| match step {
        DeleteStep::Confirming => focus(&input_id(Some(DELETE_FORM), CURRENT_PASSWORD.name)),
        DeleteStep::Cancelled => focus("delete-account"),
        DeleteStep::Closed => {}
    });

    let SessionState::SignedIn(current) = &session.state else {
        return html! { <Loading /> };
    };
    let signs_in_by_email = crate::config::get().login_field == crate::config::LoginField::Email;

    let captured = (session.manager.clone(), saved.clone());
    let save_profile = submit_with(captured, |(manager, saved), values| async move {
        let user = authorized(&manager, &|token| {
            let values = values.clone();
            async move {
                let changes = ProfileChanges {
                    name: value(&values, NAME.name).trim(),
                    username: value(&values, USERNAME.name).trim(),
                };
                api::update_me(&token, &changes).await
            }
            .boxed_local()
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
        let change = PasswordChange {
            current_password: value(&values, CURRENT_PASSWORD.name),
            new_password: value(&values, NEW_PASSWORD.name),
            re_new_password: value(&values, REPEAT_NEW_PASSWORD.name),
        };
        let signed_in_again = manager.change_password(&change).await?;
        saved.set(Saved::Password { signed_in_again });
        key.set(*key + 1);
        Ok(())
    });

    let captured = (
        session.manager.clone(),
        saved.clone(),
        email_form_key.clone(),
        current.user.clone(),
    );
    let change_email = submit_with(captured, |(manager, saved, key, user), values| async move {
        authorized(&manager, &|token| {
            let values = values.clone();
            async move {
                let change = EmailChange {
                    current_password: value(&values, CURRENT_PASSWORD.name),
                    new_email: value(&values, NEW_EMAIL.name).trim(),
                    re_new_email: value(&values, REPEAT_NEW_EMAIL.name).trim(),
                };
                api::set_email(&token, &change).await
            }
            .boxed_local()
        })
        .await?;
        // The new address on every page and in every tab (through the stored session): as the
        // server spells it, else as typed.
        let me = |token: String| async move { api::me(&token).await }.boxed_local();
        let updated = match authorized(&manager, &me).await {
            Ok(updated) => updated,
            Err(_) => User {
                email: value(&values, NEW_EMAIL.name).trim().to_string(),
                ..user
            },
        };
        manager.update_user(updated);
        saved.set(Saved::Email);
        key.set(*key + 1);
        Ok(())
    });

    let delete_account = submit_with(session.manager.clone(), |manager, values| async move {
        authorized(&manager, &|token| {
            let values = values.clone();
            async move {
                let confirmation = CurrentPassword {
                    current_password: value(&values, CURRENT_PASSWORD.name),
                };
                api::delete_me(&token, &confirmation).await
            }
            .boxed_local()
        })
        .await?;
        manager.end_deleted_account();
        go(&login_path(None, Some("account-deleted")));
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
    let step_to = |step: DeleteStep| {
        let delete_step = delete_step.clone();
        Callback::from(move |_: MouseEvent| delete_step.set(step))
    };
    let email = &current.user.email;

    html! {
        <main class="shell">
            <section class="card card-wide" aria-labelledby="page-title">
                { brand() }
                <h1 id="page-title" tabindex="-1">{ "Account settings" }</h1>
                <p class="lead">{ "Signed in as " }<strong id="settings-email">{ email }</strong></p>

                <h2 id="profile-heading">{ "Profile" }</h2>
                if *saved == Saved::Profile {
                    <Notice kind={NoticeKind::Success} id="profile-saved"><p>{ "Your profile has been saved." }</p></Notice>
                }
                <Form id="profile-form" fields={PROFILE_FIELDS} initial={profile_values} submit={save_profile}
                    submit_label="Save profile" busy_label="Saving…"
                    validate={validate::profile as fn(&Values) -> _} />

                <h2 id="password-heading">{ "Password" }</h2>
                if let Saved::Password { signed_in_again } = *saved {
                    <Notice kind={NoticeKind::Success} id="password-changed">
                        <p>{ "Your password has been changed." }</p>
                        if !signed_in_again {
                            <p>{ "If you're asked to sign in again, use the new password." }</p>
                        }
                    </Notice>
                }
                <Form key={*password_form_key} id="password-form" fields={PASSWORD_FIELDS} submit={change_password}
                    submit_label="Change password" busy_label="Changing password…"
                    validate={validate::password_change as fn(&Values) -> _} />

                // Djoser's set_email/reset_email exist where the email is the sign-in name
                // (`set_{USERNAME_FIELD}`); where users sign in by username they don't.
                if signs_in_by_email {
                <h2 id="email-heading">{ "Email" }</h2>
                if *saved == Saved::Email {
                    <Notice kind={NoticeKind::Success} id="email-changed">
                        <p>{ "Your email is now " }<strong>{ email }</strong>{ ". Sign in with it from now on." }</p>
                    </Notice>
                }
                <p class="aside">
                    { "You sign in with this address. Don't know your password? " }
                    <AppLink to={Route::ResetEmail} query={vec![("email", Some(email.clone()))]}>
                        { "Change it through an emailed link" }
                    </AppLink>{ "." }
                </p>
                <Form key={*email_form_key} id="email-form" scoped_ids=true fields={EMAIL_FIELDS} submit={change_email}
                    submit_label="Change email" busy_label="Changing email…"
                    validate={validate::email_change as fn(&Values) -> _} />
                }

                <h2>{ "Sign out" }</h2>
                <p class="aside">{ "Signs you out in every tab of this browser." }</p>
                <button id="sign-out" type="button" class="button button-secondary" onclick={sign_out}>{ "Sign out" }</button>

                <super::sign_ins::SignIns />

                <section class="danger-zone" aria-labelledby="delete-heading">
                    <h2 id="delete-heading">{ "Delete account" }</h2>
                    if *delete_step == DeleteStep::Confirming {
                        <div class="danger-confirm">
                            <p>
                                <strong>{ "This cannot be undone." }</strong>
                                { " The account " }<strong>{ email }</strong>
                                { " and everything in it will be deleted for good, and you'll be signed out everywhere. Enter your password to confirm." }
                            </p>
                            <Form id={DELETE_FORM} scoped_ids=true fields={DELETE_FIELDS} submit={delete_account}
                                submit_label="Delete my account" busy_label="Deleting your account…"
                                validate={validate::account_deletion as fn(&Values) -> _} />
                            <button id="delete-account-cancel" type="button" class="button button-secondary"
                                onclick={step_to(DeleteStep::Cancelled)}>{ "Keep my account" }</button>
                        </div>
                    } else {
                        <p class="aside">{ "Deletes your account and everything in it. This cannot be undone." }</p>
                        <button id="delete-account" type="button" class="button button-danger"
                            onclick={step_to(DeleteStep::Confirming)}>{ "Delete account…" }</button>
                    }
                </section>
            </section>
            <nav class="card-footer" aria-label="Other pages">
                <AppLink to={Route::Dashboard}>{ "Back to your account" }</AppLink>
            </nav>
        </main>
    }
}
