use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::accounts::{
    api::SignIn,
    form::{leave_on_success, local_path, Field, FormAlert, Outcome},
};

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let outcome: Outcome = action.value().into();
    let query = use_query_map();
    let next = move || local_path(query.read_untracked().get("next"), "/account");
    leave_on_success(outcome, next);
    let sign_up_href = move || format!("/signup?next={}", crate::accounts::encode(&next()));
    view! {
        <Title text="Sign in"/>
        <section class="form-page" aria-labelledby="sign-in-title">
            <h1 id="sign-in-title">"Sign in to Muster"</h1>
            <ActionForm action=action attr:novalidate=true>
                <Field label="E-mail address" name="email" kind="email" outcome autocomplete="username"/>
                <Field label="Password" name="password" kind="password" outcome autocomplete="current-password"/>
                <FormAlert outcome/>
                <button type="submit" class="button" disabled=move || action.pending().get()>"Sign in"</button>
            </ActionForm>
            <p><A href="/forgot-password">"Forgot your password?"</A></p>
            <p>"New to Muster? " <A href=sign_up_href>"Create an account"</A></p>
        </section>
    }
}
