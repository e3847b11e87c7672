//! The browser side of the prerendered first paint (see `src/bin/prerender.rs`): the release
//! build's HTML shows each page's card before the wasm runs. When the app starts it replaces that
//! HTML in the same task (no paint in between, so nothing flashes), keeping what the visitor had
//! already typed or the browser had autofilled, and which input had the focus.

use std::cell::RefCell;

use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlInputElement};

/// What the visitor left in the prerendered forms, keyed by form id and input name.
#[derive(Default)]
struct Carried {
    values: Vec<(String, String, String)>,
    focused: Option<(String, String)>,
}

thread_local! {
    static CARRIED: RefCell<Carried> = RefCell::new(Carried::default());
}

/// Reads what the visitor put into the prerendered forms, then removes the prerendered page
/// (every element of `<body>` but `<noscript>`), so the app renders into an empty body.
pub fn take_over(body: &HtmlElement) {
    let active = body
        .owner_document()
        .and_then(|document| document.active_element());
    let mut carried = Carried::default();
    if let Ok(inputs) = body.query_selector_all("form[id] input[name]") {
        for index in 0..inputs.length() {
            let Some(input) = inputs
                .item(index)
                .and_then(|node| node.dyn_into::<HtmlInputElement>().ok())
            else {
                continue;
            };
            let Some(form_id) = input.form().map(|form| form.id()) else {
                continue;
            };
            if active.as_ref() == Some(input.unchecked_ref()) {
                carried.focused = Some((form_id.clone(), input.name()));
            }
            if !input.value().is_empty() {
                carried.values.push((form_id, input.name(), input.value()));
            }
        }
    }
    CARRIED.with(|slot| *slot.borrow_mut() = carried);

    let children = body.children();
    let prerendered: Vec<web_sys::Element> = (0..children.length())
        .filter_map(|index| children.item(index))
        .filter(|element| !element.tag_name().eq_ignore_ascii_case("noscript"))
        .collect();
    for element in prerendered {
        element.remove();
    }
}

/// The values typed into the prerendered form `form_id`, as (input name, value); taken once.
pub fn take_typed_values(form_id: &str) -> Vec<(String, String)> {
    CARRIED.with(|slot| {
        let mut carried = slot.borrow_mut();
        let (mine, others) = std::mem::take(&mut carried.values)
            .into_iter()
            .partition::<Vec<_>, _>(|(form, _, _)| form == form_id);
        carried.values = others;
        mine.into_iter()
            .map(|(_, name, value)| (name, value))
            .collect()
    })
}

/// The input of form `form_id` that had the focus in the prerendered page; taken once.
pub fn take_focused_input(form_id: &str) -> Option<String> {
    CARRIED.with(|slot| {
        let mut carried = slot.borrow_mut();
        match carried.focused.take() {
            Some((form, name)) if form == form_id => Some(name),
            other => {
                carried.focused = other;
                None
            }
        }
    })
}
