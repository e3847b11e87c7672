//! The worked example of a page of your own (README, "Add your own page"): it calls the
//! backend's `/api/notes/` with the session's token through `SessionManager::send`, and uses
//! nothing else of the session. `RequireAuth` (in `app.rs`) keeps signed-out visitors away.

use serde::{Deserialize, Serialize};
use yew::prelude::*;

use crate::api::{ApiError, ApiRequest, FieldErrors};
use crate::components::*;
use crate::fields::{Field, FieldKind};
use crate::routes::{Query, Route};
use crate::session::use_session;
use crate::validate::{self, value, Validator, Values};

/// The backend's limit (`backend/notes/models.py`).
const MAX_NOTE_CHARS: usize = 500;

/// A page's own field, declared beside it: `text` is the backend's name, so its errors land here.
const TEXT: Field = Field::new(
    "text",
    "New note",
    FieldKind::Text {
        autocomplete: "off",
    },
);
const FIELDS: &[Field] = &[TEXT];

#[derive(Clone, Debug, PartialEq, Deserialize)]
struct Note {
    id: u64,
    text: String,
    /// ISO 8601, from the server.
    created: String,
}

#[derive(Serialize)]
struct NewNote<'a> {
    text: &'a str,
}

fn check_note(values: &Values) -> FieldErrors {
    let text = value(values, TEXT.name).trim();
    let problem = if text.is_empty() {
        Some("Write something first.")
    } else if text.chars().count() > MAX_NOTE_CHARS {
        Some("A note is at most 500 characters.")
    } else {
        None
    };
    validate::errors([(TEXT.name, problem)])
}

/// `2026-11-30T12:34:56.789Z` → `2026-11-30 12:34` (UTC, as the server sent it).
fn short_time(iso: &str) -> String {
    match (iso.get(..10), iso.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time}"),
        _ => iso.to_string(),
    }
}

/// Your notes: list, add, delete.
#[function_component(NotesPage)]
pub fn notes_page() -> Html {
    use_title("Your notes");
    let manager = use_session().manager;
    // None while loading; then the notes, or why they couldn't be loaded.
    let notes = use_state(|| None::<Result<Vec<Note>, String>>);
    let problem = use_state(|| None::<String>);
    // Bumped after each note added: a new, empty form.
    let added = use_state(|| 0u32);
    let reloads = use_state(|| 0u32);

    {
        let (manager, notes) = (manager.clone(), notes.clone());
        use_effect_with(*reloads, move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                let loaded: Result<Vec<Note>, ApiError> =
                    manager.send(&ApiRequest::get("/api/notes/")).await;
                notes.set(Some(loaded.map_err(|error| error.summary())));
            });
        });
    }

    let submit = submit_with(
        (manager.clone(), notes.clone(), added.clone()),
        |(manager, notes, added), values| async move {
            let text = value(&values, TEXT.name).trim();
            let request = ApiRequest::post("/api/notes/", &NewNote { text });
            let note: Note = manager.send(&request).await?;
            let mut list = notes
                .as_ref()
                .and_then(|n| n.clone().ok())
                .unwrap_or_default();
            list.insert(0, note);
            notes.set(Some(Ok(list)));
            added.set(*added + 1);
            Ok(())
        },
    );

    let delete = {
        let (manager, notes, problem) = (manager.clone(), notes.clone(), problem.clone());
        Callback::from(move |id: u64| {
            let (manager, notes, problem) = (manager.clone(), notes.clone(), problem.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let request = ApiRequest::delete(format!("/api/notes/{id}/"));
                match manager.send::<()>(&request).await {
                    Ok(()) => {
                        problem.set(None);
                        if let Some(Ok(list)) = notes.as_ref() {
                            let kept = list.iter().filter(|n| n.id != id).cloned().collect();
                            notes.set(Some(Ok(kept)));
                        }
                    }
                    Err(error) => {
                        problem.set(Some(format!("Couldn't delete it: {}", error.summary())))
                    }
                }
            });
        })
    };
    let retry = {
        let (notes, reloads) = (notes.clone(), reloads.clone());
        Callback::from(move |_: MouseEvent| {
            notes.set(None);
            reloads.set(*reloads + 1);
        })
    };

    let list = match &*notes {
        None => loading(),
        Some(Err(error)) => html! {
            { notice(NoticeKind::Warning, "notes-failed", html! { <>
                <p>{ "Your notes couldn't be loaded: " }{ error }</p>
                <button type="button" class="button button-secondary" onclick={retry}>{ "Try again" }</button>
            </> }) }
        },
        Some(Ok(list)) if list.is_empty() => html! {
            <p id="notes-empty" class="lead">{ "No notes yet." }</p>
        },
        Some(Ok(list)) => html! {
            <ul id="notes" class="notes">
                { for list.iter().map(|note| {
                    let id = note.id;
                    let onclick = delete.reform(move |_: MouseEvent| id);
                    html! {
                        <li key={id} class="note" data-note-id={id.to_string()}>
                            <p class="note-text">{ &note.text }</p>
                            <p class="note-meta">
                                <time datetime={note.created.clone()}>{ short_time(&note.created) }</time>
                                <button type="button" class="button-link" {onclick}
                                    aria-label={format!("Delete the note “{}”", note.text)}>
                                    { "Delete" }
                                </button>
                            </p>
                        </li>
                    }
                }) }
            </ul>
        },
    };

    html! {
        <PageCard title="Your notes" lead="Only you can see them." wide=true>
                if let Some(problem) = &*problem {
                    { notice_text(NoticeKind::Warning, "notes-problem", problem.clone()) }
                }
                <Form key={*added} id="note-form" fields={FIELDS} {submit}
                    submit_label="Add note" busy_label="Adding…"
                    validate={Validator(check_note)} />
                { list }
                <div class="actions">
                    { app_link(Route::Dashboard, Query::default(), LinkLook::SecondaryButton, "Back to your account") }
                </div>
        </PageCard>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_must_say_something_and_not_too_much() {
        let note = |text: &str| {
            let mut values = Values::new();
            values.insert(TEXT.name, text.to_string());
            check_note(&values)
        };
        assert!(note("Buy milk").is_empty());
        assert!(!note("   ").is_empty());
        assert!(note(&"é".repeat(500)).is_empty());
        assert!(!note(&"é".repeat(501)).is_empty());
    }

    #[test]
    fn times_show_to_the_minute() {
        assert_eq!(short_time("2026-11-30T12:34:56.789Z"), "2026-11-30 12:34");
        assert_eq!(short_time("soon"), "soon");
    }
}
