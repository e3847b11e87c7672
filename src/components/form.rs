//! The one form helper every page uses: labelled inputs with their errors, client-side checks
//! before any request, server errors under their fields or on top, a submit button that
//! shows progress, can't be pressed twice and waits out a 429.

use std::future::Future;
use std::rc::Rc;

use futures::future::{FutureExt, LocalBoxFuture};
use gloo_timers::callback::Interval;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlElement;
use yew::prelude::*;

use crate::api::{plural_seconds, ApiError, FieldErrors};
use crate::clock::now;
use crate::fields::{Field, FieldKind};
use crate::takeover;
use crate::validate::{Validator, Values};
use crate::PRERENDERING;

/// What the form does with valid input. `Ok` means the page has taken over (shown a
/// confirmation, navigated); `Err` is shown in the form, with the input kept.
pub type SubmitFn = Rc<dyn Fn(Values) -> LocalBoxFuture<'static, Result<(), ApiError>>>;

/// A form's submit action: `action` gets its own copy of `captured` (state handles, the session
/// manager, …) and the form's values for each attempt.
pub fn submit_with<C, F, Fut>(captured: C, action: F) -> SubmitFn
where
    C: Clone + 'static,
    F: Fn(C, Values) -> Fut + 'static,
    Fut: Future<Output = Result<(), ApiError>> + 'static,
{
    Rc::new(move |values| action(captured.clone(), values).boxed_local())
}

#[derive(Properties, Clone)]
pub struct FormProps {
    pub id: &'static str,
    pub fields: &'static [Field],
    #[prop_or_default]
    pub initial: Values,
    pub submit_label: &'static str,
    pub busy_label: &'static str,
    pub validate: Validator,
    pub submit: SubmitFn,
    /// Extra help under a form-level error (e.g. the login page's activation hint).
    #[prop_or_default]
    pub explain: Option<fn(&ApiError, &Values) -> Html>,
    /// Input ids carry the form's id (`{form}-field-{name}`, see [`input_id`]): for a page
    /// with more than one form asking for the same Djoser field (`current_password` on
    /// /settings), where `field-{name}` would be a duplicate id.
    #[prop_or_default]
    pub scoped_ids: bool,
}

impl PartialEq for FormProps {
    fn eq(&self, other: &Self) -> bool {
        // `validate` and `explain` are fixed per page; `submit` may capture new values.
        self.id == other.id
            && self.fields == other.fields
            && self.initial == other.initial
            && self.submit_label == other.submit_label
            && self.busy_label == other.busy_label
            && self.scoped_ids == other.scoped_ids
            && Rc::ptr_eq(&self.submit, &other.submit)
    }
}

#[derive(Clone, Default, PartialEq)]
struct FormState {
    values: Values,
    errors: FieldErrors,
    failure: Option<ApiError>,
    busy: bool,
    /// After a 429: no new attempt before this local time.
    wait_until: Option<f64>,
    now: f64,
    /// Password inputs shown in clear text.
    revealed: Vec<&'static str>,
    /// Bumped on every failed attempt, to move the focus to what needs fixing.
    failures: u32,
}

enum FormAction {
    Input(&'static str, String),
    Invalid(FieldErrors),
    Started,
    Failed(ApiError, FieldErrors),
    Finished,
    Tick(f64),
    ToggleReveal(&'static str),
}

impl Reducible for FormState {
    type Action = FormAction;

    fn reduce(self: Rc<Self>, action: FormAction) -> Rc<Self> {
        let mut state = (*self).clone();
        match action {
            FormAction::Input(name, value) => {
                state.errors.remove(name);
                state.values.insert(name, value);
            }
            FormAction::Invalid(errors) => {
                state.errors = errors;
                state.failure = None;
                state.failures += 1;
            }
            FormAction::Started => {
                state.busy = true;
                state.errors.clear();
                state.failure = None;
            }
            FormAction::Failed(error, errors) => {
                state.busy = false;
                if let ApiError::Throttled {
                    retry_after: Some(seconds),
                } = error
                {
                    state.now = now();
                    state.wait_until = Some(state.now + f64::from(seconds));
                }
                state.errors = errors;
                state.failure = Some(error);
                state.failures += 1;
            }
            FormAction::Finished => state.busy = false,
            FormAction::Tick(now) => {
                state.now = now;
                if state.wait_until.is_some_and(|until| now >= until) {
                    state.wait_until = None;
                }
            }
            FormAction::ToggleReveal(name) => {
                match state.revealed.iter().position(|shown| *shown == name) {
                    Some(index) => drop(state.revealed.swap_remove(index)),
                    None => state.revealed.push(name),
                }
            }
        }
        Rc::new(state)
    }
}

#[function_component(Form)]
pub fn form(props: &FormProps) -> Html {
    let state = use_reducer(|| {
        let mut values = props.initial.clone();
        // What the visitor typed into the prerendered form before the app ran.
        for (name, value) in takeover::take_typed_values(props.id) {
            if let Some(field) = props.fields.iter().find(|field| field.name == name) {
                values.insert(field.name, value);
            }
        }
        FormState {
            values,
            ..FormState::default()
        }
    });
    let inputs: Vec<&'static str> = props.fields.iter().map(|field| field.name).collect();
    let scope = props.scoped_ids.then_some(props.id);

    // The focus stays on the input it was in on the prerendered page.
    use_effect_with(props.id, move |form_id| {
        if let Some(name) = takeover::take_focused_input(form_id) {
            focus(&input_id(scope, &name));
        }
    });

    // While a 429 is being waited out, tick once a second to count down.
    use_effect_with(state.wait_until.is_some(), {
        let state = state.clone();
        move |waiting| {
            let ticker = waiting
                .then(|| Interval::new(1_000, move || state.dispatch(FormAction::Tick(now()))));
            move || drop(ticker)
        }
    });

    // After a failed attempt, focus the first field to fix, else the message on top.
    use_effect_with(state.failures, {
        let first_error = inputs
            .iter()
            .find(|name| state.errors.contains_key(name))
            .map(|name| input_id(scope, name));
        let form_id = props.id;
        move |failures| {
            if *failures > 0 {
                focus(&first_error.unwrap_or_else(|| format!("{form_id}-alert")));
            }
        }
    });

    let waiting = state.wait_until.is_some();
    let onsubmit = submit_callback(props, &state, &inputs);
    let alert = state.failure.as_ref().and_then(|error| {
        let (_, top) = error.for_form(&inputs);
        let explain = props.explain.map(|explain| explain(error, &state.values));
        top.map(|message| (message, explain))
    });

    let button_label = button_label(props, &state);

    html! {
        <form id={props.id} class="form" novalidate=true {onsubmit}>
            if let Some((message, explain)) = alert {
                <div id={format!("{}-alert", props.id)} class="form-alert" role="alert" tabindex="-1">
                    <p>{ message }</p>
                    { explain.unwrap_or_default() }
                </div>
            }
            { for props.fields.iter().map(|field| render_field(field, scope, &state)) }
            // Prerendered, the form can't be sent until the app runs: a disabled default
            // button also stops Enter from submitting it natively (to the static host).
            <button type="submit" class="button button-primary"
                disabled={PRERENDERING || state.busy || waiting} aria-busy={aria_bool(state.busy)}>
                if state.busy {
                    <span class="spinner" aria-hidden="true"></span>
                }
                { button_label }
            </button>
        </form>
    }
}

/// Checks the values, then runs the page's submit action and takes its outcome; never two at
/// once, nor during a 429's wait.
fn submit_callback(
    props: &FormProps,
    state: &UseReducerHandle<FormState>,
    inputs: &[&'static str],
) -> Callback<SubmitEvent> {
    let state = state.clone();
    let validate = props.validate;
    let submit = props.submit.clone();
    let inputs = inputs.to_vec();
    Callback::from(move |event: SubmitEvent| {
        event.prevent_default();
        if state.busy || state.wait_until.is_some() {
            return;
        }
        let problems = (validate.0)(&state.values);
        if !problems.is_empty() {
            state.dispatch(FormAction::Invalid(problems));
            return;
        }
        // Spawned before the busy state is dispatched, so the request goes out before
        // that re-render rather than after it.
        let attempt = submit(state.values.clone());
        spawn_local({
            let state = state.clone();
            let inputs = inputs.clone();
            async move {
                match attempt.await {
                    Ok(()) => state.dispatch(FormAction::Finished),
                    Err(error) => {
                        let (errors, _) = error.for_form(&inputs);
                        state.dispatch(FormAction::Failed(error, errors));
                    }
                }
            }
        });
        state.dispatch(FormAction::Started);
    })
}

/// The submit button's words: its label, its busy label, or a 429's countdown.
fn button_label(props: &FormProps, state: &FormState) -> String {
    if state.busy {
        props.busy_label.to_string()
    } else if let Some(until) = state.wait_until {
        let seconds = (until - state.now).ceil().max(1.0) as u32;
        format!("Try again in {}", plural_seconds(seconds))
    } else {
        props.submit_label.to_string()
    }
}

/// The id of a form's input: `field-{name}`, or `{form}-field-{name}` in a form whose ids are
/// scoped (`scope` = its id).
pub fn input_id(scope: Option<&str>, name: &str) -> String {
    match scope {
        Some(form_id) => format!("{form_id}-field-{name}"),
        None => format!("field-{name}"),
    }
}

/// An ARIA state's value, written out rather than a `bool` formatted at run time.
fn aria_bool(value: bool) -> &'static str {
    if value {
        "true"
    } else {
        "false"
    }
}

/// Moves the focus to the element with this id, if it is there.
pub fn focus(id: &str) {
    let element = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.get_element_by_id(id))
        .and_then(|element| element.dyn_into::<HtmlElement>().ok());
    if let Some(element) = element {
        let _ = element.focus();
    }
}

fn render_field(field: &Field, scope: Option<&str>, state: &UseReducerHandle<FormState>) -> Html {
    let name = field.name;
    // Attribute values, shared by the elements that name them (cloned, they count a reference).
    let id = AttrValue::from(input_id(scope, name));
    let errors = state.errors.get(name).filter(|errors| !errors.is_empty());
    let hint_id = field.hint.map(|_| AttrValue::from(format!("{id}-hint")));
    let error_id = errors.map(|_| AttrValue::from(format!("{id}-error")));
    let described_by = match (&hint_id, &error_id) {
        (Some(hint_id), Some(error_id)) => Some(AttrValue::from(format!("{hint_id} {error_id}"))),
        (hint_id, error_id) => hint_id.as_ref().or(error_id.as_ref()).cloned(),
    };
    let revealed = state.revealed.contains(&name);
    let oninput = {
        let state = state.clone();
        Callback::from(move |event: InputEvent| {
            if let Some(input) = event.target_dyn_into::<web_sys::HtmlInputElement>() {
                state.dispatch(FormAction::Input(name, input.value()));
            }
        })
    };
    let toggle = {
        let state = state.clone();
        Callback::from(move |_: MouseEvent| state.dispatch(FormAction::ToggleReveal(name)))
    };
    let content = html! {
        <>
            <label for={id.clone()}>
                { field.label }
                if field.optional {
                    <span class="optional">{ " (optional)" }</span>
                }
            </label>
            if let (Some(hint), Some(hint_id)) = (field.hint, hint_id) {
                <p id={hint_id} class="field-hint">{ hint }</p>
            }
            <div class="input-row">
                <input id={id.clone()} {name}
                    type={field.input_type(revealed)}
                    autocomplete={field.autocomplete()}
                    spellcheck={(!matches!(field.kind, FieldKind::Text { .. })).then_some("false")}
                    autocapitalize={matches!(field.kind, FieldKind::Email).then_some("none")}
                    value={state.values.get(name).cloned().unwrap_or_default()}
                    aria-required={aria_bool(!field.optional)}
                    aria-invalid={aria_bool(errors.is_some())}
                    aria-describedby={described_by}
                    {oninput} />
                if field.is_password() {
                    // The name says what a press does; "Show"/"Hide" on screen is part of it.
                    <button type="button" class="reveal" aria-controls={id.clone()}
                        aria-label={if revealed { "Hide password" } else { "Show password" }}
                        onclick={toggle}>
                        { if revealed { "Hide" } else { "Show" } }
                    </button>
                }
            </div>
            if let (Some(errors), Some(error_id)) = (errors, error_id) {
                <p id={error_id} class="field-error" aria-live="polite">
                    { for errors.iter().map(|message| html! { <span>{ message }{ " " }</span> }) }
                </p>
            }
        </>
    };
    // Each class written out, not computed (see `app_link`). The same element either way, so
    // the input keeps its focus as the class changes.
    if errors.is_some() {
        html! { <div class="field field-invalid">{ content }</div> }
    } else {
        html! { <div class="field">{ content }</div> }
    }
}
