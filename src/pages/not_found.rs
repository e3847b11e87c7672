use yew::prelude::*;

use crate::components::*;
use crate::routes::{Query, Route};

#[function_component(NotFoundPage)]
pub fn not_found_page() -> Html {
    use_title("Page not found");
    html! {
        <PageCard title="Page not found" lead="There's nothing at this address. Check the link, or start again from the sign-in page.">
            { app_link(Route::Landing, Query::default(), LinkLook::PrimaryButton, "Go to the start") }
        </PageCard>
    }
}
