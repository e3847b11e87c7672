//! Sign-in through an identity provider (`<meta name="djoser-social-providers">`): a button per
//! provider under the sign-in and registration forms, and the page the provider sends the
//! browser back to. Djoser keeps the OAuth `state` in the API's session cookie, so both calls
//! carry the API's cookies: the app and the API must share a site (docs/deploy.md).

use yew::prelude::*;
use yew_router::Routable;

use crate::api::{self, ApiError};
use crate::components::*;
use crate::guards::{safe_next, use_destination_after_sign_in};
use crate::routes::{go, href, Route};
use crate::session::{use_session, SessionState};
use crate::url::use_query_param;

/// Where the sign-in goes after the provider, for the trip there and back (this tab only).
const NEXT_KEY: &str = "djoser-social-next";

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// The label of `provider`'s button, as configured.
fn label(provider: &str) -> String {
    crate::config::get()
        .social
        .iter()
        .find(|(id, _)| id == provider)
        .map_or(provider, |(_, label)| label)
        .to_string()
}

/// The provider's answer couldn't be matched to the flow Djoser started: its `state` is missing,
/// forged, or the API's session cookie didn't come back (a cross-site layout).
fn state_lost(label: &str) -> Html {
    html! {
        <p data-error="state">
            { format!("The answer from {label} couldn't be matched to this browser, so you weren't signed in. Try again. If it keeps happening, the app and its API aren't on the same site, and the browser doesn't send the API the cookie this sign-in needs: the deploy guide (") }
            <code>{ "docs/deploy.md" }</code>{ ", “Same origin”) shows how to serve them together." }
        </p>
    }
}

/// What went wrong, in plain words, for a sign-in with `provider`.
fn explain(error: &ApiError, provider: &str) -> Html {
    let label = label(provider);
    let (kind, words) = match error {
        ApiError::Rejected(rejection) if rejection.status == 404 => (
            "not-enabled",
            format!("Sign-in with {label} isn't turned on for this site. Sign in with your email and password instead."),
        ),
        ApiError::Rejected(rejection) => {
            let said = rejection.summary().to_lowercase();
            if said.contains("state") || said.contains("session") {
                return state_lost(&label);
            }
            if said.contains("in use") || said.contains("already") {
                ("account-exists", format!("An account with this email address already exists, and {label} didn't confirm the address is yours, so it can't be linked. Sign in with your password instead."))
            } else {
                ("failed", format!("{label} sign-in didn't go through: {}", rejection.summary()))
            }
        }
        other => ("failed", other.summary()),
    };
    html! { <p data-error={kind}>{ words }</p> }
}

/// A button per provider: asks Djoser where to sign in at the provider, then goes there.
#[function_component(SocialButtons)]
pub fn social_buttons() -> Html {
    let destination = use_destination_after_sign_in();
    let failed = use_state(|| None::<Html>);
    let busy = use_state(|| false);
    let providers = &crate::config::get().social;
    if providers.is_empty() {
        return Html::default();
    }
    let disabled = *busy;
    let buttons = providers.iter().map(|(id, label)| {
        let (provider, destination, failed, busy) =
            (id.clone(), destination.clone(), failed.clone(), busy.clone());
        let onclick = Callback::from(move |_: MouseEvent| {
            let (id, destination, failed, busy) =
                (provider.clone(), destination.clone(), failed.clone(), busy.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let storage = session_storage();
                if let Some(storage) = &storage {
                    let _ = storage.set_item(NEXT_KEY, &destination);
                }
                let origin = web_sys::window()
                    .and_then(|window| window.location().origin().ok())
                    .unwrap_or_default();
                let back = href(&Route::OAuthCallback { provider: id.clone() }.to_path());
                match api::social_begin(&id, &format!("{origin}{back}")).await {
                    Ok(url) if url.starts_with("https://") || url.starts_with("http://") => {
                        if let Some(window) = web_sys::window() {
                            let _ = window.location().assign(&url);
                        }
                    }
                    answer => {
                        if let Some(storage) = &storage {
                            let _ = storage.remove_item(NEXT_KEY);
                        }
                        let error = answer.err().unwrap_or(ApiError::Unexpected { status: 200 });
                        failed.set(Some(explain(&error, &id)));
                        busy.set(false);
                    }
                }
            });
        });
        html! {
            <button type="button" class="button button-secondary social-button" data-provider={id.clone()}
                {disabled} {onclick}>
                { format!("Continue with {label}") }
            </button>
        }
    });
    html! {
        <div class="social">
            { for buttons }
            if let Some(message) = &*failed {
                <div class="form-alert" role="alert">{ message.clone() }</div>
            }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct OAuthCallbackProps {
    pub provider: String,
}

/// Where the provider sends the browser back: `?code=…&state=…`, or `?error=access_denied`.
/// The answer leaves the address bar at once; Djoser trades it for the sign-in's tokens.
#[function_component(OAuthCallbackPage)]
pub fn oauth_callback_page(props: &OAuthCallbackProps) -> Html {
    use_title("Signing in");
    let session = use_session();
    let failed = use_state(|| None::<Html>);
    let answer = (
        use_query_param("code"),
        use_query_param("state"),
        use_query_param("error"),
    );
    {
        let (provider, failed, manager) = (
            props.provider.clone(),
            failed.clone(),
            session.manager.clone(),
        );
        use_effect_with((), move |_| {
            // Out of the address bar (and history) before anything else.
            go(&Route::OAuthCallback {
                provider: provider.clone(),
            }
            .to_path());
            let next = session_storage().and_then(|storage| {
                let next = storage.get_item(NEXT_KEY).ok().flatten();
                let _ = storage.remove_item(NEXT_KEY);
                next
            });
            let label = label(&provider);
            match answer {
                (_, _, Some(error)) => failed.set(Some(html! {
                    <p data-error="refused">{
                        if error == "access_denied" {
                            format!("The sign-in with {label} was cancelled or refused, so you weren't signed in.")
                        } else {
                            format!("{label} couldn't sign you in ({error}).")
                        }
                    }</p>
                })),
                (Some(code), Some(state), None) => {
                    wasm_bindgen_futures::spawn_local(async move {
                        let outcome = match api::social_complete(&provider, &code, &state).await {
                            Ok(tokens) => {
                                // Another tab may have signed someone in meanwhile: from one
                                // user to another only through signed-out.
                                if matches!(manager.state(), SessionState::SignedIn(_)) {
                                    manager.sign_out();
                                }
                                manager.sign_in_with_tokens(tokens).await
                            }
                            Err(error) => Err(error),
                        };
                        match outcome {
                            Ok(()) => go(&next
                                .and_then(|next| safe_next(&next, "/"))
                                .unwrap_or_else(|| Route::HOME.to_path())),
                            Err(error) => failed.set(Some(explain(&error, &provider))),
                        }
                    });
                }
                _ => failed.set(Some(state_lost(&label))),
            }
        });
    }
    let footer = html! { <AppLink to={Route::Login}>{ "Back to sign in" }</AppLink> };
    match &*failed {
        Some(message) => html! {
            <AuthCard title="You're not signed in" {footer}>
                <div class="form-alert" role="alert">{ message.clone() }</div>
                <AppLink to={Route::Login} class="button button-primary">{ "Back to sign in" }</AppLink>
            </AuthCard>
        },
        None => html! {
            <AuthCard title="Signing in" {footer}>
                <p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>{ "Signing in…" }</p>
            </AuthCard>
        },
    }
}
