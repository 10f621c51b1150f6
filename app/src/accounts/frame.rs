//! The signed-in state around every page: the header's account switcher and user menu,
//! and the banner asking an unverified user to confirm their address.

use leptos::prelude::*;
use leptos_router::components::A;
use muster_domain::accounts::{views::SessionView, Capability};

use super::api::{load_session, switch_account, ResendVerification, SignOut};
use crate::error::AppError;

/// The session as loaded for this page; provided once by the app root.
#[derive(Clone, Copy)]
pub struct CurrentSession(pub Resource<Result<Option<SessionView>, AppError>>);

pub fn provide_session() {
    provide_context(CurrentSession(Resource::new(|| (), |_| load_session())));
}

pub fn use_session() -> CurrentSession {
    expect_context::<CurrentSession>()
}

/// The signed-in user's id, once the session is loaded (read it inside a `Transition`).
pub fn use_user_id() -> Signal<Option<String>> {
    let session = use_session().0;
    Signal::derive(move || {
        session
            .get()
            .and_then(Result::ok)
            .flatten()
            .map(|s| s.user.id)
    })
}

/// Header navigation that depends on who is signed in and their role.
#[component]
pub fn AccountNav() -> impl IntoView {
    let session = use_session().0;
    view! {
        <Transition fallback=|| ()>
            {move || session.get().map(|result| match result {
                Ok(Some(view)) => view! { <SignedInNav view/> }.into_any(),
                _ => view! {
                    <A href="/signin">"Sign in"</A>
                    <A href="/signup">"Sign up"</A>
                }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn SignedInNav(view: SessionView) -> impl IntoView {
    let role = view.account.role;
    let sign_out = ServerAction::<SignOut>::new();
    let switch = Action::new(|account: &String| switch_account(account.clone()));
    super::form::leave_on_success(sign_out.value().into(), || "/".to_owned());
    super::form::leave_on_success(switch.value().into(), || "/account".to_owned());
    let current = view.account.id.clone();
    view! {
        <A href="/run">"Fill in"</A>
        <A href="/projects">"Projects"</A>
        <A href="/apps">"Apps"</A>
        <A href="/account/members">"Members"</A>
        {role.can(Capability::ViewAuditLog).then(|| view! { <A href="/account/audit">"Audit log"</A> })}
        <label class="account-switcher">
            <span class="visually-hidden">"Account"</span>
            <select
                data-testid="account-switcher"
                // On a phone the menu closes on any click inside it; not on this one.
                on:click=|event| event.stop_propagation()
                on:change=move |event| {
                    let chosen = event_target_value(&event);
                    switch.dispatch(chosen);
                }
            >
                {view.accounts.into_iter().map(|account| {
                    let selected = account.id == current;
                    view! { <option value=account.id selected=selected>{account.name}</option> }
                }).collect_view()}
            </select>
        </label>
        <A href="/account">
            <span data-testid="signed-in-as">{view.user.name}</span>
            " · " <span data-testid="current-role">{role.label()}</span>
        </A>
        <ActionForm action=sign_out attr:class="inline-form">
            <button type="submit" class="link-button" on:click=leaving_this_device(view.user.id.clone())>"Sign out"</button>
        </ActionForm>
    }
}

/// What signing out does to this device: it asks first while submissions of this user
/// still wait to be sent (they stay, and go out at their next sign-in), and it empties
/// the runner's offline copy of the pages, which show this user's apps.
fn leaving_this_device(user_id: String) -> impl Fn(leptos::ev::MouseEvent) + 'static {
    #[cfg(feature = "hydrate")]
    {
        let outbox = crate::runner::outbox::watch(user_id);
        move |event: leptos::ev::MouseEvent| {
            let waiting = outbox.with_untracked(|o| o.waiting);
            if waiting > 0 {
                let question = format!(
                    "{waiting} submission(s) have not reached the server yet. They stay on this device and are sent when you sign in here again. Sign out anyway?"
                );
                if !window().confirm_with_message(&question).unwrap_or(false) {
                    event.prevent_default();
                    return;
                }
            }
            crate::runner::outbox::forget_offline_pages();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = user_id;
        |_: leptos::ev::MouseEvent| {}
    }
}

/// Shown to a signed-in user whose address is not confirmed yet.
#[component]
pub fn VerifyBanner() -> impl IntoView {
    let session = use_session().0;
    let resend = ServerAction::<ResendVerification>::new();
    view! {
        <Transition fallback=|| ()>
            {move || session.get().and_then(|result| result.ok().flatten()).filter(|view| !view.user.email_verified).map(|view| view! {
                <div class="banner" role="status" data-testid="verify-banner">
                    <p>
                        "Please confirm your e-mail address: open the link we sent to "
                        <strong>{view.user.email}</strong>
                        ". Until then you cannot invite anyone or publish apps."
                    </p>
                    <ActionForm action=resend attr:class="inline-form">
                        <button type="submit" class="link-button">"Send the link again"</button>
                    </ActionForm>
                    {move || match resend.value().get() {
                        Some(Ok(())) => Some(view! { <span>" Sent."</span> }.into_any()),
                        Some(Err(error)) => Some(view! { <span class="field-error">{error.to_string()}</span> }.into_any()),
                        None => None,
                    }}
                </div>
            })}
        </Transition>
    }
}
