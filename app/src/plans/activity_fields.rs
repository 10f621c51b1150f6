//! The fields an activity is made of (name, location, start in the project's zone,
//! duration): the same inputs and messages in the new-activity form and in an
//! activity's details.

use leptos::prelude::*;
use muster_domain::plans::views::PlanView;

use crate::error::AppError;

/// The values as typed, before the server checks them.
#[derive(Clone, Copy)]
pub struct ActivityDraft {
    pub name: RwSignal<String>,
    pub location: RwSignal<String>,
    pub starts: RwSignal<String>,
    pub duration: RwSignal<String>,
}

#[component]
pub fn ActivityFields(
    plan: RwSignal<PlanView>,
    draft: ActivityDraft,
    /// Starts the inputs' ids (`{id_prefix}-name`…): each form on a page has its own.
    id_prefix: &'static str,
    /// The last refusal of the form's save, for the per-field messages.
    #[prop(into)]
    refusal: Signal<Option<AppError>>,
) -> impl IntoView {
    let error = move |field: &'static str| move || refusal.get().and_then(|e| e.field(field));
    let id = move |field: &str| format!("{id_prefix}-{field}");
    view! {
        <div class="field">
            <label for=id("name")>"Name"</label>
            <input id=id("name") bind:value=draft.name/>
            <p class="field-error" data-testid="error-name">{error("name")}</p>
        </div>
        <div class="field">
            <label for=id("location")>"Location"</label>
            <select id=id("location") bind:value=draft.location>
                <option value="">"None yet"</option>
                {move || plan.with(|p| p.locations.iter().map(|l| view! { <option value=l.id.clone()>{l.name.clone()}</option> }).collect_view())}
            </select>
            <p class="field-error">{error("location_id")}</p>
        </div>
        <div class="field">
            <label for=id("start")>{move || plan.with(|p| format!("Starts ({})", p.project.time_zone))}</label>
            <input id=id("start") type="datetime-local" bind:value=draft.starts/>
            <p class="field-error" data-testid="error-starts_local">{error("starts_local")}</p>
        </div>
        <div class="field">
            <label for=id("duration")>"Duration (minutes)"</label>
            <input id=id("duration") type="number" inputmode="numeric" min="1" bind:value=draft.duration/>
            <p class="field-error" data-testid="error-duration_minutes">{error("duration_minutes")}</p>
        </div>
    }
}
