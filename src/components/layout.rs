use std::rc::Rc;

use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::{app_link, LinkLook};
use crate::routes::{Query, Route};
use crate::session::SessionManager;

/// Where the build-time drawing of a page (`crate::build_pages`) collects its title: given as
/// a context there, absent in the browser.
#[cfg(feature = "prerender")]
#[derive(Clone, Default)]
pub struct DrawnTitle(pub Rc<std::cell::RefCell<Option<String>>>);

#[cfg(feature = "prerender")]
impl PartialEq for DrawnTitle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// Names the page in the browser tab (and for screen readers).
#[hook]
pub fn use_title(title: &'static str) {
    #[cfg(feature = "prerender")]
    if let Some(drawn) = use_context::<DrawnTitle>() {
        *drawn.0.borrow_mut() = Some(page_title(title));
    }
    use_effect_with(title, |title| {
        if let Some(document) = web_sys::window().and_then(|window| window.document()) {
            document.set_title(&page_title(title));
        }
    });
}

/// What the browser tab says for a page.
pub fn page_title(title: &str) -> String {
    format!("{title} · {}", crate::config::get().app_name)
}

/// The app's name over a card (`<meta name="app-name">`). A plain function: a component of
/// its own costs ~1 KB of wasm.
pub fn brand() -> Html {
    html! {
        <p class="brand" aria-hidden="true"><span class="brand-mark"></span>{ &crate::config::get().app_name }</p>
    }
}

/// When the page's content is replaced (another page, or a form giving way to its confirmation),
/// the focused element is gone and the browser drops the focus to `<body>`: put it on the page's
/// heading (`#page-title`, `tabindex="-1"`) instead, so screen readers announce the new content
/// and the next Tab starts from it. Never takes the focus from anything else.
#[hook]
pub fn use_heading_focus(title: AttrValue) {
    use_effect_with(title, |_| {
        let Some(document) = web_sys::window().and_then(|window| window.document()) else {
            return;
        };
        let lost = document
            .active_element()
            .is_none_or(|active| active.tag_name().eq_ignore_ascii_case("body"));
        let heading = document
            .get_element_by_id("page-title")
            .and_then(|element| element.dyn_into::<web_sys::HtmlElement>().ok());
        if let (true, Some(heading)) = (lost, heading) {
            let _ = heading.focus();
        }
    });
}

/// Marks a moment on the page's timeline (Performance API), for the benchmark.
pub fn performance_mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|window| window.performance()) {
        let _ = performance.mark(name);
    }
}

/// Marks the moment a page became usable: its first render is in the document.
#[hook]
pub fn use_performance_mark(name: &'static str) {
    use_effect_with(name, |name| performance_mark(name));
}

#[derive(Properties, PartialEq)]
pub struct PageCardProps {
    pub title: AttrValue,
    #[prop_or_default]
    pub lead: Option<AttrValue>,
    /// The signed-in pages' wider card.
    #[prop_or_default]
    pub wide: bool,
    #[prop_or_default]
    pub children: Html,
    /// Links under the card ("Create an account", …); none, no links.
    #[prop_or_default]
    pub footer: Html,
}

/// The centred card every page sits in, under the app's name; its heading takes the focus when
/// the page's content is replaced.
#[function_component(PageCard)]
pub fn page_card(props: &PageCardProps) -> Html {
    use_heading_focus(props.title.clone());
    let content = html! {
        <>
            { brand() }
            <h1 id="page-title" tabindex="-1">{ props.title.clone() }</h1>
            if let Some(lead) = &props.lead {
                <p class="lead">{ lead.clone() }</p>
            }
            { props.children.clone() }
        </>
    };
    // Each class written out, not computed (see `app_link`).
    let (card, links) = match props.wide {
        true => (
            html! { <section class="card card-wide" aria-labelledby="page-title">{ content }</section> },
            "Other pages",
        ),
        false => (
            html! { <section class="card" aria-labelledby="page-title">{ content }</section> },
            "Other options",
        ),
    };
    html! {
        <main class="shell">
            { card }
            if props.footer != Html::default() {
                <nav class="card-footer" aria-label={links}>{ props.footer.clone() }</nav>
            }
        </main>
    }
}

/// The link under most sign-in pages' cards.
pub fn back_to_sign_in() -> Html {
    app_link(
        Route::Login,
        Query::default(),
        LinkLook::Text,
        "Back to sign in",
    )
}

/// "Check your email": what the page has had sent, and what to do next (`id` names the notice,
/// as for [`notice`]).
pub fn sent_card(id: &'static str, message: Html, footer: Html) -> Html {
    html! {
        <PageCard title="Check your email" {footer}>
            { notice(NoticeKind::Success, id, message) }
        </PageCard>
    }
}

/// "This link doesn't work": an emailed link used already, expired or mangled, and the page
/// that sends a new one.
pub fn bad_link_card(message: &'static str, ask_again: Route, ask_label: &'static str) -> Html {
    html! {
        <PageCard title="This link doesn't work" footer={back_to_sign_in()}>
            <div data-result="invalid">
                { notice_text(NoticeKind::Warning, "invalid-link", message) }
                { app_link(ask_again, Query::default(), LinkLook::PrimaryButton, ask_label) }
            </div>
        </PageCard>
    }
}

/// Signs out in every tab of this browser (the dashboard's and the settings' button).
pub fn sign_out_button(manager: &Rc<SessionManager>) -> Html {
    let manager = manager.clone();
    let onclick = Callback::from(move |_: MouseEvent| manager.sign_out());
    html! {
        <button id="sign-out" type="button" class="button button-secondary" {onclick}>{ "Sign out" }</button>
    }
}

/// Shown while the session is being restored, so no page flashes. (Plain functions here and
/// below: a component apiece would cost ~1 KB of wasm.)
pub fn loading() -> Html {
    html! {
        <main class="shell" data-loading="">{ under_way("Loading…") }</main>
    }
}

/// A line saying what is under way, beside a spinner (its markup once in the wasm).
pub fn under_way(text: &'static str) -> Html {
    html! {
        <p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>{ text }</p>
    }
}

#[derive(Clone, Copy, PartialEq)]
pub enum NoticeKind {
    Success,
    Info,
    Warning,
}

/// A notice of one paragraph, as most are. (One function for them all: the markup of each
/// written out in its page cost the wasm ~300 bytes apiece.)
pub fn notice_text(kind: NoticeKind, id: &'static str, text: impl Into<AttrValue>) -> Html {
    notice_paragraph(kind, id, text.into())
}

fn notice_paragraph(kind: NoticeKind, id: &'static str, text: AttrValue) -> Html {
    notice(kind, id, html! { <p>{ text }</p> })
}

/// "Your email is now …": the settings' email form and the emailed link's page, once the
/// address has changed.
pub fn email_changed_notice(email: &str) -> Html {
    notice(
        NoticeKind::Success,
        "email-changed",
        html! {
            <p>{ "Your email is now " }<strong>{ email }</strong>{ ". Sign in with it from now on." }</p>
        },
    )
}

/// A notice in a card; `id` says what it is about, for tests and styling (`data-notice`).
pub fn notice(kind: NoticeKind, id: &'static str, body: Html) -> Html {
    // Each class written out, not computed (see `app_link`).
    match kind {
        NoticeKind::Success => {
            html! { <div class="notice notice-success" role="status" data-notice={id}>{ body }</div> }
        }
        NoticeKind::Info => {
            html! { <div class="notice notice-info" role="status" data-notice={id}>{ body }</div> }
        }
        NoticeKind::Warning => {
            html! { <div class="notice notice-warning" role="status" data-notice={id}>{ body }</div> }
        }
    }
}
