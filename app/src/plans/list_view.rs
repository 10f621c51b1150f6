//! The plan as a list grouped by day (in the project's zone), and a new activity.

use leptos::prelude::*;
use leptos_router::components::A;
use muster_domain::plans::{activity::ActivityInput, views::PlanView};

use super::{
    activity_fields::{ActivityDraft, ActivityFields},
    api::create_activity,
    format,
};
use crate::error::AppError;

/// Activities listed at first, and added by each "Show more".
const PAGE: usize = 200;

#[component]
pub fn ListView(plan: RwSignal<PlanView>) -> impl IntoView {
    // A plan of thousands of activities is listed a page at a time (the timeline shows
    // them all, drawing only what is on screen).
    let shown = RwSignal::new(PAGE);
    let days = move || {
        let shown = shown.get();
        plan.with(|p| {
            let mut days: Vec<(chrono::NaiveDate, Vec<usize>)> = Vec::new();
            for (index, activity) in p.activities.iter().enumerate().take(shown) {
                let day = format::day(&p.zone, activity.starts_at);
                match days.last_mut() {
                    Some((last, list)) if *last == day => list.push(index),
                    _ => days.push((day, vec![index])),
                }
            }
            days
        })
    };
    view! {
        <div class="plan-list" data-testid="plan-list">
            {move || plan.with(|p| p.activities.is_empty()).then(|| view! { <p class="muted">"No activities yet."</p> })}
            {move || days().into_iter().map(|(day, indexes)| view! {
                <section class="plan-day" aria-label=format::long_day(day)>
                    <h2>{format::long_day(day)}</h2>
                    <ul class="activity-list">
                        {indexes.into_iter().map(|index| view! { <ActivityLine plan index/> }).collect_view()}
                    </ul>
                </section>
            }).collect_view()}
            {move || {
                let left = plan.with(|p| p.activities.len()).saturating_sub(shown.get());
                (left > 0).then(|| view! {
                    <p class="list-more">
                        <button type="button" class="button secondary" on:click=move |_| shown.update(|n| *n += PAGE)>
                            {format!("Show {} more ({left} not shown)", left.min(PAGE))}
                        </button>
                    </p>
                })
            }}
            {move || plan.with(|p| p.viewer.organiser).then(|| view! { <NewActivity plan/> })}
        </div>
    }
}

#[component]
fn ActivityLine(plan: RwSignal<PlanView>, index: usize) -> impl IntoView {
    let (a, zone, location, project) = plan.with_untracked(|p| {
        let a = p.activities[index].clone();
        let location = a
            .location_id
            .as_deref()
            .and_then(|id| p.location(id))
            .map(|l| l.name.clone())
            .unwrap_or_else(|| "no location yet".to_owned());
        (a, p.zone.clone(), location, p.project.id.clone())
    });
    let needed: i32 = a.needs.iter().map(|n| n.count).sum();
    let accepted: i32 = a.needs.iter().map(|n| n.slots.accepted).sum();
    let done = a.tasks.iter().filter(|t| t.done).count();
    let tasks = a.tasks.len();
    let href = format!("/projects/{project}/activities/{}", a.id);
    view! {
        <li class="activity-line" data-testid="activity">
            <span class="activity-time">{format!("{}–{}", format::time(&zone, a.starts_at), format::time(&zone, a.ends_at()))}</span>
            <A href=href attr:class="activity-name">{a.name.clone()}</A>
            <span class="muted">{location}</span>
            {(needed > 0).then(|| view! { <span class="badge" data-testid="staffed">{format!("{accepted}/{needed} staffed")}</span> })}
            {(tasks > 0).then(|| view! { <span class="muted">{format!("{done}/{tasks} tasks done")}</span> })}
        </li>
    }
}

#[component]
fn NewActivity(plan: RwSignal<PlanView>) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let location = RwSignal::new(String::new());
    let starts = RwSignal::new(
        plan.with_untracked(|p| format!("{}T09:00", p.project.span.starts_on.format("%Y-%m-%d"))),
    );
    let duration = RwSignal::new("60".to_owned());
    let create = Action::new(move |input: &ActivityInput| {
        let (project, input) = (plan.with_untracked(|p| p.project.id.clone()), input.clone());
        async move { create_activity(project, input).await }
    });
    let reload = super::plan_page::reloader(plan);
    Effect::new(move |_| {
        if let Some(Ok(_)) = create.value().get() {
            name.set(String::new());
            reload();
        }
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        create.dispatch(ActivityInput {
            name: name.get_untracked(),
            location_id: Some(location.get_untracked()).filter(|l| !l.is_empty()),
            starts_local: starts.get_untracked(),
            duration_minutes: duration.get_untracked().trim().parse().unwrap_or(0),
        });
    };
    view! {
        <form class="new-activity" on:submit=submit novalidate=true aria-labelledby="new-activity-title">
            <h2 id="new-activity-title">"New activity"</h2>
            <ActivityFields plan draft=ActivityDraft { name, location, starts, duration } id_prefix="activity"
                refusal=Signal::derive(move || create.value().get().and_then(Result::err))/>
            {move || create.value().get().and_then(Result::err).filter(|e| !matches!(e, AppError::Invalid(_))).map(|e| view! {
                <p class="alert" role="alert">{e.to_string()}</p>
            })}
            <button type="submit" class="button" disabled=move || create.pending().get()>"Add the activity"</button>
        </form>
    }
}
