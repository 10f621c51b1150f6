use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use muster_domain::accounts::Capability;

use super::LoadError;
use crate::{
    accounts::{
        api::{CreateAccount, SignOutEverywhere},
        form::{leave_on_success, Field, FormAlert, Outcome},
        frame::use_session,
    },
    error::AppError,
};

/// The current account: your role and what it allows, your other accounts, and a new one.
#[component]
pub fn AccountPage() -> impl IntoView {
    let session = use_session().0;
    let create = ServerAction::<CreateAccount>::new();
    let create_outcome: Outcome = create.value().into();
    leave_on_success(create_outcome, || "/account".to_owned());
    let everywhere = ServerAction::<SignOutEverywhere>::new();
    leave_on_success(everywhere.value().into(), || "/signin".to_owned());

    view! {
        <Title text="Account"/>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || session.get().map(|result| match result {
                Err(error) => view! { <LoadError error/> }.into_any(),
                Ok(None) => view! { <LoadError error=AppError::SignInRequired/> }.into_any(),
                Ok(Some(view)) => {
                    let role = view.account.role;
                    view! {
                        <section aria-labelledby="account-title">
                            <h1 id="account-title" data-testid="account-name">{view.account.name.clone()}</h1>
                            <p>"You are " <strong data-testid="account-role">{role.label()}</strong> " here: " {role.description()}</p>
                            <ul class="plain-list" data-testid="capabilities">
                                <li>{if role.can(Capability::Build) { "You can build apps and plans." } else { "You can run apps and take part in projects." }}</li>
                                {role.can(Capability::ManageMembers).then(|| view! { <li><A href="/account/members">"Manage members and invitations"</A></li> })}
                                {role.can(Capability::ViewAuditLog).then(|| view! { <li><A href="/account/audit">"Read the audit log"</A></li> })}
                                {role.can(Capability::ManageMembers).then(|| view! { <li><A href="/account/api-tokens">"API tokens for outside systems"</A></li> })}
                            </ul>
                            <h2>"Your accounts"</h2>
                            <ul class="plain-list">
                                {view.accounts.into_iter().map(|account| view! {
                                    <li>{account.name} " · " {account.role.label()}</li>
                                }).collect_view()}
                            </ul>
                            <p class="muted">"Switch between them with the account menu at the top."</p>
                            <h2>"Create another account"</h2>
                            <ActionForm action=create attr:novalidate=true>
                                <Field label="Organisation name" name="name" outcome=create_outcome/>
                                <FormAlert outcome=create_outcome/>
                                <button type="submit" class="button">"Create account"</button>
                            </ActionForm>
                            <h2>"Sessions"</h2>
                            <ActionForm action=everywhere>
                                <button type="submit" class="button secondary">"Sign out everywhere"</button>
                            </ActionForm>
                        </section>
                    }.into_any()
                }
            })}
        </Transition>
    }
}
