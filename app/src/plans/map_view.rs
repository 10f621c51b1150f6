//! The plan's locations on the map (the same bundled Leaflet and tile setting as the rest
//! of Muster), each with its activities.

use leptos::prelude::*;
use leptos_router::components::A;
use muster_domain::{maps::Pin, plans::views::PlanView};

use super::format;
use crate::maps::LocationMap;

#[component]
pub fn MapView(plan: RwSignal<PlanView>) -> impl IntoView {
    move || {
        plan.with(|p| {
            let used: Vec<(muster_domain::plans::views::LocationView, Vec<(String, String, String)>)> = p
                .locations
                .iter()
                .map(|l| {
                    let activities = p
                        .activities
                        .iter()
                        .filter(|a| a.location_id.as_deref() == Some(l.id.as_str()))
                        .map(|a| (a.id.clone(), a.name.clone(), format::day_and_time(&p.zone, a.starts_at)))
                        .collect::<Vec<_>>();
                    (l.clone(), activities)
                })
                .filter(|(_, activities)| !activities.is_empty())
                .collect();
            let pins: Vec<Pin> = used
                .iter()
                .filter_map(|(l, activities)| {
                    l.point.map(|point| Pin {
                        latitude: point.latitude,
                        longitude: point.longitude,
                        label: format!("{} ({} activities)", l.name, activities.len()),
                        accuracy_m: None,
                    })
                })
                .collect();
            let project = p.project.id.clone();
            let list = used
                .into_iter()
                .map(|(l, activities)| {
                    let items = activities
                        .into_iter()
                        .map(|(id, name, when)| {
                            let href = format!("/projects/{project}/activities/{id}");
                            view! { <li><A href=href>{name}</A>" · "{when}</li> }
                        })
                        .collect_view();
                    view! {
                        <section class="map-place" data-testid="map-place">
                            <h3>{l.name.clone()}</h3>
                            {(!l.address.is_empty()).then(|| view! { <p class="muted">{l.address.clone()}</p> })}
                            <ul>{items}</ul>
                        </section>
                    }
                })
                .collect_view();
            view! {
                <div class="plan-map" data-testid="plan-map">
                    {pins.is_empty().then(|| view! { <p class="muted">"No activity has a location with coordinates yet."</p> })}
                    <LocationMap tiles=p.map.clone() pins/>
                    {list}
                </div>
            }
        })
    }
}
