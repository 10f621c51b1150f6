use leptos::prelude::*;
use leptos_meta::Title;

use super::LoadError;
use crate::accounts::api::load_audit_log;

#[component]
pub fn AuditPage() -> impl IntoView {
    let events = Resource::new(|| (), |_| load_audit_log());
    view! {
        <Title text="Audit log"/>
        <section aria-labelledby="audit-title">
            <h1 id="audit-title">"Audit log"</h1>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || events.get().map(|result| match result {
                    Err(error) => view! { <LoadError error/> }.into_any(),
                    Ok(events) => view! {
                        <p class="muted">"The 200 most recent events of this account, newest first."</p>
                        <table class="data-table" data-testid="audit-log">
                            <thead><tr><th>"When (UTC)"</th><th>"Who"</th><th>"What"</th><th>"Concerning"</th><th>"Details"</th><th>"From"</th></tr></thead>
                            <tbody>
                                {events.into_iter().map(|event| {
                                    let action = event.action.clone();
                                    view! {
                                    <tr data-testid="audit-event" data-action=action>
                                        <td>{event.occurred_at.format("%Y-%m-%d %H:%M:%S").to_string()}</td>
                                        <td>{event.actor}</td>
                                        <td>{event.action}</td>
                                        <td>{event.subject}</td>
                                        <td>{event.detail}</td>
                                        <td>{event.client_ip}</td>
                                    </tr>
                                }}).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}
