use yew::prelude::*;

use crate::routes::go_forward;

#[derive(Properties, PartialEq)]
pub struct AppLinkProps {
    /// A path on this origin, query included.
    pub to: AttrValue,
    #[prop_or_default]
    pub class: Classes,
    #[prop_or_default]
    pub children: Html,
}

/// A link that navigates inside the app without reloading it; modified clicks (new tab,
/// new window) are left to the browser.
#[function_component(AppLink)]
pub fn app_link(props: &AppLinkProps) -> Html {
    let onclick = {
        let to = props.to.clone();
        Callback::from(move |event: MouseEvent| {
            let modified =
                event.ctrl_key() || event.meta_key() || event.shift_key() || event.alt_key();
            if !modified && event.button() == 0 {
                event.prevent_default();
                go_forward(&to);
            }
        })
    };
    html! {
        <a href={props.to.clone()} class={props.class.clone()} {onclick}>{ props.children.clone() }</a>
    }
}
