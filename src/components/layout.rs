use wasm_bindgen::JsCast;
use yew::prelude::*;

/// Names the page in the browser tab (and for screen readers).
#[hook]
pub fn use_title(title: &'static str) {
    #[cfg(feature = "prerender")]
    crate::prerender::record_title(&page_title(title));
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
pub struct AuthCardProps {
    pub title: AttrValue,
    #[prop_or_default]
    pub lead: Option<AttrValue>,
    #[prop_or_default]
    pub children: Html,
    /// Links under the card ("Create an account", …).
    #[prop_or_default]
    pub footer: Html,
}

/// The centred card every sign-in page sits in.
#[function_component(AuthCard)]
pub fn auth_card(props: &AuthCardProps) -> Html {
    use_heading_focus(props.title.clone());
    html! {
        <main class="shell">
            <section class="card" aria-labelledby="page-title">
                { brand() }
                <h1 id="page-title" tabindex="-1">{ props.title.clone() }</h1>
                if let Some(lead) = &props.lead {
                    <p class="lead">{ lead.clone() }</p>
                }
                { props.children.clone() }
            </section>
            <nav class="card-footer" aria-label="Other options">{ props.footer.clone() }</nav>
        </main>
    }
}

/// Shown while the session is being restored, so no page flashes.
#[function_component(Loading)]
pub fn loading() -> Html {
    html! {
        <main class="shell" data-loading="">
            <p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>{ "Loading…" }</p>
        </main>
    }
}

#[derive(Clone, Copy, PartialEq)]
pub enum NoticeKind {
    Success,
    Info,
    Warning,
}

#[derive(Properties, PartialEq)]
pub struct NoticeProps {
    pub kind: NoticeKind,
    /// What the notice is about, for tests and styling (`data-notice`).
    pub id: AttrValue,
    #[prop_or_default]
    pub children: Html,
}

#[function_component(Notice)]
pub fn notice(props: &NoticeProps) -> Html {
    let kind = match props.kind {
        NoticeKind::Success => "notice-success",
        NoticeKind::Info => "notice-info",
        NoticeKind::Warning => "notice-warning",
    };
    html! {
        <div class={classes!("notice", kind)} role="status" data-notice={props.id.clone()}>
            { props.children.clone() }
        </div>
    }
}
