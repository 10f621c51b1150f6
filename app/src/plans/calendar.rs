//! The plan as a calendar: a week (seven columns of days) or a month (a grid of weeks),
//! in the project's zone, stepping back and forth from the project's first day.

use chrono::{Datelike, Duration, NaiveDate};
use leptos::prelude::*;
use leptos_router::components::A;
use muster_domain::plans::views::PlanView;

use super::format;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Span {
    Week,
    Month,
}

/// The Monday on or before `day`.
fn monday(day: NaiveDate) -> NaiveDate {
    day - Duration::days(i64::from(day.weekday().num_days_from_monday()))
}

#[component]
pub fn CalendarView(plan: RwSignal<PlanView>) -> impl IntoView {
    let span = RwSignal::new(Span::Week);
    let anchor = RwSignal::new(plan.with_untracked(|p| p.project.span.starts_on));
    let step = move |forward: bool| {
        let days = match span.get_untracked() {
            Span::Week => 7,
            Span::Month => 28,
        };
        anchor.update(|a| *a += Duration::days(if forward { days } else { -days }));
    };
    let days = move || {
        let first = match span.get() {
            Span::Week => monday(anchor.get()),
            Span::Month => monday(anchor.get().with_day(1).unwrap_or(anchor.get())),
        };
        let count = match span.get() {
            Span::Week => 7,
            Span::Month => 42,
        };
        (0..count)
            .map(|n| first + Duration::days(n))
            .collect::<Vec<_>>()
    };
    let cells = move || {
        plan.with(|p| {
            days()
                .into_iter()
                .map(|day| {
                    let items = p
                        .activities
                        .iter()
                        .filter(|a| format::day(&p.zone, a.starts_at) == day)
                        .map(|a| {
                            let href = format!("/projects/{}/activities/{}", p.project.id, a.id);
                            view! { <li><A href=href>{format!("{} {}", format::time(&p.zone, a.starts_at), a.name)}</A></li> }
                        })
                        .collect_view();
                    let outside = day < p.project.span.starts_on || day > p.project.span.ends_on;
                    view! {
                        <div class="calendar-day" class:outside=outside data-testid="calendar-day" data-day=day.format("%Y-%m-%d").to_string()>
                            <p class="calendar-date">{day.format("%a %d %b").to_string()}</p>
                            <ul>{items}</ul>
                        </div>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <div class="calendar" data-testid="calendar">
            <div class="calendar-controls">
                <button type="button" class="button secondary" on:click=move |_| step(false)>"Earlier"</button>
                <button type="button" class="button secondary" on:click=move |_| step(true)>"Later"</button>
                <button type="button" class="button secondary" aria-pressed=move || (span.get() == Span::Week).to_string() on:click=move |_| span.set(Span::Week)>"Week"</button>
                <button type="button" class="button secondary" aria-pressed=move || (span.get() == Span::Month).to_string() on:click=move |_| span.set(Span::Month)>"Month"</button>
            </div>
            <div class="calendar-grid" class:month=move || span.get() == Span::Month>{cells}</div>
        </div>
    }
}
