use yew::prelude::*;

use crate::api;
use crate::components::*;
use crate::routes::{Query, Route};
use crate::session::{use_session, SessionState};

#[cfg(feature = "notes-example")]
fn notes_link() -> Html {
    app_link(
        Route::Notes,
        Query::default(),
        LinkLook::SecondaryButton,
        "Your notes",
    )
}

#[cfg(not(feature = "notes-example"))]
fn notes_link() -> Html {
    Html::default()
}

/// One line of the profile: its label, and the value in the `<dd>` with this `id`. One function
/// for the four, rather than their markup four times in the wasm.
fn profile_row(label: &'static str, id: &'static str, value: String) -> Html {
    html! { <><dt>{ label }</dt><dd {id}>{ value }</dd></> }
}

/// The signed-in home, and the example of a protected page.
#[function_component(DashboardPage)]
pub fn dashboard_page() -> Html {
    use_title("Your account");
    use_performance_mark("dashboard-ready");
    let session = use_session();
    let load_error = use_state(|| None::<String>);

    // Fetch the profile afresh through the authenticated path (which refreshes the token if
    // it has to); the stored copy shows meanwhile. Not again right after the sign-in did.
    {
        let manager = session.manager.clone();
        let load_error = load_error.clone();
        use_effect_with((), move |_| {
            if crate::session::profile_freshness::profile_is_fresh() {
                return;
            }
            wasm_bindgen_futures::spawn_local(async move {
                match manager.send(&api::me()).await {
                    Ok(user) => {
                        load_error.set(None);
                        manager.update_user(user);
                    }
                    Err(error) => load_error.set(Some(error.summary())),
                }
            });
        });
    }

    let SessionState::SignedIn(current) = &session.state else {
        return loading();
    };
    let user = &current.user;
    let title = format!("Welcome, {}", user.display_name());
    let or_dash = |value: &Option<String>| {
        value
            .clone()
            .filter(|value| !value.trim().is_empty())
            .unwrap_or_else(|| "—".into())
    };
    let subscription = match (
        user.has_active_subscription,
        user.subscription_status.as_deref(),
    ) {
        (Some(true), Some(status)) => format!("Active ({status})"),
        (Some(true), None) => "Active".into(),
        (_, None | Some("none") | Some("")) => "No subscription".into(),
        (_, Some(status)) => status.to_string(),
    };

    html! {
        <PageCard {title} wide=true>
                if let Some(error) = &*load_error {
                    { notice(NoticeKind::Warning, "profile-stale", html! { <>
                        <p>{ "Showing your saved profile: " }{ error }</p>
                    </> }) }
                }
                <dl class="profile">
                    { profile_row("Email", "user-email", user.email.clone()) }
                    { profile_row("Name", "user-name", or_dash(&user.name)) }
                    { profile_row("Username", "user-username", or_dash(&user.username)) }
                    { profile_row("Subscription", "user-subscription", subscription) }
                </dl>
                <div class="actions">
                    { notes_link() }
                    { app_link(Route::Settings, Query::default(), LinkLook::SecondaryButton, "Account settings") }
                    { sign_out_button(&session.manager) }
                </div>
        </PageCard>
    }
}
