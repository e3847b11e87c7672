use yew::prelude::*;

use crate::routes::{href, navigate, Query, Route};

#[derive(Properties, PartialEq)]
pub struct AppLinkProps {
    pub to: Route,
    #[prop_or_default]
    pub query: Query,
    #[prop_or_default]
    pub class: Classes,
    #[prop_or_default]
    pub children: Html,
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
    html! {
        <a {href} class={props.class.clone()} {onclick}>{ props.children.clone() }</a>
    }
}
