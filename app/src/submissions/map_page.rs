//! `/apps/{app}/map`: an app's submissions as clustered pins, with the table's filters.
//! The box in view is part of the address (`bbox=west,south,east,north`): each pan or
//! zoom replaces it, and the server answers with the pins inside (at most 5 000, from
//! the spatial index); `near=latitude,longitude,metres` asks around a point instead.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_location, use_navigate, use_params_map},
    NavigateOptions,
};
use muster_domain::{
    maps::MapTiles,
    submissions::{
        query::{Area, TableQuery},
        views::SubmissionPin,
    },
};

use super::api::load_submission_pins;
use crate::accounts::pages::LoadError;

#[cfg(feature = "hydrate")]
mod browser {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(module = "/src/maps/map.js")]
    extern "C" {
        /// What `showSubmissionsMap` returns.
        pub type SubmissionsMap;

        #[wasm_bindgen(method, js_name = setPins)]
        pub fn set_pins(this: &SubmissionsMap, pins: &str);

        #[wasm_bindgen(method)]
        pub fn remove(this: &SubmissionsMap);

        #[wasm_bindgen(catch, js_name = showSubmissionsMap)]
        pub async fn show_submissions_map(
            element: &web_sys::HtmlElement,
            tiles: &str,
            pins: &str,
            view: Option<Vec<f64>>,
            on_move: &js_sys::Function,
            link_base: &str,
        ) -> Result<JsValue, JsValue>;
    }
}

#[component]
pub fn SubmissionsMapPage() -> impl IntoView {
    let params = use_params_map();
    let location = use_location();
    let app_id = move || params.with(|p| p.get("id").unwrap_or_default());
    let search = move || super::address_query(&location.search.get());
    let answer = Resource::new(
        move || (app_id(), search()),
        |(app, query)| load_submission_pins(app, query),
    );
    // The map is made once, with the first answer's tiles; later answers only change
    // its pins.
    let tiles = RwSignal::new(None::<MapTiles>);
    let pins = RwSignal::new(Vec::<SubmissionPin>::new());
    Effect::new(move |_| {
        if let Some(Ok(found)) = answer.get() {
            if tiles.get_untracked().is_none() {
                tiles.set(Some(found.map.clone()));
            }
            pins.set(found.pins);
        }
    });
    let navigate = use_navigate();
    let show = move |area: Area| {
        let mut query = TableQuery::parse(&search()).unwrap_or_default();
        query.filter.area = Some(area);
        query.after = None;
        navigate(
            &format!("/apps/{}/map?{}", app_id(), query.to_query()),
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        );
    };
    let on_move = Callback::new({
        let show = show.clone();
        move |(west, south, east, north): (f64, f64, f64, f64)| {
            show(Area::Within {
                west,
                south,
                east,
                north,
            })
        }
    });
    let first_view = move || match TableQuery::parse(&search()).ok()?.filter.area? {
        Area::Within {
            west,
            south,
            east,
            north,
        } => Some(vec![west, south, east, north]),
        Area::Near { .. } => None,
    };
    let table_link = move || {
        let mut query = TableQuery::parse(&search()).unwrap_or_default();
        query.filter.area = None;
        match query.to_query() {
            q if q.is_empty() => format!("/apps/{}/submissions", app_id()),
            q => format!("/apps/{}/submissions?{q}", app_id()),
        }
    };
    view! {
        <Title text="Submissions map"/>
        <section aria-labelledby="map-title" class="submissions-map-page">
            <h1 id="map-title">"Submissions map"</h1>
            <p class="page-links">
                <A href=table_link>"The table, with these filters"</A>
                " · "
                <a href=move || format!("/api/apps/{}/export/geojson?{}", app_id(), search()) download>"Download these as GeoJSON"</a>
            </p>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || answer.get().map(|result| match result {
                    Err(error) => view! { <LoadError error/> }.into_any(),
                    Ok(found) => view! {
                        <p data-testid="pin-count" role="status">
                            {match found.pins.len() {
                                0 => "No submissions with a location here.".to_owned(),
                                1 => "1 submission here.".to_owned(),
                                n if found.more => format!("The first {n} submissions here: zoom in to see them all."),
                                n => format!("{n} submissions here."),
                            }}
                        </p>
                    }.into_any(),
                })}
            </Suspense>
            {move || tiles.get().map(|tiles| view! {
                <ClusterMap
                    tiles
                    pins=pins.into()
                    first_view=first_view()
                    on_move
                    link_base=format!("/apps/{}/submissions", app_id())
                />
            })}
            <NearForm on_search=Callback::new(show)/>
        </section>
    }
}

/// Searches around a point: the person types it, or takes the map's centre.
#[component]
fn NearForm(on_search: Callback<Area>) -> impl IntoView {
    let point = RwSignal::new(String::new());
    let radius = RwSignal::new("1000".to_owned());
    let trouble = RwSignal::new(None::<String>);
    view! {
        <form class="near-form" on:submit=move |event| {
            event.prevent_default();
            let text = format!("near={},{}", point.get_untracked().replace(' ', ""), radius.get_untracked());
            match TableQuery::parse(&text) {
                Ok(TableQuery { filter, .. }) => {
                    trouble.set(None);
                    if let Some(area) = filter.area {
                        on_search.run(area);
                    }
                }
                Err(error) => trouble.set(Some(error.message)),
            }
        }>
            <label>"Near (latitude, longitude) "
                <input type="text" placeholder="52.3702, 4.8952" prop:value=move || point.get()
                    on:input=move |e| point.set(event_target_value(&e))/>
            </label>
            <label>" within (metres) "
                <input type="number" min="1" max="500000" prop:value=move || radius.get()
                    on:input=move |e| radius.set(event_target_value(&e))/>
            </label>
            <button type="submit">"Search near"</button>
            {move || trouble.get().map(|message| view! { <p class="field-error" role="alert">{message}</p> })}
        </form>
    }
}

/// The Leaflet map with clustered pins. Made once; `pins` changing replaces its pins.
#[component]
fn ClusterMap(
    tiles: MapTiles,
    pins: Signal<Vec<SubmissionPin>>,
    first_view: Option<Vec<f64>>,
    on_move: Callback<(f64, f64, f64, f64)>,
    link_base: String,
) -> impl IntoView {
    let canvas = NodeRef::<leptos::html::Div>::new();
    let trouble = RwSignal::new(None::<String>);
    let no_tiles = tiles.url.is_none();
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::{closure::Closure, JsCast};
        let handle = StoredValue::new_local(None::<browser::SubmissionsMap>);
        let mover = StoredValue::new_local(Closure::<dyn Fn(f64, f64, f64, f64)>::new(
            move |west, south, east, north| on_move.run((west, south, east, north)),
        ));
        on_cleanup(move || {
            if let Some(map) = handle.try_update_value(Option::take).flatten() {
                map.remove();
            }
        });
        Effect::new(move |_| {
            let Some(element) = canvas.get() else { return };
            let (Ok(tiles), Ok(first)) = (
                serde_json::to_string(&tiles),
                serde_json::to_string(&pins.get_untracked()),
            ) else {
                return;
            };
            let (view, link_base) = (first_view.clone(), link_base.clone());
            leptos::task::spawn_local(async move {
                let on_move =
                    mover.with_value(|c| c.as_ref().unchecked_ref::<js_sys::Function>().clone());
                match browser::show_submissions_map(
                    &element, &tiles, &first, view, &on_move, &link_base,
                )
                .await
                {
                    Ok(map) => {
                        handle.try_set_value(Some(map.unchecked_into()));
                    }
                    Err(error) => trouble.set(Some(
                        error
                            .dyn_ref::<js_sys::Error>()
                            .map(|e| String::from(e.message()))
                            .unwrap_or_else(|| "The map could not be shown.".to_owned()),
                    )),
                }
            });
        });
        Effect::new(move |_| {
            let json = serde_json::to_string(&pins.get()).unwrap_or_default();
            handle.with_value(|map| {
                if let Some(map) = map {
                    map.set_pins(&json);
                }
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (&tiles, pins, first_view, on_move, link_base);
    view! {
        <figure class="location-map submissions-map">
            <div class="location-map-canvas" node_ref=canvas data-testid="submissions-map" role="region" aria-label="Map of submissions"></div>
            <figcaption>
                {no_tiles.then(|| view! {
                    <p class="muted">"No map background is configured (MUSTER_MAP_TILES_URL): pins are shown on a plain background."</p>
                })}
                {move || trouble.get().map(|message| view! { <p class="field-error">{message}</p> })}
            </figcaption>
        </figure>
    }
}
