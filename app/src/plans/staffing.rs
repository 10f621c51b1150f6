//! The staffing board: per activity and role, the slots filled, waiting and open; and
//! the conflicts: a person called to two overlapping activities, or to two places too
//! far apart for the time between them (at the project's travel speed).

use leptos::prelude::*;
use leptos_router::components::A;
use muster_domain::plans::{staffing::Conflict, views::PlanView};

use super::format;

#[component]
pub fn StaffingView(plan: RwSignal<PlanView>) -> impl IntoView {
    let conflicts = move || {
        plan.with(|p| {
            let name = |id: &str| p.activity(id).map_or_else(|| "another project's activity".to_owned(), |a| a.name.clone());
            p.conflicts
                .iter()
                .map(|c| {
                    let who = p.member(&c.user_id).map_or_else(|| "Someone".to_owned(), |m| m.name.clone());
                    let text = match &c.conflict {
                        Conflict::Overlap { first, second } => format!("{who} is called to {} and {}, which overlap.", name(first), name(second)),
                        Conflict::TooFar { first, second, distance_km, gap_minutes, travel_minutes } => format!(
                            "{who} cannot get from {} to {} in time: {distance_km} km take about {} at {} km/h, with {} between them.",
                            name(first),
                            name(second),
                            format::duration(*travel_minutes),
                            p.project.travel_kmh,
                            format::duration(*gap_minutes)
                        ),
                    };
                    view! { <li data-testid="conflict-line">{text}</li> }
                })
                .collect_view()
        })
    };
    let rows = move || {
        plan.with(|p| {
            let mut rows = Vec::new();
            for a in &p.activities {
                for need in &a.needs {
                    let role = p
                        .role(&need.role_id)
                        .map_or_else(|| "?".to_owned(), |r| r.name.clone());
                    let href = format!("/projects/{}/activities/{}", p.project.id, a.id);
                    let open = need.slots.open();
                    let unfilled = open > 0;
                    let name = a.name.clone();
                    rows.push(view! {
                        <tr class:open=unfilled data-testid="slot-row">
                            <td><A href=href>{name}</A></td>
                            <td>{format::day_and_time(&p.zone, a.starts_at)}</td>
                            <td>{role}</td>
                            <td>{need.count}</td>
                            <td>{need.slots.accepted}</td>
                            <td>{need.slots.pending}</td>
                            <td data-testid="open-slots">{open}</td>
                        </tr>
                    });
                }
            }
            rows.collect_view()
        })
    };
    view! {
        <div class="staffing" data-testid="staffing">
            <h2>"Conflicts"</h2>
            {move || plan.with(|p| p.conflicts.is_empty()).then(|| view! { <p class="muted">"None: nobody is called to two places at once."</p> })}
            <ul class="conflict-list">{conflicts}</ul>
            <h2>"Slots"</h2>
            <table class="data-table">
                <thead><tr><th>"Activity"</th><th>"Starts"</th><th>"Role"</th><th>"Needed"</th><th>"Accepted"</th><th>"Waiting"</th><th>"Open"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}
