//! Browser entry point: attaches the WASM build of `muster_app::App` to the HTML the
//! server already rendered, so the page becomes interactive without re-rendering.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_body(muster_app::App);
    // Lets browser tests (and curious users) tell a hydrated page from a static one.
    if let Some(body) = leptos::prelude::document().body() {
        let _ = body.set_attribute("data-hydrated", "true");
    }
}
