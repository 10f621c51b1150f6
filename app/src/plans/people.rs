//! Who takes part in the project, the roles each holds here, and per role the order in
//! which open slots are offered (moved up and down with buttons: keyboard and touch
//! alike).

use leptos::prelude::*;
use muster_domain::plans::views::PlanView;

use super::{
    api::{load_people, order_role, set_member_roles, AddProjectMember, RemoveProjectMember},
    plan_page::reloader,
};
use crate::error::AppError;

#[component]
pub fn PeopleView(plan: RwSignal<PlanView>) -> impl IntoView {
    let reload = reloader(plan);
    let add = ServerAction::<AddProjectMember>::new();
    let remove = ServerAction::<RemoveProjectMember>::new();
    let trouble = RwSignal::new(None::<AppError>);
    let after = reload.clone();
    Effect::new(move |_| {
        if add.version().get() + remove.version().get() > 0 {
            after();
        }
    });
    let people = Resource::new(|| (), |_| load_people());
    let organiser = move || plan.with(|p| p.viewer.organiser);
    let project = move || plan.with(|p| p.project.id.clone());

    let toggle_role = {
        let reload = reload.clone();
        move |user: String, role: String, holds: bool| {
            let (project, mut roles) = plan.with_untracked(|p| {
                (
                    p.project.id.clone(),
                    p.member(&user).map(|m| m.roles.clone()).unwrap_or_default(),
                )
            });
            if holds {
                roles.retain(|r| *r != role);
            } else {
                roles.push(role);
            }
            let reload = reload.clone();
            leptos::task::spawn_local(async move {
                trouble.set(set_member_roles(project, user, roles).await.err());
                reload();
            });
        }
    };
    let move_in_order = {
        let reload = reload.clone();
        move |role: String, index: usize, up: bool| {
            let (project, mut users) = plan.with_untracked(|p| {
                (
                    p.project.id.clone(),
                    p.rosters
                        .iter()
                        .find(|r| r.role_id == role)
                        .map(|r| r.user_ids.clone())
                        .unwrap_or_default(),
                )
            });
            let other = if up {
                index.checked_sub(1)
            } else {
                Some(index + 1).filter(|i| *i < users.len())
            };
            let Some(other) = other else { return };
            users.swap(index, other);
            let reload = reload.clone();
            leptos::task::spawn_local(async move {
                trouble.set(order_role(project, role, users).await.err());
                reload();
            });
        }
    };

    let members = move || {
        let toggle_role = toggle_role.clone();
        plan.with(|p| {
            p.members
                .iter()
                .map(|m| {
                    let roles = p
                        .roles
                        .iter()
                        .map(|r| {
                            let holds = m.roles.contains(&r.id);
                            let (user, role) = (m.user_id.clone(), r.id.clone());
                            let toggle_role = toggle_role.clone();
                            view! {
                                <label class="role-choice">
                                    <input type="checkbox" checked=holds disabled=!p.viewer.organiser
                                        on:change=move |_| toggle_role(user.clone(), role.clone(), holds)/>
                                    " " {r.name.clone()}
                                </label>
                            }
                        })
                        .collect_view();
                    let user = m.user_id.clone();
                    let project = p.project.id.clone();
                    view! {
                        <li class="member" data-testid="project-member">
                            <strong>{m.name.clone()}</strong>
                            {m.organiser.then(|| view! { " " <span class="badge">"organiser"</span> })}
                            <div class="member-roles">{roles}</div>
                            {p.viewer.organiser.then(|| view! {
                                <ActionForm action=remove attr:class="inline-form">
                                    <input type="hidden" name="project_id" value=project/>
                                    <input type="hidden" name="user_id" value=user/>
                                    <button type="submit" class="link-button">"Remove from the project"</button>
                                </ActionForm>
                            })}
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let rosters = move || {
        let move_in_order = move_in_order.clone();
        plan.with(|p| {
            p.rosters
                .iter()
                .map(|roster| {
                    let name = p.role(&roster.role_id).map_or_else(|| "?".to_owned(), |r| r.name.clone());
                    let count = roster.user_ids.len();
                    let items = roster
                        .user_ids
                        .iter()
                        .enumerate()
                        .map(|(index, user)| {
                            let who = p.member(user).map_or_else(|| "?".to_owned(), |m| m.name.clone());
                            let (up, down) = (move_in_order.clone(), move_in_order.clone());
                            let (role_up, role_down) = (roster.role_id.clone(), roster.role_id.clone());
                            view! {
                                <li data-testid="roster-entry">
                                    {format!("{}. {who}", index + 1)}
                                    {p.viewer.organiser.then(|| view! {
                                        <button type="button" class="link-button" disabled=index == 0
                                            aria-label=format!("Move {who} up") on:click=move |_| up(role_up.clone(), index, true)>"↑"</button>
                                        <button type="button" class="link-button" disabled=index + 1 == count
                                            aria-label=format!("Move {who} down") on:click=move |_| down(role_down.clone(), index, false)>"↓"</button>
                                    })}
                                </li>
                            }
                        })
                        .collect_view();
                    view! {
                        <section class="roster" data-testid="roster">
                            <h3>{name}</h3>
                            <ol>{items}</ol>
                        </section>
                    }
                })
                .collect_view()
        })
    };
    view! {
        <div class="people" data-testid="people">
            <h2>"Members"</h2>
            <ul class="member-list">{members}</ul>
            {move || trouble.get().map(|e| view! { <p class="alert" role="alert">{e.to_string()}</p> })}
            {move || add.value().get().and_then(Result::err).map(|e| view! {
                <p class="alert" role="alert">{e.field("user_id").or_else(|| e.field("organiser")).unwrap_or_else(|| e.to_string())}</p>
            })}
            {move || remove.value().get().and_then(Result::err).map(|e| view! {
                <p class="alert" role="alert">{e.field("user_id").unwrap_or_else(|| e.to_string())}</p>
            })}
            {move || organiser().then(|| view! {
                <ActionForm action=add attr:class="inline-form">
                    <input type="hidden" name="project_id" value=project()/>
                    <label for="add-member">"Add"</label>
                    <select id="add-member" name="user_id">
                        <Transition fallback=|| ()>
                            {move || people.get().and_then(Result::ok).map(|people| people.into_iter().map(|person| view! {
                                <option value=person.user_id>{person.name}</option>
                            }).collect_view())}
                        </Transition>
                    </select>
                    <label><input type="checkbox" name="organiser" value="true"/>" as an organiser"</label>
                    <button type="submit" class="button secondary">"Add to the project"</button>
                </ActionForm>
            })}
            <h2>"Order of call-ins per role"</h2>
            <p class="muted">"A declined or unanswered slot is offered to the next free person in this order."</p>
            {rosters}
        </div>
    }
}
