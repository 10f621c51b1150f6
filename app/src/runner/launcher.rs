//! `/run`: the published apps the signed-in user may fill in.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use super::api::load_runnable_apps;
use crate::accounts::pages::LoadError;

#[component]
pub fn LauncherPage() -> impl IntoView {
    let apps = Resource::new(|| (), |_| load_runnable_apps());
    let due = Resource::new(|| (), |_| crate::plans::api::load_due_apps());
    view! {
        <Title text="Fill in"/>
        <section aria-labelledby="launcher-title" class="launcher">
            <h1 id="launcher-title">"Fill in"</h1>
            <Suspense fallback=|| ()>
                {move || due.get().and_then(Result::ok).filter(|d| !d.is_empty()).map(|due| view! {
                    <section class="due-now" data-testid="due-now" aria-labelledby="due-title">
                        <h2 id="due-title">"Due at your activity"</h2>
                        {due.into_iter().map(|at| {
                            let activity = at.activity_id.clone();
                            view! {
                                <p><strong>{at.activity_name.clone()}</strong>{format!(" · {} · {}", at.project_name, at.starts_local)}</p>
                                <ul class="launcher-list">
                                    {at.apps.into_iter().map(|app| view! {
                                        <li>
                                            <A href=format!("/run/{}?activity={}", app.app_id, activity) attr:class="launcher-app">
                                                <span class="launcher-name">{app.name}</span>
                                            </A>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }
                        }).collect_view()}
                    </section>
                })}
            </Suspense>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || apps.get().map(|result| match result {
                    Err(error) => view! { <LoadError error/> }.into_any(),
                    Ok(list) if list.is_empty() => view! {
                        <p class="muted">"No app is published in this organisation yet."</p>
                    }.into_any(),
                    Ok(list) => view! {
                        <ul class="launcher-list" data-testid="runnable-apps">
                            {list.into_iter().map(|app| view! {
                                <li>
                                    <A href=format!("/run/{}", app.id) attr:class="launcher-app">
                                        <span class="launcher-name">{app.name}</span>
                                        <span class="muted">{format!("version {}", app.version)}</span>
                                    </A>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                })}
            </Suspense>
        </section>
    }
}
