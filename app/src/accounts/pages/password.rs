use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::accounts::{
    api::{RequestPasswordReset, ResetPassword},
    form::{Field, FormAlert, Outcome},
};

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let action = ServerAction::<RequestPasswordReset>::new();
    let outcome: Outcome = action.value().into();
    let sent = move || matches!(outcome.get(), Some(Ok(())));
    view! {
        <Title text="Forgot password"/>
        <section class="form-page" aria-labelledby="forgot-title">
            <h1 id="forgot-title">"Reset your password"</h1>
            <Show
                when=sent
                fallback=move || {
                    view! {
                    <p>"Enter the address you signed up with; we will mail you a link to choose a new password."</p>
                    <ActionForm action=action attr:novalidate=true>
                        <Field label="E-mail address" name="email" kind="email" outcome autocomplete="email"/>
                        <FormAlert outcome/>
                        <button type="submit" class="button" disabled=move || action.pending().get()>"Send the link"</button>
                    </ActionForm>
                }}
            >
                <p role="status" data-testid="reset-sent">
                    "If an account exists for that address, a link to reset its password is on its way. It expires in one hour."
                </p>
            </Show>
        </section>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let action = ServerAction::<ResetPassword>::new();
    let outcome: Outcome = action.value().into();
    let token = use_query_map()
        .read_untracked()
        .get("token")
        .unwrap_or_default();
    let done = move || matches!(outcome.get(), Some(Ok(())));
    view! {
        <Title text="Choose a new password"/>
        <section class="form-page" aria-labelledby="reset-title">
            <h1 id="reset-title">"Choose a new password"</h1>
            <Show
                when=done
                fallback=move || {
                    let token = token.clone();
                    view! {
                    <ActionForm action=action attr:novalidate=true>
                        <input type="hidden" name="token" value=token/>
                        <Field label="New password" name="password" kind="password" outcome autocomplete="new-password"
                            hint="At least 10 characters. A few unrelated words make a strong password."/>
                        <FormAlert outcome/>
                        <button type="submit" class="button" disabled=move || action.pending().get()>"Change password"</button>
                    </ActionForm>
                }}
            >
                <p role="status" data-testid="password-changed">
                    "Your password is changed and you were signed out everywhere. "
                    <A href="/signin">"Sign in with the new password"</A> "."
                </p>
            </Show>
        </section>
    }
}
