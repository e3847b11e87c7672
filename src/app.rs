use yew::prelude::*;
use yew_router::prelude::*;

use crate::config::LoginField;
use crate::guards::{GuestOnly, Landing, RequireAuth};
use crate::pages::*;
use crate::routes::Route;
use crate::session::{use_session, SessionProvider};

/// The app in the browser: routes follow the address bar.
#[function_component(App)]
pub fn app() -> Html {
    // After the first render: the prerendered page has given way to the running app.
    use_effect_with((), |_| {
        if let Some(root) = web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| document.document_element())
        {
            let _ = root.set_attribute("data-app", "running");
        }
    });
    let config = crate::config::get();
    if let Some(problem) = config.problem() {
        return html! { <NotConfiguredPage problem={problem.to_string()} /> };
    }
    // Routes match the path under the base path; links and redirects get it back (`routes::href`).
    let basename = (config.base_path != "/").then(|| AttrValue::from(config.base_path.clone()));
    html! {
        <BrowserRouter {basename}>
            { pages() }
        </BrowserRouter>
    }
}

/// Everything under the router, shared by the browser app and the build-time prerender
/// (`crate::build_pages`), so both give the same markup. A plain function: it has no hooks,
/// and a component of its own costs ~700 bytes of wasm.
pub fn pages() -> Html {
    html! {
        <SessionProvider>
            <ConnectionBanner />
            <Switch<Route> render={switch} />
        </SessionProvider>
    }
}

/// Which page each route shows, behind which guard.
fn switch(route: Route) -> Html {
    match route {
        Route::Landing => html! { <Landing /> },
        Route::Login => html! { <GuestOnly><LoginPage /></GuestOnly> },
        Route::Register => html! { <GuestOnly><RegisterPage /></GuestOnly> },
        Route::ResetPassword => html! { <GuestOnly><ResetPasswordPage /></GuestOnly> },
        Route::ResendActivation => html! { <GuestOnly><ResendActivationPage /></GuestOnly> },
        // Emailed links work whoever is signed in: the link is for the account it names.
        Route::Activate { uid, token } => html! { <ActivatePage {uid} {token} /> },
        Route::ConfirmReset { uid, token } => html! { <ConfirmResetPage {uid} {token} /> },
        Route::ConfirmEmailReset { uid, token } => {
            html! { <ConfirmEmailResetPage {uid} {token} /> }
        }
        // Asked for signed out (the password is forgotten) or from /settings.
        // Djoser's reset_email/ exists only where the email is the sign-in name.
        Route::ResetEmail if crate::config::get().login_field == LoginField::Username => {
            html! { <NotFoundPage /> }
        }
        Route::ResetEmail => html! { <ResetEmailPage /> },
        // Whoever is signed in: the provider's answer is read once, then leaves the address bar.
        #[cfg(feature = "social")]
        Route::OAuthCallback { provider } => html! { <OAuthCallbackPage {provider} /> },
        Route::Dashboard => html! { <RequireAuth><DashboardPage /></RequireAuth> },
        Route::Settings => html! { <RequireAuth><SettingsPage /></RequireAuth> },
        #[cfg(feature = "notes-example")]
        Route::Notes => html! { <RequireAuth><NotesPage /></RequireAuth> },
        Route::NotFound => html! { <NotFoundPage /> },
    }
}

/// Quiet notices about the session itself: refreshes failing for want of a server (the session
/// is kept meanwhile), and a browser that blocks site storage (the session lives in this tab).
#[function_component(ConnectionBanner)]
fn connection_banner() -> Html {
    let session = use_session();
    html! {
        <>
            <div class="connection" role="status" aria-live="polite">
                if session.reconnecting {
                    <p class="connection-banner" data-notice="reconnecting">
                        { "Can't reach the server. Reconnecting… You're still signed in." }
                    </p>
                }
            </div>
            if !session.manager.persistent() {
                <p class="storage-notice" role="status" data-notice="storage-blocked">
                    { "This browser blocks site storage, so you'll stay signed in only while this tab is open." }
                </p>
            }
        </>
    }
}
