use yew::prelude::*;

use crate::components::*;
use crate::routes::Route;

#[function_component(NotFoundPage)]
pub fn not_found_page() -> Html {
    use_title("Page not found");
    html! {
        <PageCard title="Page not found" lead="There's nothing at this address. Check the link, or start again from the sign-in page.">
            <AppLink to={Route::Landing} look={LinkLook::PrimaryButton}>{ "Go to the start" }</AppLink>
        </PageCard>
    }
}
