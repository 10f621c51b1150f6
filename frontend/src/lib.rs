//! Browser entry point: attaches the WASM build of `muster_app::App` to the HTML the
//! server already rendered, so the page becomes interactive without re-rendering.

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Asynchronous: most pages' code is a separate chunk (`muster_app::shell::chunks`)
    // that has to arrive before their markup can be hydrated.
    wasm_bindgen_futures::spawn_local(async {
        let body = leptos::prelude::document().body();
        let Some(body) = body else { return };
        leptos::mount::hydrate_from_async(body.clone(), muster_app::App)
            .await
            .forget();
        muster_app::shell::hydration::finished();
        // Lets browser tests (and curious users) tell a hydrated page from a static one.
        let _ = body.set_attribute("data-hydrated", "true");
    });
}
