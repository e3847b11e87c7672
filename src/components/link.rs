use yew::prelude::*;

use crate::routes::{href, navigate, Query, Route};

#[derive(Properties, PartialEq)]
pub struct AppLinkProps {
    pub to: Route,
    #[prop_or_default]
    pub query: Query,
    #[prop_or_default]
    pub look: LinkLook,
    #[prop_or_default]
    pub children: Html,
}

/// How a link looks: a plain link, or one of the buttons.
#[derive(Clone, Copy, Default, PartialEq)]
pub enum LinkLook {
    #[default]
    Text,
    PrimaryButton,
    SecondaryButton,
}

/// A link that navigates inside the app without reloading it; modified clicks (new tab,
/// new window) are left to the browser.
#[function_component(AppLink)]
pub fn app_link(props: &AppLinkProps) -> Html {
    let href = href(&props.to.with_query(&props.query));
    let (to, query) = (props.to.clone(), props.query.clone());
    let onclick = Callback::from(move |event: MouseEvent| {
        let modified = event.ctrl_key() || event.meta_key() || event.shift_key() || event.alt_key();
        if !modified && event.button() == 0 {
            event.prevent_default();
            navigate(&to, &query);
        }
    });
    let children = props.children.clone();
    // Each class written out: a computed `class={…}` goes through yew's `Classes` (an index set),
    // whose code would cost the wasm ~5 KB for the few classes chosen at run time.
    match props.look {
        LinkLook::Text => html! { <a {href} {onclick}>{ children }</a> },
        LinkLook::PrimaryButton => {
            html! { <a {href} class="button button-primary" {onclick}>{ children }</a> }
        }
        LinkLook::SecondaryButton => {
            html! { <a {href} class="button button-secondary" {onclick}>{ children }</a> }
        }
    }
}
