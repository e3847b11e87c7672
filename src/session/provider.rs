//! The Yew side of the session: a context provider and the `use_session()` hook.

use std::rc::Rc;

use yew::html::ChildrenProps;
use yew::prelude::*;

use super::manager::SessionManager;
use super::state::SessionState;

/// What pages see: the state to render from, and the manager to act through.
#[derive(Clone)]
pub struct SessionContext {
    pub state: SessionState,
    /// A refresh failed for want of a server and is being retried.
    pub reconnecting: bool,
    pub manager: Rc<SessionManager>,
}

impl PartialEq for SessionContext {
    fn eq(&self, other: &Self) -> bool {
        self.state == other.state && self.reconnecting == other.reconnecting
    }
}

#[function_component(SessionProvider)]
pub fn session_provider(props: &ChildrenProps) -> Html {
    let manager: Rc<SessionManager> = (*use_memo((), |_| SessionManager::new())).clone();
    let rerender = use_force_update();
    {
        let manager = manager.clone();
        use_effect_with((), move |_| {
            manager.attach(move || rerender.force_update());
            move || manager.detach()
        });
    }
    let context = SessionContext {
        state: manager.state(),
        reconnecting: manager.reconnecting(),
        manager,
    };
    html! {
        <ContextProvider<SessionContext> context={context}>
            { props.children.clone() }
        </ContextProvider<SessionContext>>
    }
}

/// The session, from any component under [`SessionProvider`] (the app puts every page under
/// it): `state` to render from, `manager` to act through (sign out, [`SessionManager::send`]
/// for your own API).
///
/// ```no_run
/// use djoser_auth_spa::session::{use_session, SessionState};
/// use yew::prelude::*;
///
/// #[function_component(Greeting)]
/// fn greeting() -> Html {
///     let session = use_session();
///     let sign_out = {
///         let manager = session.manager.clone();
///         Callback::from(move |_: MouseEvent| manager.sign_out())
///     };
///     match &session.state {
///         SessionState::SignedIn(current) => html! {
///             <p>{ "Hello, " }{ current.user.display_name() }
///                <button onclick={sign_out}>{ "Sign out" }</button></p>
///         },
///         _ => html! {},
///     }
/// }
/// ```
#[hook]
pub fn use_session() -> SessionContext {
    use_context::<SessionContext>().expect("use_session() is only used under <SessionProvider>")
}
