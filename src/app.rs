use yew::prelude::*;
use yew_router::prelude::*;

use crate::routes::{switch, Route};
use crate::session::{use_session, SessionProvider};

#[function_component(App)]
pub fn app() -> Html {
    html! {
        <BrowserRouter>
            <SessionProvider>
                <ConnectionBanner />
                <Switch<Route> render={switch} />
            </SessionProvider>
        </BrowserRouter>
    }
}

/// A quiet notice while refreshes fail for want of a server; the session is kept meanwhile.
#[function_component(ConnectionBanner)]
fn connection_banner() -> Html {
    let session = use_session();
    html! {
        <div class="connection" role="status" aria-live="polite">
            if session.reconnecting {
                <p class="connection-banner" data-notice="reconnecting">
                    { "Can't reach the server. Reconnecting… You're still signed in." }
                </p>
            }
        </div>
    }
}
