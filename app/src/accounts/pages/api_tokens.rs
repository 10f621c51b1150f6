//! `/account/api-tokens`: owners and admins make tokens for outside systems to call the
//! REST API (`/api/v1`, described at `/api/openapi.json`), see when each was last used,
//! and revoke them. A new token's secret is shown once.

use leptos::prelude::*;
use leptos_meta::Title;
use muster_domain::accounts::views::{ApiScope, NewApiToken};

use super::LoadError;
use crate::accounts::api::{load_api_tokens, CreateApiToken, RevokeApiToken};

#[component]
pub fn ApiTokensPage() -> impl IntoView {
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| load_api_tokens(),
    );
    let when = |at: Option<chrono::DateTime<chrono::Utc>>| {
        at.map(|at| at.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_else(|| "never".to_owned())
    };
    view! {
        <Title text="API tokens"/>
        <section aria-labelledby="tokens-title">
            <h1 id="tokens-title">"API tokens"</h1>
            <p>"Outside systems read this account's apps and submissions, and send submissions, through the REST API at "
               <code>"/api/v1"</code>" (described at "<a href="/api/openapi.json">"/api/openapi.json"</a>
               "). Each presents a token: " <code>"Authorization: Bearer mst_…"</code>"."</p>
            <ActionForm action=create attr:class="create-token-form">
                <label>"What uses it " <input type="text" name="name" required maxlength="100"/></label>
                <label>"It may "
                    <select name="scope">
                        <option value=ApiScope::Read.as_str()>"only read"</option>
                        <option value=ApiScope::ReadWrite.as_str()>"read and write"</option>
                    </select>
                </label>
                <button type="submit">"Make a token"</button>
            </ActionForm>
            {move || create.value().get().map(|result| match result {
                Ok(NewApiToken { token, secret }) => view! {
                    <div class="new-token" role="status">
                        <p>{format!("The token “{}” — copy it now, it will not be shown again:", token.name)}</p>
                        <p><code data-testid="new-token-secret">{secret}</code></p>
                    </div>
                }.into_any(),
                Err(error) => view! {
                    <p class="field-error" role="alert">{error.field("name").unwrap_or_else(|| error.to_string())}</p>
                }.into_any(),
            })}
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || tokens.get().map(|result| match result {
                    Err(error) => view! { <LoadError error/> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No tokens yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <table class="data-table" data-testid="api-tokens">
                            <thead><tr><th>"Name"</th><th>"May"</th><th>"Made by"</th><th>"Made"</th><th>"Last used"</th><th></th></tr></thead>
                            <tbody>
                                {list.into_iter().map(|token| view! {
                                    <tr data-testid="api-token">
                                        <td>{token.name.clone()}</td>
                                        <td>{token.scope.label()}</td>
                                        <td>{token.created_by.clone().unwrap_or_else(|| "a former member".into())}</td>
                                        <td>{when(Some(token.created_at))}</td>
                                        <td data-testid="last-used">{when(token.last_used_at)}</td>
                                        <td>{match token.revoked_at {
                                            Some(at) => view! { <span>{format!("Revoked {}", when(Some(at)))}</span> }.into_any(),
                                            None => view! {
                                                <ActionForm action=revoke>
                                                    <input type="hidden" name="token_id" value=token.id.clone()/>
                                                    <button type="submit" class="link-button danger" aria-label=format!("Revoke “{}”", token.name)>"Revoke"</button>
                                                </ActionForm>
                                            }.into_any(),
                                        }}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                })}
            </Suspense>
        </section>
    }
}
