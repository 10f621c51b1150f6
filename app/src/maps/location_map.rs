use leptos::prelude::*;
use muster_domain::maps::{MapTiles, Pin};

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(module = "/src/maps/map.js")]
    extern "C" {
        #[wasm_bindgen(catch, js_name = showMap)]
        pub async fn show_map(
            element: &web_sys::HtmlElement,
            tiles: &str,
            pins: &str,
            on_pick: Option<&js_sys::Function>,
        ) -> Result<JsValue, JsValue>;
    }
}

/// The pins on a map, with a list of them as text below. With `on_pick`, a click or tap
/// on the map picks a point (latitude, longitude).
#[component]
pub fn LocationMap(
    tiles: MapTiles,
    pins: Vec<Pin>,
    #[prop(optional)] on_pick: Option<Callback<(f64, f64)>>,
) -> impl IntoView {
    let canvas = NodeRef::<leptos::html::Div>::new();
    let trouble = RwSignal::new(None::<String>);
    let no_tiles = tiles.url.is_none();
    #[cfg(feature = "hydrate")]
    {
        let (tiles, pins) = (tiles.clone(), pins.clone());
        // Leaflet keeps listeners on the window: the map is removed with the component.
        let remove = StoredValue::new_local(None::<js_sys::Function>);
        // Kept alive as long as the map can call it.
        let picker = on_pick.map(|on_pick| {
            wasm_bindgen::closure::Closure::<dyn Fn(f64, f64)>::new(move |lat, lng| {
                on_pick.run((lat, lng))
            })
        });
        let picker = StoredValue::new_local(picker);
        on_cleanup(move || {
            if let Some(remove) = remove.try_update_value(Option::take).flatten() {
                let _ = remove.call0(&wasm_bindgen::JsValue::NULL);
            }
        });
        Effect::new(move |_| {
            let Some(element) = canvas.get() else { return };
            let (Ok(tiles), Ok(pins)) =
                (serde_json::to_string(&tiles), serde_json::to_string(&pins))
            else {
                return;
            };
            leptos::task::spawn_local(async move {
                let on_pick = picker.with_value(|picker| {
                    picker.as_ref().map(|c| {
                        wasm_bindgen::JsCast::unchecked_ref::<js_sys::Function>(c.as_ref()).clone()
                    })
                });
                match browser::show_map(&element, &tiles, &pins, on_pick.as_ref()).await {
                    Ok(remover) => {
                        remove.try_set_value(wasm_bindgen::JsCast::dyn_into(remover).ok());
                    }
                    Err(error) => {
                        let message = wasm_bindgen::JsCast::dyn_ref::<js_sys::Error>(&error)
                            .map(|e| String::from(e.message()))
                            .unwrap_or_else(|| "The map could not be shown.".to_owned());
                        trouble.set(Some(message));
                    }
                }
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (&tiles, trouble, on_pick);
    let listed = pins
        .iter()
        .map(|pin| {
            let accuracy = pin
                .accuracy_m
                .map(|m| format!(" (within {m:.0} m)"))
                .unwrap_or_default();
            view! {
                <li>{format!("{}: {:.5}, {:.5}{accuracy}", pin.label, pin.latitude, pin.longitude)}</li>
            }
        })
        .collect_view();
    view! {
        <figure class="location-map">
            <div class="location-map-canvas" node_ref=canvas data-testid="location-map" role="region" aria-label="Map"></div>
            <figcaption>
                <ul class="location-map-pins">{listed}</ul>
                {no_tiles.then(|| view! {
                    <p class="muted">"No map background is configured (MUSTER_MAP_TILES_URL): the pin is shown on a plain background."</p>
                })}
                {move || trouble.get().map(|message| view! { <p class="field-error">{message}</p> })}
            </figcaption>
        </figure>
    }
}
