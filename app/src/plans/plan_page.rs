//! `/projects/{id}`: one project's plan, kept live: every member's change shows within a
//! second (it follows `plan:{id}`), with who else is looking and what they edit. The
//! address names the view (`?view=list|timeline|calendar|map|staffing|people`), so
//! each can be bookmarked and shared.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};
use muster_domain::plans::views::PlanView;

use super::{
    api::{load_plan, ArchiveProject, PublishPlan, UpdateProject},
    format,
    live::{follow_plan, PresenceLine},
};
use crate::accounts::{
    form::{Field, FormAlert, Outcome},
    pages::LoadError,
};
use crate::realtime::client::{use_connection, Connection};

#[component]
pub fn PlanPage() -> impl IntoView {
    let params = use_params_map();
    let project = move || params.with(|p| p.get("id").unwrap_or_default());
    let plan = Resource::new(project, load_plan);
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the plan…"</p> }>
            {move || plan.get().map(|result| match result {
                Err(error) => view! { <LoadError error/> }.into_any(),
                Ok(plan) => view! { <PlanScreen initial=plan/> }.into_any(),
            })}
        </Suspense>
    }
}

/// Moves made on this screen that the server has not confirmed yet (activity id: start
/// and duration). A reload keeps showing them: the plan it reads may predate them.
#[derive(Clone, Copy)]
pub struct PendingMoves(pub StoredValue<HashMap<String, (DateTime<Utc>, i64)>>);

impl PendingMoves {
    /// Shows the pending move of `id` in `plan`.
    pub fn apply_to(self, plan: &mut PlanView, id: &str) {
        self.0.with_value(|moves| {
            if let (Some(&(starts_at, minutes)), Some(a)) = (
                moves.get(id),
                plan.activities.iter_mut().find(|a| a.id == id),
            ) {
                (a.starts_at, a.duration_minutes) = (starts_at, minutes);
            }
        });
    }

    fn apply(self, plan: &mut PlanView) {
        self.0.with_value(|moves| {
            for a in plan.activities.iter_mut() {
                if let Some(&(starts_at, minutes)) = moves.get(&a.id) {
                    (a.starts_at, a.duration_minutes) = (starts_at, minutes);
                }
            }
        });
    }
}

/// Reloads the plan into `plan`; calls made while a reload runs are folded into one
/// more reload after it.
pub fn reloader(plan: RwSignal<PlanView>) -> impl Fn() + Clone + Send + Sync + 'static {
    let running = StoredValue::new(false);
    let again = StoredValue::new(false);
    let pending = use_context::<PendingMoves>();
    move || {
        if running.get_value() {
            again.set_value(true);
            return;
        }
        running.set_value(true);
        let project = plan.with_untracked(|p| p.project.id.clone());
        leptos::task::spawn_local(async move {
            loop {
                again.set_value(false);
                if let Ok(mut fresh) = load_plan(project.clone()).await {
                    if let Some(pending) = pending {
                        pending.apply(&mut fresh);
                    }
                    plan.set(fresh);
                }
                if !again.get_value() {
                    break;
                }
            }
            running.set_value(false);
        });
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum View {
    List,
    Timeline,
    Calendar,
    Map,
    Staffing,
    People,
}

impl View {
    const ALL: [View; 6] = [
        View::List,
        View::Timeline,
        View::Calendar,
        View::Map,
        View::Staffing,
        View::People,
    ];

    fn key(self) -> &'static str {
        match self {
            View::List => "list",
            View::Timeline => "timeline",
            View::Calendar => "calendar",
            View::Map => "map",
            View::Staffing => "staffing",
            View::People => "people",
        }
    }

    fn label(self) -> &'static str {
        match self {
            View::List => "List",
            View::Timeline => "Timeline",
            View::Calendar => "Calendar",
            View::Map => "Map",
            View::Staffing => "Staffing",
            View::People => "People",
        }
    }

    fn parse(text: Option<String>) -> View {
        View::ALL
            .into_iter()
            .find(|v| Some(v.key()) == text.as_deref())
            .unwrap_or(View::List)
    }
}

#[component]
fn PlanScreen(initial: PlanView) -> impl IntoView {
    let project_id = initial.project.id.clone();
    let plan = RwSignal::new(initial);
    provide_context(PendingMoves(StoredValue::new(HashMap::new())));
    let reload = reloader(plan);
    let presence = follow_plan(project_id.clone(), Signal::derive(|| None), reload.clone());
    let query = use_query_map();
    let view = Memo::new(move |_| View::parse(query.with(|q| q.get("view"))));
    let publish = ServerAction::<PublishPlan>::new();
    let archive = ServerAction::<ArchiveProject>::new();
    let after = reload.clone();
    Effect::new(move |_| {
        if publish.version().get() + archive.version().get() > 0 {
            after();
        }
    });
    let name = move || plan.with(|p| p.project.name.clone());
    // The title is fixed at load: leptos_meta reads it after the page has rendered, and
    // under concurrent requests that came after this screen's signals were disposed (a
    // panic, a 500), so it must not read a signal.
    let title = plan.with_untracked(|p| p.project.name.clone());
    let activity_name =
        Callback::new(move |id: String| plan.with(|p| p.activity(&id).map(|a| a.name.clone())));
    let action_error = move || {
        publish
            .value()
            .get()
            .and_then(Result::err)
            .or_else(|| archive.value().get().and_then(Result::err))
            .map(|error| view! { <p class="alert" role="alert">{error.to_string()}</p> })
    };
    let tabs_project = project_id.clone();
    let connection = use_connection();
    let settings_reload = reload.clone();
    view! {
        <Title text=title/>
        <section class="plan-page" aria-labelledby="plan-title" data-testid="plan-page">
            <header class="plan-header">
                <h1 id="plan-title">{name}</h1>
                <p class="muted">
                    {move || plan.with(|p| format!(
                        "{} – {} · {}",
                        p.project.span.starts_on.format("%Y-%m-%d"),
                        p.project.span.ends_on.format("%Y-%m-%d"),
                        p.project.time_zone
                    ))}
                    {move || plan.with(|p| p.project.published_at.is_some()).then(|| view! { " " <span class="badge">"published"</span> })}
                    {move || plan.with(|p| p.project.archived).then(|| view! { " " <span class="badge">"archived"</span> })}
                </p>
                {move || plan.with(|p| (!p.project.goal.is_empty()).then(|| view! { <p>{p.project.goal.clone()}</p> }))}
                <PresenceLine presence activity_name/>
                {move || (connection.get() == Connection::Lost).then(|| plan.with(|p| p.read_at.map(|at| view! {
                    <p class="offline-note" data-testid="offline-note">
                        {format!("No connection: the plan as of {} ({}). Changes show again once the connection is back.",
                            format::day_and_time(&p.zone, at), p.project.time_zone)}
                    </p>
                })))}
                {move || {
                    let (organiser, published, archived, id) = plan.with(|p| (p.viewer.organiser, p.project.published_at.is_some(), p.project.archived, p.project.id.clone()));
                    let may_archive = organiser || archived;
                    view! {
                        <div class="plan-actions">
                            {(organiser && !published).then(|| {
                                let id = id.clone();
                                view! {
                                    <ActionForm action=publish>
                                        <input type="hidden" name="project_id" value=id/>
                                        <button type="submit" class="button">"Publish the plan"</button>
                                    </ActionForm>
                                }
                            })}
                            {may_archive.then(|| view! {
                                <ActionForm action=archive>
                                    <input type="hidden" name="project_id" value=id.clone()/>
                                    <input type="hidden" name="archived" value=(!archived).to_string()/>
                                    <button type="submit" class="button secondary">{if archived { "Bring back from the archive" } else { "Archive" }}</button>
                                </ActionForm>
                            })}
                        </div>
                    }
                }}
                {action_error}
                {move || plan.with(|p| p.viewer.organiser).then(|| view! { <Settings plan reload=settings_reload.clone()/> })}
            </header>
            <nav class="plan-tabs" aria-label="Plan views">
                {View::ALL.into_iter().map(|tab| {
                    let href = format!("/projects/{}?view={}", tabs_project, tab.key());
                    view! {
                        <A href=href attr:aria-current=move || (view.get() == tab).then_some("page")>{tab.label()}</A>
                    }
                }).collect_view()}
            </nav>
            {move || match view.get() {
                View::List => view! { <super::list_view::ListView plan/> }.into_any(),
                View::Timeline => view! { <super::timeline::TimelineView plan/> }.into_any(),
                View::Calendar => view! { <super::calendar::CalendarView plan/> }.into_any(),
                View::Map => view! { <super::map_view::MapView plan/> }.into_any(),
                View::Staffing => view! { <super::staffing::StaffingView plan/> }.into_any(),
                View::People => view! { <super::people::PeopleView plan/> }.into_any(),
            }}
        </section>
    }
}

/// The project's own settings, for organisers.
#[component]
fn Settings(
    plan: RwSignal<PlanView>,
    reload: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let update = ServerAction::<UpdateProject>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = update.value().get() {
            reload();
        }
    });
    let outcome: Outcome = Signal::derive(move || update.value().get());
    let p = plan.get_untracked();
    view! {
        <details class="project-settings">
            <summary>"Project settings"</summary>
            <ActionForm action=update attr:novalidate=true>
                <input type="hidden" name="project_id" value=p.project.id.clone()/>
                <Field label="Name" name="name" form="project" outcome value=p.project.name.clone()/>
                <Field label="Goal" name="goal" form="project" outcome value=p.project.goal.clone()/>
                <Field label="Time zone" name="time_zone" form="project" outcome value=p.project.time_zone.clone()/>
                <Field label="Starts on" name="starts_on" form="project" kind="date" outcome value=p.project.span.starts_on.format("%Y-%m-%d").to_string()/>
                <Field label="Ends on" name="ends_on" form="project" kind="date" outcome value=p.project.span.ends_on.format("%Y-%m-%d").to_string()/>
                <Field label="Travel speed between locations (km/h)" name="travel_kmh" form="project" outcome value=p.project.travel_kmh.to_string()
                    hint="Used to find people called to two places too far apart for the time between."/>
                <Field label="Minutes a called person has to answer" name="answer_minutes" form="project" outcome value=p.project.answer_minutes.to_string()
                    hint="Then the place is offered to the next person holding the role."/>
                <FormAlert outcome/>
                <button type="submit" class="button secondary">"Save the settings"</button>
            </ActionForm>
        </details>
    }
}
