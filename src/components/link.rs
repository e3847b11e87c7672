use yew::prelude::*;

use crate::routes::{go_forward, href, Route};

#[derive(Properties, PartialEq)]
pub struct AppLinkProps {
    pub to: Route,
    /// Query parameters, e.g. `[("email", Some(address))]`; those without a value are left out.
    #[prop_or_default]
    pub query: Vec<(&'static str, Option<String>)>,
    #[prop_or_default]
    pub class: Classes,
    #[prop_or_default]
    pub children: Html,
}

/// A link that navigates inside the app without reloading it; modified clicks (new tab,
/// new window) are left to the browser.
#[function_component(AppLink)]
pub fn app_link(props: &AppLinkProps) -> Html {
    let query: Vec<(&str, Option<&str>)> = props
        .query
        .iter()
        .map(|(name, value)| (*name, value.as_deref()))
        .collect();
    let to = props.to.with_query(&query);
    let href = href(&to);
    let onclick = Callback::from(move |event: MouseEvent| {
        let modified = event.ctrl_key() || event.meta_key() || event.shift_key() || event.alt_key();
        if !modified && event.button() == 0 {
            event.prevent_default();
            go_forward(&to);
        }
    });
    html! {
        <a {href} class={props.class.clone()} {onclick}>{ props.children.clone() }</a>
    }
}
