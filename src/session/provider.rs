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

/// The session, from any component under [`SessionProvider`].
#[hook]
pub fn use_session() -> SessionContext {
    use_context::<SessionContext>().expect("use_session() is only used under <SessionProvider>")
}
