use yew::prelude::*;

use crate::routes::{href, navigate, Query, Route};

/// How a link looks: a plain link, or one of the buttons.
#[derive(Clone, Copy, PartialEq)]
pub enum LinkLook {
    Text,
    PrimaryButton,
    SecondaryButton,
}

/// A link to `to` (with `query`) that navigates inside the app without reloading it; modified
/// clicks (new tab, new window) are left to the browser. A plain function: a component of its
/// own costs ~1 KB of wasm.
pub fn app_link(to: Route, query: Query, look: LinkLook, text: &'static str) -> Html {
    let href = href(&to.with_query(&query));
    let onclick = Callback::from(move |event: MouseEvent| {
        let modified = event.ctrl_key() || event.meta_key() || event.shift_key() || event.alt_key();
        if !modified && event.button() == 0 {
            event.prevent_default();
            navigate(&to, &query);
        }
    });
    // Each class written out: a computed `class={…}` goes through yew's `Classes` (an index set),
    // whose code would cost the wasm ~5 KB for the few classes chosen at run time.
    match look {
        LinkLook::Text => html! { <a {href} {onclick}>{ text }</a> },
        LinkLook::PrimaryButton => {
            html! { <a {href} class="button button-primary" {onclick}>{ text }</a> }
        }
        LinkLook::SecondaryButton => {
            html! { <a {href} class="button button-secondary" {onclick}>{ text }</a> }
        }
    }
}
