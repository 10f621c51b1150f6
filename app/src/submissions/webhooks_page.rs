//! `/apps/{app}/webhooks`: endpoints that hear about the app's submissions — signed
//! (Standard Webhooks), retried, switched off after failing again and again — with the
//! log of each one's deliveries and a test event to check a receiver.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};
use muster_domain::webhooks::{EndpointView, SUBMISSION_EVENTS};

use super::api::{
    add_webhook, load_webhooks, remove_webhook, send_test_webhook, set_webhook_enabled,
};
use crate::accounts::pages::LoadError;

#[component]
pub fn WebhooksPage() -> impl IntoView {
    let params = use_params_map();
    let app_id = move || params.with(|p| p.get("id").unwrap_or_default());
    let changed = RwSignal::new(0u32);
    let endpoints = Resource::new(
        move || (app_id(), changed.get()),
        |(app, _)| load_webhooks(app),
    );
    let reload = Callback::new(move |()| changed.update(|n| *n += 1));
    view! {
        <Title text="Webhooks"/>
        <section aria-labelledby="webhooks-title">
            <h1 id="webhooks-title">"Webhooks"</h1>
            <p><A href=move || format!("/apps/{}/submissions", app_id())>"Back to the submissions"</A></p>
            <p>"Muster posts each event as JSON to your URL, signed as Standard Webhooks says ("
               <code>"webhook-id"</code>", "<code>"webhook-timestamp"</code>", "<code>"webhook-signature"</code>
               "). A delivery that fails is tried again, waiting longer each time; an endpoint that keeps failing is switched off."</p>
            <AddEndpoint app=Signal::derive(app_id) on_added=reload/>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || endpoints.get().map(|result| match result {
                    Err(error) => view! { <LoadError error/> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No endpoints yet."</p> }.into_any(),
                    Ok(list) => list.into_iter().map(|endpoint| view! {
                        <Endpoint app=app_id() endpoint on_changed=reload/>
                    }).collect_view().into_any(),
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn AddEndpoint(app: Signal<String>, on_added: Callback<()>) -> impl IntoView {
    let url = RwSignal::new(String::new());
    let events = RwSignal::new(vec![SUBMISSION_EVENTS[0].0.to_owned()]);
    let add = Action::new(move |(url, events): &(String, Vec<String>)| {
        let (app, url, events) = (app.get_untracked(), url.clone(), events.clone());
        async move { add_webhook(app, url, events).await }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = add.value().get() {
            url.set(String::new());
            on_added.run(());
        }
    });
    view! {
        <form class="webhook-form" on:submit=move |event| {
            event.prevent_default();
            add.dispatch((url.get_untracked(), events.get_untracked()));
        }>
            <label>"URL " <input type="url" aria-label="Endpoint URL" placeholder="https://example.org/hooks/muster"
                prop:value=move || url.get() on:input=move |e| url.set(event_target_value(&e))/></label>
            <fieldset>
                <legend>"Events"</legend>
                {SUBMISSION_EVENTS.into_iter().map(|(name, label)| view! {
                    <label class="choice">
                        <input type="checkbox" value=name prop:checked=move || events.with(|e| e.iter().any(|x| x == name))
                            on:change=move |e| {
                                let on = event_target_checked(&e);
                                events.update(|list| {
                                    list.retain(|x| x != name);
                                    if on { list.push(name.to_owned()); }
                                });
                            }/>
                        {label}
                    </label>
                }).collect_view()}
            </fieldset>
            <button type="submit" disabled=move || add.pending().get()>"Add the endpoint"</button>
            {move || add.value().get().map(|result| match result {
                Ok(made) => view! {
                    <p role="status">"Its signing secret — give it to the receiver now, it will not be shown again: "
                        <code data-testid="webhook-secret">{made.secret}</code></p>
                }.into_any(),
                Err(error) => view! {
                    <p class="field-error" role="alert">{error.field("url").or_else(|| error.field("events")).unwrap_or_else(|| error.to_string())}</p>
                }.into_any(),
            })}
        </form>
    }
}

#[component]
fn Endpoint(app: String, endpoint: EndpointView, on_changed: Callback<()>) -> impl IntoView {
    let id = endpoint.id.clone();
    let act = {
        let (app, id) = (app.clone(), id.clone());
        Action::new(move |what: &&'static str| {
            let (app, id, what) = (app.clone(), id.clone(), *what);
            async move {
                match what {
                    "test" => send_test_webhook(app, id).await,
                    "on" => set_webhook_enabled(app, id, true).await,
                    "off" => set_webhook_enabled(app, id, false).await,
                    _ => remove_webhook(app, id).await,
                }
            }
        })
    };
    Effect::new(move |_| {
        if let Some(Ok(())) = act.value().get() {
            on_changed.run(());
        }
    });
    let when = |at: chrono::DateTime<chrono::Utc>| at.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    view! {
        <article class="webhook" data-testid="webhook" data-enabled=endpoint.enabled.to_string()>
            <h2><code>{endpoint.url.clone()}</code></h2>
            <p>{endpoint.events.join(", ")}</p>
            {endpoint.disabled_reason.clone().map(|reason| view! { <p class="notice" role="status" data-testid="webhook-off">{reason}</p> })}
            <p class="webhook-actions">
                <button type="button" on:click=move |_| { act.dispatch("test"); }>"Send a test event"</button>
                {if endpoint.enabled {
                    view! { <button type="button" on:click=move |_| { act.dispatch("off"); }>"Switch off"</button> }.into_any()
                } else {
                    view! { <button type="button" on:click=move |_| { act.dispatch("on"); }>"Switch on"</button> }.into_any()
                }}
                <button type="button" class="link-button danger" on:click=move |_| { act.dispatch("remove"); }>"Remove"</button>
                <button type="button" class="link-button" on:click=move |_| on_changed.run(())>"Refresh the log"</button>
            </p>
            {move || act.value().get().and_then(Result::err).map(|error| view! { <p class="field-error" role="alert">{error.to_string()}</p> })}
            <table class="data-table" data-testid="deliveries">
                <thead><tr><th>"Sent"</th><th>"Event"</th><th>"Status"</th><th>"Answer"</th><th>"Took"</th><th>"Next try"</th></tr></thead>
                <tbody>
                    {endpoint.deliveries.into_iter().map(|d| view! {
                        <tr data-testid="delivery" data-status=d.status.clone()>
                            <td>{when(d.created_at)}</td>
                            <td>{d.event}</td>
                            <td>{format!("{} ({} attempt{})", d.status, d.attempts, if d.attempts == 1 { "" } else { "s" })}</td>
                            <td>{d.response_code.map(|c| c.to_string()).or(d.error).unwrap_or_default()}</td>
                            <td>{d.duration_ms.map(|ms| format!("{ms} ms")).unwrap_or_default()}</td>
                            <td>{d.next_attempt_at.map(when).unwrap_or_default()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </article>
    }
}
