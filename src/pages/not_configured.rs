use yew::prelude::*;

use crate::components::*;

#[derive(Properties, PartialEq)]
pub struct NotConfiguredProps {
    /// What is wrong, in words for whoever deployed the app (`Config::problem`).
    pub problem: AttrValue,
}

/// Shown instead of every page when the deployment has no usable API address: better than
/// sending visitors' passwords to a default address.
#[function_component(NotConfiguredPage)]
pub fn not_configured_page(props: &NotConfiguredProps) -> Html {
    use_title("Not configured");
    html! {
        <PageCard title="This site isn't set up yet" lead="Sign-in can't work until whoever runs this site finishes its configuration. Nothing you type here is sent anywhere.">
            <div class="notice notice-warning" role="alert" data-notice="not-configured">
                <p>{ props.problem.clone() }</p>
            </div>
        </PageCard>
    }
}
