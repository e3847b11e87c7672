//! Sign-in through an identity provider (`<meta name="djoser-social-providers">`): a button per
//! provider under the sign-in and registration forms, and the page the provider sends the
//! browser back to. Djoser keeps the OAuth `state` in the API's session cookie, so both calls
//! carry the API's cookies: the app and the API must share a site (docs/deploy.md).

use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::{self, ApiError};
use crate::components::*;
use crate::guards::{safe_next, use_destination_after_sign_in};
use crate::routes::{href, redirect, redirect_to_path, Query, Route};
use crate::session::{use_session, SessionState};
use crate::url::query_param;

/// Where the sign-in goes after the provider, for the trip there and back (this tab only).
const NEXT_KEY: &str = "djoser-social-next";

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// Why a sign-in with a provider didn't happen.
#[derive(Clone, PartialEq)]
enum Failure {
    /// `?error=…` from the provider: the user cancelled, or the provider refused.
    Refused,
    /// No `state`, a forged one, or the API's session cookie didn't come back.
    State,
    Api(ApiError),
}

impl Failure {
    fn of(error: ApiError) -> Failure {
        match &error {
            // Djoser's "State could not be found in server-side session data.", social-core's
            // "The authentication session is unavailable…" and "…does not match the session."
            ApiError::Rejected(rejection)
                if rejection.status == 400 && {
                    let said = rejection.summary();
                    said.contains("tate") || said.contains("session")
                } =>
            {
                Failure::State
            }
            _ => Failure::Api(error),
        }
    }
}

/// What went wrong, in plain words, for a sign-in with `provider` (its label).
fn explain(failure: &Failure, label: &str) -> Html {
    let (kind, words) = match failure {
        Failure::Refused => ("refused", " sign-in was cancelled or refused, so you're not signed in."),
        Failure::State => (
            "state",
            " sign-in couldn't be matched to this browser. Try again. If it keeps failing, the app and its API aren't on the same site, and the browser keeps back the cookie the sign-in needs: see the deploy guide (docs/deploy.md, \"Same origin\").",
        ),
        // 404: Djoser doesn't know the provider; 400 about the redirect_uri: not for this app.
        Failure::Api(ApiError::Rejected(rejection))
            if rejection.status == 404 || rejection.summary().contains("redirect_uri") =>
        {
            ("not-enabled", " sign-in isn't turned on for this site. Sign in with your email and password.")
        }
        // social-core's "This email address is already in use." (the reference backend links
        // an existing account only by a verified address).
        Failure::Api(ApiError::Rejected(rejection)) if rejection.summary().contains("in use") => (
            "account-exists",
            " didn't confirm that your email address is yours, and an account already uses it. Sign in with your password.",
        ),
        Failure::Api(error) => return html! { <p data-error="failed">{ error.summary() }</p> },
    };
    html! { <p data-error={kind}>{ label }{ words }</p> }
}

/// The label of `provider`'s button, as configured.
fn label(provider: &str) -> &str {
    crate::config::get()
        .social
        .iter()
        .find(|(id, _)| id == provider)
        .map_or(provider, |(_, label)| label)
}

/// A button per provider: asks Djoser where to sign in at the provider, then goes there.
#[function_component(SocialButtons)]
pub fn social_buttons() -> Html {
    let destination = use_destination_after_sign_in();
    let failed = use_state(|| None::<(String, Failure)>);
    let buttons = crate::config::get().social.iter().map(|(id, label)| {
        let (provider, destination, failed) = (id.clone(), destination.clone(), failed.clone());
        let onclick = Callback::from(move |_: MouseEvent| {
            let (provider, destination, failed) =
                (provider.clone(), destination.clone(), failed.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let storage = session_storage();
                let window = web_sys::window();
                let origin = window
                    .as_ref()
                    .and_then(|window| window.location().origin().ok())
                    .unwrap_or_default();
                let back = href(&Route::OAuthCallback {
                    provider: provider.clone(),
                }
                .to_path());
                match api::social_begin(&provider, &format!("{origin}{back}")).await {
                    Ok(url) if url.starts_with("http") => {
                        if let (Some(storage), Some(window)) = (storage, window) {
                            let _ = storage.set_item(NEXT_KEY, &destination);
                            let _ = window.location().assign(&url);
                        }
                    }
                    answer => failed.set(Some((
                        provider,
                        Failure::of(answer.err().unwrap_or(ApiError::Unexpected { status: 200 })),
                    ))),
                }
            });
        });
        html! {
            <button type="button" class="button button-secondary" data-provider={id.clone()} {onclick}>
                { "Continue with " }{ label }
            </button>
        }
    });
    // The form's column (full-width buttons, its spacing): no style of their own.
    html! {
        <div class="form">
            { for buttons }
            if let Some((provider, failure)) = &*failed {
                <div class="form-alert" role="alert">{ explain(failure, label(provider)) }</div>
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
    let failed = use_state(|| None::<Failure>);
    let query = use_location()
        .map(|location| location.query_str().to_string())
        .unwrap_or_default();
    {
        let (provider, failed, manager) = (
            props.provider.clone(),
            failed.clone(),
            session.manager.clone(),
        );
        use_effect_with((), move |_| {
            // Out of the address bar (and history) before anything else.
            redirect(
                &Route::OAuthCallback {
                    provider: provider.clone(),
                },
                &Query::default(),
            );
            let next = session_storage().and_then(|storage| {
                let next = storage.get_item(NEXT_KEY).ok().flatten();
                let _ = storage.remove_item(NEXT_KEY);
                next
            });
            let param = |name| query_param(&query, name);
            match (param("code"), param("state")) {
                _ if param("error").is_some() => failed.set(Some(Failure::Refused)),
                (Some(code), Some(state)) => wasm_bindgen_futures::spawn_local(async move {
                    let outcome = match api::social_complete(&provider, &code, &state).await {
                        Ok(tokens) => {
                            // Another tab may have signed someone in meanwhile: from one user
                            // to another only through signed-out.
                            if matches!(manager.state(), SessionState::SignedIn(_)) {
                                manager.sign_out();
                            }
                            manager.sign_in_with_tokens(tokens).await
                        }
                        Err(error) => Err(error),
                    };
                    match outcome {
                        Ok(()) => redirect_to_path(
                            &next
                                .and_then(|next| safe_next(&next, "/"))
                                .unwrap_or_else(|| Route::HOME.to_path()),
                        ),
                        Err(error) => failed.set(Some(Failure::of(error))),
                    }
                }),
                _ => failed.set(Some(Failure::State)),
            }
        });
    }
    html! {
        <PageCard title="Sign in" footer={app_link(Route::Login, Query::default(), LinkLook::Text, "Back to sign in")}>
            if let Some(failure) = &*failed {
                <div class="form-alert" role="alert">{ explain(failure, label(&props.provider)) }</div>
            } else {
                { under_way("Signing in…") }
            }
        </PageCard>
    }
}
