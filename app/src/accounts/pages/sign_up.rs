use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

use crate::accounts::{
    api::SignUp,
    form::{leave_on_success, local_path, Field, FormAlert, Outcome},
};

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let outcome: Outcome = action.value().into();
    let query = use_query_map();
    let next = move || local_path(query.read_untracked().get("next"), "/account");
    leave_on_success(outcome, next);
    let sign_in_href = move || format!("/signin?next={}", crate::accounts::encode(&next()));
    view! {
        <Title text="Sign up"/>
        <section class="form-page" aria-labelledby="sign-up-title">
            <h1 id="sign-up-title">"Create your Muster account"</h1>
            <ActionForm action=action attr:novalidate=true>
                <Field label="Your name" name="name" outcome autocomplete="name"/>
                <Field label="E-mail address" name="email" kind="email" outcome autocomplete="email"/>
                <Field label="Password" name="password" kind="password" outcome autocomplete="new-password"
                    hint="At least 10 characters. A few unrelated words make a strong password."/>
                <Field label="Organisation name" name="account_name" outcome autocomplete="organization"
                    hint="Your team or company; you can invite colleagues to it."/>
                <FormAlert outcome/>
                <button type="submit" class="button" disabled=move || action.pending().get()>"Sign up"</button>
            </ActionForm>
            <p>"Already have an account? " <A href=sign_in_href>"Sign in"</A></p>
        </section>
    }
}
