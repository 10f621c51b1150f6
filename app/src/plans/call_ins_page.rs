//! `/call-ins`: the signed-in person's call-ins, to accept or decline, kept live over
//! their inbox topic; `/call-ins/{id}`: one call-in, where its mail links to.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};
use muster_domain::plans::{staffing::CallInState, views::MyCallIn};

use super::{
    api::{load_call_in, load_my_call_ins, load_notices, AnswerCallIn},
    format,
};
use crate::{accounts::pages::LoadError, realtime::client::use_topic};

#[component]
pub fn CallInsPage() -> impl IntoView {
    let answer = ServerAction::<AnswerCallIn>::new();
    let changed = RwSignal::new(0u32);
    let list = Resource::new(
        move || (answer.version().get(), changed.get()),
        |_| load_my_call_ins(),
    );
    let notices = Resource::new(
        move || (answer.version().get(), changed.get()),
        |_| load_notices(),
    );
    view! {
        <Title text="My call-ins"/>
        <section aria-labelledby="call-ins-title">
            <h1 id="call-ins-title">"My call-ins"</h1>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || list.get().map(|result| match result {
                    Err(error) => view! { <LoadError error/> }.into_any(),
                    Ok(list) => {
                        view! {
                            <Inbox changed/>
                            {list.is_empty().then(|| view! { <p class="muted">"Nobody has called you in yet."</p> })}
                            <ul class="call-in-list" data-testid="my-call-ins">
                                {list.into_iter().map(|call_in| view! { <CallInCard call_in answer/> }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                })}
            </Transition>
            {move || answer.value().get().and_then(Result::err).map(|e| view! { <p class="alert" role="alert">{e.to_string()}</p> })}
            <h2>"Notices"</h2>
            <Transition fallback=|| ()>
                {move || notices.get().and_then(Result::ok).map(|list| {
                    if list.is_empty() {
                        return view! { <p class="muted">"Nothing yet."</p> }.into_any();
                    }
                    view! {
                        <ul class="notice-list" data-testid="notices">
                            {list.into_iter().map(|notice| view! {
                                <li class="notice" data-kind=notice.kind.clone()>
                                    <p><strong>{notice.title.clone()}</strong>" · "
                                        <span class="muted">{notice.created_at.format("%Y-%m-%d %H:%M UTC").to_string()}</span></p>
                                    <p>{notice.body.clone()}</p>
                                    {notice.link.clone().map(|link| view! { <A href=link>"Open"</A> })}
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                })}
            </Transition>
        </section>
    }
}

/// Reloads the list whenever the person's inbox hears of a change.
#[component]
fn Inbox(changed: RwSignal<u32>) -> impl IntoView {
    let user = crate::accounts::frame::use_user_id();
    view! {
        <Transition fallback=|| ()>
            {move || user.get().map(|user| view! { <Follow user changed/> })}
        </Transition>
    }
}

#[component]
fn Follow(user: String, changed: RwSignal<u32>) -> impl IntoView {
    let feed = use_topic(&format!("inbox:{user}"));
    Effect::new(move |first: Option<()>| {
        feed.last_event.track();
        feed.refetches.track();
        if first.is_some() {
            changed.update(|n| *n += 1);
        }
    });
}

#[component]
fn CallInCard(call_in: MyCallIn, answer: ServerAction<AnswerCallIn>) -> impl IntoView {
    let open = matches!(call_in.state, CallInState::Sent | CallInState::Accepted);
    let place = call_in
        .location_name
        .clone()
        .map(|l| format!(" at {l}"))
        .unwrap_or_default();
    view! {
        <li class="call-in-card" data-testid="call-in-card" data-state=call_in.state.as_str()>
            <h2><A href=format!("/call-ins/{}", call_in.id)>{call_in.activity_name.clone()}</A></h2>
            <p>{format!("{} as {} · {}{place} · {}", call_in.project_name, call_in.role_name, call_in.starts_local, format::duration(call_in.duration_minutes))}</p>
            <p class="call-in-state"><strong>{call_in.state.label()}</strong></p>
            {open.then(|| view! { <Answer id=call_in.id.clone() state=call_in.state answer/> })}
        </li>
    }
}

#[component]
fn Answer(id: String, state: CallInState, answer: ServerAction<AnswerCallIn>) -> impl IntoView {
    let accept_id = id.clone();
    view! {
        <div class="answer-buttons">
            {(state != CallInState::Accepted).then(|| view! {
                <ActionForm action=answer attr:class="inline-form">
                    <input type="hidden" name="call_in_id" value=accept_id/>
                    <input type="hidden" name="accept" value="true"/>
                    <button type="submit" class="button">"Accept"</button>
                </ActionForm>
            })}
            <ActionForm action=answer attr:class="inline-form">
                <input type="hidden" name="call_in_id" value=id/>
                <input type="hidden" name="accept" value="false"/>
                <button type="submit" class="button secondary">"Decline"</button>
            </ActionForm>
        </div>
    }
}

#[component]
pub fn CallInPage() -> impl IntoView {
    let params = use_params_map();
    let answer = ServerAction::<AnswerCallIn>::new();
    let call_in = Resource::new(
        move || {
            (
                params.with(|p| p.get("id").unwrap_or_default()),
                answer.version().get(),
            )
        },
        |(id, _)| load_call_in(id),
    );
    view! {
        <Title text="Call-in"/>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || call_in.get().map(|result| match result {
                Err(error) => view! { <LoadError error/> }.into_any(),
                Ok(call_in) => view! {
                    <section class="call-in-page" aria-labelledby="call-in-title">
                        <h1 id="call-in-title">{call_in.activity_name.clone()}</h1>
                        <ul class="call-in-list"><CallInCard call_in answer/></ul>
                        <p><A href="/call-ins">"All my call-ins"</A></p>
                    </section>
                }.into_any(),
            })}
        </Suspense>
        {move || answer.value().get().and_then(Result::err).map(|e| view! { <p class="alert" role="alert">{e.to_string()}</p> })}
    }
}
