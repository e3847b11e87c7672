fn main() {
    // The wasm is compiled and instantiated: the benchmark splits the first visit here.
    djoser_auth_spa::components::performance_mark("app-start");
    show_a_banner_on_panic();
    djoser_auth_spa::config::init_from_document();
    // The release build's HTML is the page prerendered; the app takes its place, keeping
    // what was typed into it. Yew's first render follows in this task, before any paint.
    if let Some(body) = web_sys::window()
        .and_then(|window| window.document())
        .and_then(|document| document.body())
    {
        djoser_auth_spa::takeover::take_over(&body);
    }
    yew::Renderer::<djoser_auth_spa::app::App>::new().render();
}

/// A panic ends the wasm instance; say so on the page rather than leaving it frozen. The release
/// build aborts at the panic itself (`-Cpanic=immediate-abort`, Makefile), where no hook runs and
/// scripts/boot.js shows the banner: there this is left out (~0.8 KB gzip).
#[cfg(not(panic = "immediate-abort"))]
fn show_a_banner_on_panic() {
    use wasm_bindgen::JsCast;
    yew::set_custom_panic_hook(Box::new(|info| {
        web_sys::console::error_1(&format!("djoser-auth-spa: {info}").into());
        let banner = web_sys::window()
            .and_then(|window| window.document())
            .and_then(|document| Some((document.body()?, document.create_element("div").ok()?)));
        if let Some((body, banner)) = banner {
            banner.set_attribute("role", "alert").ok();
            banner.set_class_name("crash-banner");
            banner.set_text_content(Some(
                "Something went wrong and the page stopped. Reload it to continue.",
            ));
            body.prepend_with_node_1(banner.unchecked_ref()).ok();
        }
    }));
}

#[cfg(panic = "immediate-abort")]
fn show_a_banner_on_panic() {}
