use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use super::LoadError;
use crate::accounts::{
    api::{load_invitation, AcceptInvitation},
    encode,
    form::{leave_on_success, FormAlert, Outcome},
    frame::use_session,
};

#[component]
pub fn InvitationPage() -> impl IntoView {
    let token = use_query_map()
        .read_untracked()
        .get("token")
        .unwrap_or_default();
    let invitation = Resource::new(
        {
            let token = token.clone();
            move || token.clone()
        },
        load_invitation,
    );
    let session = use_session().0;
    let accept = ServerAction::<AcceptInvitation>::new();
    let outcome: Outcome = accept.value().into();
    leave_on_success(outcome, || "/account".to_owned());
    let here = encode(&format!("/invitations/accept?token={token}"));

    view! {
        <Title text="Invitation"/>
        <section class="form-page" aria-labelledby="invitation-title">
            <h1 id="invitation-title">"Invitation"</h1>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || invitation.get().map(|result| match result {
                    Err(crate::error::AppError::Invalid(fields)) => view! {
                        <p class="alert" role="alert">{fields.get("token").unwrap_or("This invitation cannot be used.").to_owned()}</p>
                    }.into_any(),
                    Err(error) => view! { <LoadError error/> }.into_any(),
                    Ok(preview) => {
                        let signed_in = session.get().and_then(Result::ok).flatten().is_some();
                        let token = token.clone();
                        let here = here.clone();
                        view! {
                            <p data-testid="invitation-summary">
                                {preview.invited_by.map(|name| format!("{name} invited ")).unwrap_or_else(|| "You are invited: ".to_owned())}
                                <strong>{preview.email}</strong>
                                " to join " <strong>{preview.account_name}</strong>
                                " as " {preview.role.label().to_lowercase()} "."
                            </p>
                            {if signed_in {
                                view! {
                                    <ActionForm action=accept>
                                        <input type="hidden" name="token" value=token/>
                                        <FormAlert outcome/>
                                        <button type="submit" class="button">"Join"</button>
                                    </ActionForm>
                                }.into_any()
                            } else {
                                view! {
                                    <p>"To join, sign in or create a Muster account first; you will come back here."</p>
                                    <p class="actions">
                                        <A href=format!("/signin?next={here}") attr:class="button">"Sign in to accept"</A>
                                        <A href=format!("/signup?next={here}") attr:class="button secondary">"Sign up to accept"</A>
                                    </p>
                                }.into_any()
                            }}
                        }.into_any()
                    }
                })}
            </Transition>
        </section>
    }
}
