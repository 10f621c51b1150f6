//! `/projects`: the projects the signed-in person takes part in (all of the account's
//! for owners and admins), and a new one.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_navigate};

use super::api::{load_projects, load_time_zones, CreateProject};
use crate::accounts::{
    form::{Field, FormAlert, Outcome},
    pages::LoadError,
};

#[component]
pub fn ProjectsPage() -> impl IntoView {
    let create = ServerAction::<CreateProject>::new();
    let projects = Resource::new(move || create.version().get(), |_| load_projects());
    let zones = Resource::new(|| (), |_| load_time_zones());
    let outcome: Outcome = Signal::derive(move || create.value().get().map(|r| r.map(|_| ())));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = create.value().get() {
            navigate(&format!("/projects/{id}"), Default::default());
        }
    });
    view! {
        <Title text="Projects"/>
        <section aria-labelledby="projects-title">
            <h1 id="projects-title">"Projects"</h1>
            <p><A href="/call-ins">"My call-ins"</A>" · "<A href="/roles-and-locations">"Roles and locations"</A></p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || projects.get().map(|result| match result {
                    Err(error) => view! { <LoadError error/> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No projects yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="data-table" data-testid="projects">
                            <thead><tr><th>"Project"</th><th>"Dates"</th><th>"Activities"</th><th>"Time zone"</th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|project| view! {
                                    <tr class:archived=project.archived>
                                        <td>
                                            <A href=format!("/projects/{}", project.id)>{project.name}</A>
                                            {project.archived.then(|| view! { " " <span class="badge">"archived"</span> })}
                                        </td>
                                        <td>{format!("{} – {}", project.span.starts_on.format("%Y-%m-%d"), project.span.ends_on.format("%Y-%m-%d"))}</td>
                                        <td>{project.activities}</td>
                                        <td>{project.time_zone}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                })}
            </Transition>
            <h2>"New project"</h2>
            <ActionForm action=create attr:novalidate=true attr:class="create-project-form">
                <Field label="Name" name="name" outcome/>
                <div class="field">
                    <label for="field-goal">"Goal"</label>
                    <textarea id="field-goal" name="goal" rows="2"></textarea>
                </div>
                <div class="field">
                    <label for="field-time_zone">"Time zone"</label>
                    <input id="field-time_zone" name="time_zone" list="time-zones" value="Europe/Amsterdam"
                        aria-describedby="field-time_zone-error"/>
                    <datalist id="time-zones">
                        <Transition fallback=|| ()>
                            {move || zones.get().and_then(Result::ok).map(|zones| zones.into_iter().map(|zone| view! {
                                <option value=zone></option>
                            }).collect_view())}
                        </Transition>
                    </datalist>
                    <p class="field-error" id="field-time_zone-error" data-testid="error-time_zone">
                        {move || outcome.get().and_then(Result::err).and_then(|e| e.field("time_zone"))}
                    </p>
                </div>
                <Field label="Starts on" name="starts_on" kind="date" outcome/>
                <Field label="Ends on" name="ends_on" kind="date" outcome/>
                <FormAlert outcome/>
                <button type="submit" class="button">"Create the project"</button>
            </ActionForm>
        </section>
    }
}
