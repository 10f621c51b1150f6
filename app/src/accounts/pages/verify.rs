use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::accounts::{
    api::VerifyEmail,
    form::{FormAlert, Outcome},
};

/// Confirming takes a click: mail scanners that open links must not use up the link.
#[component]
pub fn VerifyEmailPage() -> impl IntoView {
    let action = ServerAction::<VerifyEmail>::new();
    let outcome: Outcome = action.value().into();
    let token = use_query_map()
        .read_untracked()
        .get("token")
        .unwrap_or_default();
    let done = move || matches!(outcome.get(), Some(Ok(())));
    view! {
        <Title text="Confirm your e-mail address"/>
        <section class="form-page" aria-labelledby="verify-title">
            <h1 id="verify-title">"Confirm your e-mail address"</h1>
            <Show
                when=done
                fallback=move || {
                    let token = token.clone();
                    view! {
                    <ActionForm action=action>
                        <input type="hidden" name="token" value=token/>
                        <FormAlert outcome/>
                        <button type="submit" class="button" disabled=move || action.pending().get()>"Confirm my address"</button>
                    </ActionForm>
                }}
            >
                <p role="status" data-testid="email-confirmed">
                    "Thank you: your address is confirmed. " <a href="/account">"Continue to your account"</a> "."
                </p>
            </Show>
            <p class="muted">"Link expired? " <A href="/signin">"Sign in"</A> " and ask for a new one."</p>
        </section>
    }
}
