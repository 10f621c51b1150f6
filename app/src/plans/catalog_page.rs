//! `/roles-and-locations`: the account's roles (specialist functions) and locations,
//! which every project plans with. Builders and up add and change them.

use leptos::prelude::*;
use leptos_meta::Title;
use muster_domain::{maps::Pin, plans::views::LocationView};

use super::api::{
    load_locations, load_roles, CreateLocation, CreateRole, RenameRole, UpdateLocation,
};
use crate::{
    accounts::{
        form::{Field, FormAlert, Outcome},
        pages::LoadError,
    },
    maps::LocationMap,
};

#[component]
pub fn CatalogPage() -> impl IntoView {
    view! {
        <Title text="Roles and locations"/>
        <section aria-labelledby="catalog-title">
            <h1 id="catalog-title">"Roles and locations"</h1>
            <Roles/>
            <Locations/>
        </section>
    }
}

#[component]
fn Roles() -> impl IntoView {
    let create = ServerAction::<CreateRole>::new();
    let rename = ServerAction::<RenameRole>::new();
    let roles = Resource::new(
        move || (create.version().get(), rename.version().get()),
        |_| load_roles(),
    );
    let outcome: Outcome = Signal::derive(move || create.value().get().map(|r| r.map(|_| ())));
    let renamed: Outcome = Signal::derive(move || rename.value().get());
    view! {
        <section aria-labelledby="roles-title">
            <h2 id="roles-title">"Roles"</h2>
            <p class="muted">"The specialist functions activities need, such as surveyor or driver. A person may hold several."</p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || roles.get().map(|result| match result {
                    Err(error) => view! { <LoadError error/> }.into_any(),
                    Ok(list) => view! {
                        <ul class="role-list" data-testid="roles">
                            {list.into_iter().map(|role| view! {
                                <li>
                                    <ActionForm action=rename attr:class="inline-form">
                                        <input type="hidden" name="role_id" value=role.id.clone()/>
                                        <label class="visually-hidden" for=format!("role-{}", role.id)>"Role name"</label>
                                        <input id=format!("role-{}", role.id) name="name" value=role.name.clone()/>
                                        <button type="submit" class="link-button">"Rename"</button>
                                    </ActionForm>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                })}
            </Transition>
            <FormAlert outcome=renamed/>
            <ActionForm action=create attr:class="inline-form" attr:novalidate=true>
                <Field label="New role" name="name" form="role" outcome/>
                <button type="submit" class="button secondary">"Add the role"</button>
            </ActionForm>
        </section>
    }
}

#[component]
fn Locations() -> impl IntoView {
    let create = ServerAction::<CreateLocation>::new();
    let update = ServerAction::<UpdateLocation>::new();
    let locations = Resource::new(
        move || (create.version().get(), update.version().get()),
        |_| load_locations(),
    );
    let outcome: Outcome = Signal::derive(move || create.value().get().map(|r| r.map(|_| ())));
    let updated: Outcome = Signal::derive(move || update.value().get());
    // A point picked on the map fills in the new location's coordinates.
    let (latitude, longitude) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let pick = Callback::new(move |(lat, lng): (f64, f64)| {
        latitude.set(format!("{lat:.6}"));
        longitude.set(format!("{lng:.6}"));
    });
    view! {
        <section aria-labelledby="locations-title">
            <h2 id="locations-title">"Locations"</h2>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || locations.get().map(|result| match result {
                    Err(error) => view! { <LoadError error/> }.into_any(),
                    Ok(list) => {
                        let pins: Vec<Pin> = list.iter().filter_map(|l| l.point.map(|p| Pin {
                            latitude: p.latitude,
                            longitude: p.longitude,
                            label: l.name.clone(),
                            accuracy_m: None,
                        })).collect();
                        view! {
                            <table class="data-table" data-testid="locations">
                                <thead><tr><th>"Name"</th><th>"Address"</th><th>"Latitude"</th><th>"Longitude"</th><th></th></tr></thead>
                                <tbody>{list.into_iter().map(|l| view! { <LocationRow location=l update/> }).collect_view()}</tbody>
                            </table>
                            <p class="muted">"Click or tap the map to put a new location's coordinates in the form below."</p>
                            <Tiles pins pick/>
                        }.into_any()
                    }
                })}
            </Transition>
            <FormAlert outcome=updated/>
            <h3>"New location"</h3>
            <ActionForm action=create attr:class="location-form" attr:novalidate=true>
                <Field label="Name" name="name" form="location" outcome/>
                <Field label="Address" name="address" form="location" outcome/>
                <Field label="Latitude" name="latitude" form="location" outcome bind=latitude hint="Degrees, e.g. 52.3702, or picked on the map (or leave both empty)"/>
                <Field label="Longitude" name="longitude" form="location" outcome bind=longitude hint="Degrees, e.g. 4.8952"/>
                <FormAlert outcome/>
                <button type="submit" class="button secondary">"Add the location"</button>
            </ActionForm>
        </section>
    }
}

/// The locations on the map (the same map and tiles as the rest of Muster); a point
/// picked there goes to `pick`.
#[component]
fn Tiles(pins: Vec<Pin>, pick: Callback<(f64, f64)>) -> impl IntoView {
    let tiles = Resource::new(|| (), |_| super::api::load_map_tiles());
    view! {
        <Transition fallback=|| ()>
            {move || tiles.get().and_then(Result::ok).map(|tiles| view! { <LocationMap tiles pins=pins.clone() on_pick=pick/> })}
        </Transition>
    }
}

#[component]
fn LocationRow(location: LocationView, update: ServerAction<UpdateLocation>) -> impl IntoView {
    let form = format!("location-{}", location.id);
    let (latitude, longitude) = location.point.map_or((String::new(), String::new()), |p| {
        (p.latitude.to_string(), p.longitude.to_string())
    });
    view! {
        <tr data-testid="location">
            <td><input form=form.clone() name="name" value=location.name.clone() aria-label="Name"/></td>
            <td><input form=form.clone() name="address" value=location.address.clone() aria-label="Address"/></td>
            <td><input form=form.clone() name="latitude" value=latitude aria-label="Latitude" inputmode="decimal"/></td>
            <td><input form=form.clone() name="longitude" value=longitude aria-label="Longitude" inputmode="decimal"/></td>
            <td>
                <ActionForm action=update attr:id=form>
                    <input type="hidden" name="location_id" value=location.id.clone()/>
                    <button type="submit" class="link-button">"Save"</button>
                </ActionForm>
            </td>
        </tr>
    }
}
