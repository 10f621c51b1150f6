//! `/apps`: the account's apps, and a new one.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_navigate};

use super::api::{load_apps, CreateApp};
use crate::accounts::{
    form::{Field, FormAlert, Outcome},
    pages::LoadError,
};

#[component]
pub fn AppsPage() -> impl IntoView {
    let create = ServerAction::<CreateApp>::new();
    let apps = Resource::new(move || create.version().get(), |_| load_apps());
    let outcome: Outcome = Signal::derive(move || create.value().get().map(|r| r.map(|_| ())));
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(id)) = create.value().get() {
            navigate(&format!("/apps/{id}/build"), Default::default());
        }
    });
    view! {
        <Title text="Apps"/>
        <section aria-labelledby="apps-title">
            <h1 id="apps-title">"Apps"</h1>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || apps.get().map(|result| match result {
                    Err(error) => view! { <LoadError error/> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No apps yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="data-table" data-testid="apps">
                            <thead><tr><th>"Name"</th><th>"Published"</th><th>"Draft changed"</th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|app| view! {
                                    <tr>
                                        <td><A href=format!("/apps/{}/build", app.id)>{app.name}</A></td>
                                        <td>{app.latest_version.map(|v| format!("version {v}")).unwrap_or_else(|| "not yet".into())}</td>
                                        <td>{app.draft_updated_at.format("%Y-%m-%d %H:%M UTC").to_string()}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                })}
            </Transition>
            <h2>"New app"</h2>
            <ActionForm action=create attr:novalidate=true attr:class="create-app-form">
                <Field label="Name" name="name" outcome/>
                <FormAlert outcome/>
                <button type="submit" class="button">"Create and open the builder"</button>
            </ActionForm>
        </section>
    }
}
