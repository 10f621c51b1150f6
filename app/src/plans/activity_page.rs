//! `/projects/{id}/activities/{activity}`: one activity: its details (saved against
//! the version they were loaded at; when someone saved first, their values are shown
//! next to these to keep either, field by field), its tasks, its summoning plan with
//! who is called, and the apps filled in there.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};
use muster_domain::plans::{
    activity::ActivityInput,
    views::{ActivityView, EditConflict, PlanView},
};

use super::{
    activity_fields::{ActivityDraft, ActivityFields},
    api::{
        load_activity_submissions, load_plan, update_activity, AddTask, CallPerson, FillOpenSlots,
        LinkApp, RemoveNeed, RemoveTask, SetNeed, SetTaskDone, WithdrawCallIn,
    },
    format,
    live::{follow_plan, PresenceLine},
    plan_page::reloader,
};
use crate::{accounts::pages::LoadError, error::AppError};

#[component]
pub fn ActivityPage() -> impl IntoView {
    let params = use_params_map();
    let project = move || params.with(|p| p.get("id").unwrap_or_default());
    let plan = Resource::new(project, load_plan);
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the activity…"</p> }>
            {move || plan.get().map(|result| match result {
                Err(error) => view! { <LoadError error/> }.into_any(),
                Ok(plan) => view! { <ActivityScreen initial=plan/> }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn ActivityScreen(initial: PlanView) -> impl IntoView {
    let params = use_params_map();
    let activity_id = Memo::new(move |_| params.with(|p| p.get("activity").unwrap_or_default()));
    let project_id = initial.project.id.clone();
    let plan = RwSignal::new(initial);
    let reload = reloader(plan);
    // While the details are being edited, the others see it.
    let editing = RwSignal::new(false);
    let editing_what = Signal::derive(move || editing.get().then(|| activity_id.get()));
    let presence = follow_plan(project_id.clone(), editing_what, reload.clone());
    let activity = Memo::new(move |_| plan.with(|p| p.activity(&activity_id.get()).cloned()));
    // Fixed at load, not a signal: see the plan page's title.
    let title = activity.with_untracked(|a| {
        a.as_ref()
            .map_or_else(|| "Activity".to_owned(), |a| a.name.clone())
    });
    let activity_name =
        Callback::new(move |id: String| plan.with(|p| p.activity(&id).map(|a| a.name.clone())));
    let back = format!("/projects/{project_id}");
    let organiser = plan.with_untracked(|p| p.viewer.organiser);
    let header = move || {
        activity.get().map(|current| {
            plan.with(|p| {
                let place = current
                    .location_id
                    .as_deref()
                    .and_then(|l| p.location(l))
                    .map(|l| format!(" · {}", l.name))
                    .unwrap_or_default();
                let when = format!(
                    "{} – {} ({}){place}",
                    format::day_and_time(&p.zone, current.starts_at),
                    format::time(&p.zone, current.ends_at()),
                    format::duration(current.duration_minutes)
                );
                view! {
                    <h1>{current.name.clone()}</h1>
                    <p class="muted" data-testid="activity-when">{when}</p>
                }
            })
        })
    };
    let reload_sections = reload.clone();
    let sections = move || {
        let reload = reload_sections.clone();
        activity.get().map(|current| {
            view! {
                <Tasks plan current=current.clone() reload=reload.clone()/>
                <Summoning plan current=current.clone() reload=reload.clone()/>
                <Apps plan current/>
            }
        })
    };
    view! {
        <Title text=title/>
        <section class="activity-page" data-testid="activity-page">
            <p><A href=back.clone()>{move || plan.with(|p| format!("← {}", p.project.name))}</A></p>
            {move || activity.with(Option::is_none).then(|| view! {
                <section class="message-page">
                    <h1>"This activity is gone"</h1>
                    <p>"It was deleted, or never existed."</p>
                </section>
            })}
            {header}
            <PresenceLine presence activity_name/>
            // Made once: what is being typed survives others' changes arriving meanwhile.
            {organiser.then(|| view! { <Details plan activity editing reload/> })}
            {sections}
        </section>
    }
}

/// What the form holds now, without subscribing.
fn values_untracked(
    name: RwSignal<String>,
    location: RwSignal<String>,
    starts: RwSignal<String>,
    duration: RwSignal<String>,
) -> Values {
    Values {
        name: name.get_untracked(),
        location: location.get_untracked(),
        starts: starts.get_untracked(),
        duration: duration.get_untracked(),
    }
}

/// The form's values.
#[derive(Clone, PartialEq)]
struct Values {
    name: String,
    location: String,
    starts: String,
    duration: String,
}

impl Values {
    fn of(plan: &PlanView, activity: &ActivityView) -> Self {
        Self {
            name: activity.name.clone(),
            location: activity.location_id.clone().unwrap_or_default(),
            starts: format::input_value(&plan.zone, activity.starts_at),
            duration: activity.duration_minutes.to_string(),
        }
    }

    fn input(&self) -> ActivityInput {
        ActivityInput {
            name: self.name.clone(),
            location_id: Some(self.location.clone()).filter(|l| !l.is_empty()),
            starts_local: self.starts.clone(),
            duration_minutes: self.duration.trim().parse().unwrap_or(0),
        }
    }
}

#[component]
fn Details(
    plan: RwSignal<PlanView>,
    activity: Memo<Option<ActivityView>>,
    editing: RwSignal<bool>,
    reload: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let current = activity.get_untracked();
    let first = current
        .as_ref()
        .map(|a| plan.with_untracked(|p| Values::of(p, a)));
    // What the form was last filled from: typing makes the form differ from it.
    let loaded = RwSignal::new(first.clone());
    let field =
        |pick: fn(&Values) -> String| RwSignal::new(first.as_ref().map(pick).unwrap_or_default());
    let name = field(|v| v.name.clone());
    let location = field(|v| v.location.clone());
    let starts = field(|v| v.starts.clone());
    let duration = field(|v| v.duration.clone());
    let base = RwSignal::new(current.as_ref().map_or(0, |a| a.version));
    let conflict = RwSignal::new(None::<EditConflict>);
    let activity_id = current.map(|a| a.id).unwrap_or_default();
    let values = move || Values {
        name: name.get(),
        location: location.get(),
        starts: starts.get(),
        duration: duration.get(),
    };
    Effect::new(move |_| editing.set(Some(values()) != loaded.get()));
    // Someone else's change is shown in the form, unless something is being typed
    // there: then saving meets their version and both are shown.
    Effect::new(move |_| {
        let Some(fresh) = activity.get() else { return };
        let untouched =
            Some(values_untracked(name, location, starts, duration)) == loaded.get_untracked();
        if !untouched {
            return;
        }
        let fresh_values = plan.with_untracked(|p| Values::of(p, &fresh));
        name.set(fresh_values.name.clone());
        location.set(fresh_values.location.clone());
        starts.set(fresh_values.starts.clone());
        duration.set(fresh_values.duration.clone());
        loaded.set(Some(fresh_values));
        base.set(fresh.version);
    });
    let save = Action::new(move |(input, base): &(ActivityInput, i32)| {
        let (project, activity, input, base) = (
            plan.with_untracked(|p| p.project.id.clone()),
            activity_id.clone(),
            input.clone(),
            *base,
        );
        async move { update_activity(project, activity, input, base).await }
    });
    Effect::new(move |_| match save.value().get() {
        Some(Ok(saved)) => {
            conflict.set(None);
            loaded.set(Some(plan.with_untracked(|p| Values::of(p, &saved))));
            base.set(saved.version);
            reload();
        }
        Some(Err(AppError::ActivityChanged(theirs))) => conflict.set(Some(*theirs)),
        _ => {}
    });
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let values = Values {
            name: name.get_untracked(),
            location: location.get_untracked(),
            starts: starts.get_untracked(),
            duration: duration.get_untracked(),
        };
        save.dispatch((values.input(), base.get_untracked()));
    };
    // Keeping theirs for a field puts their value in the form; the next save is based on
    // their version, so it overwrites only what is left as mine.
    let take_theirs = move |field: &'static str| {
        let Some(theirs) = conflict.get_untracked() else {
            return;
        };
        let values = plan.with_untracked(|p| Values::of(p, &theirs.current));
        match field {
            "name" => name.set(values.name),
            "location" => location.set(values.location),
            "starts" => starts.set(values.starts),
            _ => duration.set(values.duration),
        }
    };
    let resolve = move |_| {
        if let Some(theirs) = conflict.get_untracked() {
            base.set(theirs.current.version);
            conflict.set(None);
        }
    };
    view! {
        <form class="activity-details" on:submit=submit novalidate=true aria-labelledby="details-title">
            <h2 id="details-title">"Details"</h2>
            <ActivityFields plan draft=ActivityDraft { name, location, starts, duration } id_prefix="detail"
                refusal=Signal::derive(move || save.value().get().and_then(Result::err))/>
            {move || conflict.get().map(|theirs| {
                let values = plan.with(|p| Values::of(p, &theirs.current));
                let location_name = |id: &str| plan.with(|p| p.location(id).map(|l| l.name.clone()).unwrap_or_else(|| "none".to_owned()));
                let by = theirs.saved_by.clone().unwrap_or_else(|| "Someone".to_owned());
                let rows = [
                    ("name", "Name", values.name.clone(), name.get()),
                    ("location", "Location", location_name(&values.location), location_name(&location.get())),
                    ("starts", "Starts", values.starts.replace('T', " "), starts.get().replace('T', " ")),
                    ("duration", "Duration (minutes)", values.duration.clone(), duration.get()),
                ];
                view! {
                    <div class="conflict" role="alert" data-testid="conflict">
                        <p><strong>{format!("{by} saved this activity while you were editing it.")}</strong>
                           " For each value, keep theirs or yours, then save."</p>
                        <table class="data-table">
                            <thead><tr><th></th><th>"Theirs"</th><th>"Yours"</th><th></th></tr></thead>
                            <tbody>
                                {rows.into_iter().map(|(field, label, theirs, mine)| {
                                    let differs = theirs != mine;
                                    view! {
                                        <tr class:differs=differs data-testid=format!("conflict-{field}")>
                                            <th scope="row">{label}</th>
                                            <td class="theirs">{theirs}</td>
                                            <td class="mine">{mine}</td>
                                            <td>{differs.then(|| view! {
                                                <button type="button" class="button secondary" on:click=move |_| take_theirs(field)>"Keep theirs"</button>
                                            })}</td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                        <button type="button" class="button" on:click=resolve>"Save what is in the form over theirs"</button>
                    </div>
                }
            })}
            {move || save.value().get().and_then(Result::err).filter(|e| !matches!(e, AppError::Invalid(_) | AppError::ActivityChanged(_))).map(|e| view! {
                <p class="alert" role="alert">{e.to_string()}</p>
            })}
            <button type="submit" class="button" disabled=move || save.pending().get() || conflict.with(Option::is_some)>"Save"</button>
        </form>
    }
}

#[component]
fn Tasks(
    plan: RwSignal<PlanView>,
    current: ActivityView,
    reload: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let add = ServerAction::<AddTask>::new();
    let done = ServerAction::<SetTaskDone>::new();
    let remove = ServerAction::<RemoveTask>::new();
    Effect::new(move |_| {
        if add.version().get() + done.version().get() + remove.version().get() > 0 {
            reload();
        }
    });
    let (project, organiser) = plan.with_untracked(|p| (p.project.id.clone(), p.viewer.organiser));
    let activity = current.id.clone();
    view! {
        <section class="activity-tasks" aria-labelledby="tasks-title">
            <h2 id="tasks-title">"Tasks"</h2>
            {current.tasks.is_empty().then(|| view! { <p class="muted">"No tasks."</p> })}
            <ul class="task-list">
                {current.tasks.iter().map(|task| {
                    let (project, id) = (project.clone(), task.id.clone());
                    let toggle = {
                        let (project, id, was) = (project.clone(), id.clone(), task.done);
                        move |_| { done.dispatch(SetTaskDone { project_id: project.clone(), task_id: id.clone(), done: !was }); }
                    };
                    view! {
                        <li data-testid="task">
                            <label>
                                <input type="checkbox" checked=task.done on:change=toggle/>
                                " " {task.title.clone()}
                            </label>
                            {organiser.then(|| view! {
                                <ActionForm action=remove attr:class="inline-form">
                                    <input type="hidden" name="project_id" value=project.clone()/>
                                    <input type="hidden" name="task_id" value=id.clone()/>
                                    <button type="submit" class="link-button">"Remove"</button>
                                </ActionForm>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {organiser.then(|| view! {
                <ActionForm action=add attr:class="inline-form">
                    <input type="hidden" name="project_id" value=project.clone()/>
                    <input type="hidden" name="activity_id" value=activity.clone()/>
                    <label for="new-task">"New task"</label>
                    <input id="new-task" name="title"/>
                    <button type="submit" class="button secondary">"Add"</button>
                </ActionForm>
                {move || add.value().get().and_then(Result::err).map(|e| view! {
                    <p class="field-error">{e.field("title").unwrap_or_else(|| e.to_string())}</p>
                })}
            })}
        </section>
    }
}

#[component]
fn Summoning(
    plan: RwSignal<PlanView>,
    current: ActivityView,
    reload: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let set = ServerAction::<SetNeed>::new();
    let remove = ServerAction::<RemoveNeed>::new();
    let call = ServerAction::<CallPerson>::new();
    let fill = ServerAction::<FillOpenSlots>::new();
    let withdraw = ServerAction::<WithdrawCallIn>::new();
    Effect::new(move |_| {
        if set.version().get()
            + remove.version().get()
            + call.version().get()
            + fill.version().get()
            + withdraw.version().get()
            > 0
        {
            reload();
        }
    });
    let set_error = move |field: &'static str| {
        move || {
            set.value()
                .get()
                .and_then(Result::err)
                .and_then(|e| e.field(field))
        }
    };
    let other_error = move || {
        [
            set.value()
                .get()
                .and_then(Result::err)
                .filter(|e| !matches!(e, AppError::Invalid(_))),
            remove.value().get().and_then(Result::err),
            call.value()
                .get()
                .and_then(Result::err)
                .map(|e| match e.field("user_id") {
                    Some(message) => AppError::Forbidden(message),
                    None => e,
                }),
            fill.value().get().and_then(Result::err),
            withdraw.value().get().and_then(Result::err),
        ]
        .into_iter()
        .flatten()
        .next()
        .map(|e| view! { <p class="alert" role="alert">{e.to_string()}</p> })
    };
    let snapshot = plan.get_untracked();
    let (project, organiser) = (snapshot.project.id.clone(), snapshot.viewer.organiser);
    let zone = snapshot.zone.clone();
    let activity = current.id.clone();
    let version = current.version;
    let lines = current.needs.iter().map(|need| {
        let role_name = snapshot.role(&need.role_id).map_or_else(|| "?".to_owned(), |r| r.name.clone());
        let called: Vec<_> = current.call_ins.iter().filter(|c| c.need_id == need.id).cloned().collect();
        let holders: Vec<(String, String)> = snapshot
            .rosters
            .iter()
            .find(|r| r.role_id == need.role_id)
            .map(|r| r.user_ids.iter().filter_map(|u| snapshot.member(u).map(|m| (u.clone(), m.name.clone()))).collect())
            .unwrap_or_default();
        let summon = format::day_and_time(&zone, muster_domain::plans::activity::summon_at(current.starts_at, need.call_in_minutes));
        let (project, need_id) = (project.clone(), need.id.clone());
        view! {
            <li class="need" data-testid="need">
                <p>
                    <strong>{format!("{} × {role_name}", need.count)}</strong>
                    {format!(", called in {} before (at {summon}) · {} accepted, {} waiting, {} open",
                        format::duration(need.call_in_minutes), need.slots.accepted, need.slots.pending, need.slots.open())}
                </p>
                <ul class="call-ins">
                    {called.into_iter().map(|c| {
                        let who = snapshot.member(&c.user_id).map_or_else(|| "someone who left".to_owned(), |m| m.name.clone());
                        let live = c.state.holds_slot();
                        let (project, id) = (project.clone(), c.id.clone());
                        view! {
                            <li data-testid="call-in" data-state=c.state.as_str()>
                                {format!("{who}: {}", c.state.label())}
                                {(organiser && live).then(|| view! {
                                    <ActionForm action=withdraw attr:class="inline-form">
                                        <input type="hidden" name="project_id" value=project/>
                                        <input type="hidden" name="call_in_id" value=id/>
                                        <button type="submit" class="link-button">"Withdraw"</button>
                                    </ActionForm>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {organiser.then(|| {
                    let (project_b, need_b, activity_b) = (project.clone(), need_id.clone(), current.id.clone());
                    let select = format!("call-{need_id}");
                    view! {
                        <ActionForm action=call attr:class="inline-form">
                            <input type="hidden" name="project_id" value=project/>
                            <input type="hidden" name="need_id" value=need_id/>
                            <label for=select.clone()>"Call"</label>
                            <select id=select name="user_id">
                                {holders.into_iter().map(|(id, name)| view! { <option value=id>{name}</option> }).collect_view()}
                            </select>
                            <button type="submit" class="button secondary">"Call in"</button>
                        </ActionForm>
                        <ActionForm action=remove attr:class="inline-form">
                            <input type="hidden" name="project_id" value=project_b/>
                            <input type="hidden" name="activity_id" value=activity_b/>
                            <input type="hidden" name="need_id" value=need_b/>
                            <input type="hidden" name="base_version" value=version.to_string()/>
                            <button type="submit" class="link-button">"Remove this line"</button>
                        </ActionForm>
                    }
                })}
            </li>
        }
    }).collect_view();
    let role_options = snapshot
        .roles
        .iter()
        .map(|r| view! { <option value=r.id.clone()>{r.name.clone()}</option> })
        .collect_view();
    view! {
        <section class="activity-summoning" aria-labelledby="summoning-title">
            <h2 id="summoning-title">"Summoning plan"</h2>
            {current.needs.is_empty().then(|| view! { <p class="muted">"No roles needed yet."</p> })}
            <ul class="need-list">{lines}</ul>
            {other_error}
            {organiser.then(|| {
                let (project_b, activity_b) = (project.clone(), activity.clone());
                let has_needs = !current.needs.is_empty();
                view! {
                {has_needs.then(|| view! {
                    <ActionForm action=fill attr:class="inline-form">
                        <input type="hidden" name="project_id" value=project_b/>
                        <input type="hidden" name="activity_id" value=activity_b/>
                        <button type="submit" class="button">"Fill open slots from the roles' order"</button>
                    </ActionForm>
                })}
                <ActionForm action=set attr:class="need-form">
                    <h3>"Need a role"</h3>
                    <input type="hidden" name="project_id" value=project/>
                    <input type="hidden" name="activity_id" value=activity/>
                    <input type="hidden" name="base_version" value=version.to_string()/>
                    <div class="field">
                        <label for="need-role">"Role"</label>
                        <select id="need-role" name="role_id">{role_options}</select>
                        <p class="field-error">{set_error("role_id")}</p>
                    </div>
                    <div class="field">
                        <label for="need-count">"How many people"</label>
                        <input id="need-count" name="count" type="number" inputmode="numeric" value="1"/>
                        <p class="field-error" data-testid="error-count">{set_error("count")}</p>
                    </div>
                    <div class="field">
                        <label for="need-minutes">"Call in this many minutes before the start"</label>
                        <input id="need-minutes" name="call_in_minutes" type="number" inputmode="numeric" value="60"/>
                        <p class="field-error" data-testid="error-call_in_minutes">{set_error("call_in_minutes")}</p>
                    </div>
                    <button type="submit" class="button secondary">"Save this line"</button>
                </ActionForm>
                }
            })}
        </section>
    }
}

#[component]
fn Apps(plan: RwSignal<PlanView>, current: ActivityView) -> impl IntoView {
    let (project, organiser) = plan.with_untracked(|p| (p.project.id.clone(), p.viewer.organiser));
    let activity = current.id.clone();
    let link = ServerAction::<LinkApp>::new();
    let reload = reloader(plan);
    Effect::new(move |_| {
        if link.version().get() > 0 {
            reload();
        }
    });
    let (project_q, activity_q) = (project.clone(), activity.clone());
    let made = Resource::new(
        move || link.version().get(),
        move |_| load_activity_submissions(project_q.clone(), activity_q.clone()),
    );
    let linked: Vec<String> = current.apps.iter().map(|a| a.app_id.clone()).collect();
    let choices = Resource::new(|| (), |_| crate::builder::api::load_apps());
    let apps = current.apps.clone().into_iter().map(|app| {
        let (project, activity, id) = (project.clone(), activity.clone(), app.app_id.clone());
        view! {
            <li data-testid="linked-app">
                <A href=format!("/run/{}?activity={}", app.app_id, activity)>{app.name.clone()}</A>
                {organiser.then(|| view! {
                    <ActionForm action=link attr:class="inline-form">
                        <input type="hidden" name="project_id" value=project/>
                        <input type="hidden" name="activity_id" value=activity/>
                        <input type="hidden" name="app_id" value=id/>
                        <input type="hidden" name="linked" value="false"/>
                        <button type="submit" class="link-button">"No longer needed here"</button>
                    </ActionForm>
                })}
            </li>
        }
    }).collect_view();
    view! {
        <section class="activity-apps" aria-labelledby="apps-title">
            <h2 id="apps-title">"Apps to fill in here"</h2>
            {current.apps.is_empty().then(|| view! { <p class="muted">"None."</p> })}
            <ul>{apps}</ul>
            {organiser.then(|| view! {
                <ActionForm action=link attr:class="inline-form">
                    <input type="hidden" name="project_id" value=project.clone()/>
                    <input type="hidden" name="activity_id" value=activity.clone()/>
                    <input type="hidden" name="linked" value="true"/>
                    <label for="link-app">"Ask for"</label>
                    <select id="link-app" name="app_id">
                        <Transition fallback=|| ()>
                            {move || choices.get().and_then(Result::ok).map(|apps| apps.into_iter()
                                .filter(|a| a.latest_version.is_some() && !linked.contains(&a.id))
                                .map(|a| view! { <option value=a.id>{a.name}</option> })
                                .collect_view())}
                        </Transition>
                    </select>
                    <button type="submit" class="button secondary">"Add the app"</button>
                </ActionForm>
            })}
            {move || link.value().get().and_then(Result::err).map(|e| view! { <p class="alert" role="alert">{e.field("app_id").unwrap_or_else(|| e.to_string())}</p> })}
            <h3>"Submitted here"</h3>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || made.get().map(|result| match result {
                    Err(error) => view! { <p class="alert">{error.to_string()}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="muted">"Nothing yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul data-testid="activity-submissions">
                            {list.into_iter().map(|s| view! {
                                <li>
                                    <A href=format!("/apps/{}/submissions/{}", s.app_id, s.id)>{s.app_name}</A>
                                    {format!(" · {} · {} · {}", s.submitted_by.unwrap_or_else(|| "someone".to_owned()), s.received_at.format("%Y-%m-%d %H:%M UTC"), s.status)}
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}
