//! `/call-ins`: the signed-in person's call-ins, to accept or decline, kept live over
//! their inbox topic and readable offline (the last copy, with its age); an answer given
//! offline waits on the device and is sent when the network is back
//! (`pending_answers`). `/call-ins/{id}`: one call-in, where its mail links to.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};
use muster_domain::plans::{staffing::CallInState, views::MyCallIn};

use super::{
    api::{answer_call_in, load_call_in, load_my_call_ins, load_notices},
    format,
    pending_answers::{self, PendingAnswer},
};
use crate::{
    accounts::pages::LoadError,
    error::AppError,
    realtime::client::{use_connection, use_topic, Connection},
};

/// Answering, online or not: shared by the cards of a page.
#[derive(Clone, Copy)]
struct Answers {
    user: Signal<Option<String>>,
    /// Answers waiting on this device, by call-in.
    waiting: RwSignal<Vec<PendingAnswer>>,
    /// Bumped when an answer reached the server: the list reloads.
    sent: RwSignal<u32>,
    trouble: RwSignal<Option<String>>,
}

impl Answers {
    fn new() -> Self {
        let answers = Self {
            user: crate::accounts::frame::use_user_id(),
            waiting: RwSignal::new(Vec::new()),
            sent: RwSignal::new(0),
            trouble: RwSignal::new(None),
        };
        // After hydration: what waits on this device, sent now and whenever the
        // network returns.
        Effect::new(move |_| {
            if let Some(user) = answers.user.get() {
                answers.waiting.set(pending_answers::waiting(&user));
                answers.flush();
            }
        });
        #[cfg(feature = "hydrate")]
        {
            // The installed app keeps this page for reading offline (public/sw.js).
            Effect::new(|_| crate::runner::outbox::register_service_worker());
            let online = window_event_listener(leptos::ev::online, move |_| answers.flush());
            on_cleanup(move || online.remove());
        }
        answers
    }

    fn give(self, call_in: String, accept: bool) {
        let Some(user) = self.user.get_untracked() else {
            return;
        };
        pending_answers::keep(&user, PendingAnswer { call_in, accept });
        self.waiting.set(pending_answers::waiting(&user));
        self.flush();
    }

    /// Sends every waiting answer; those the network does not take stay.
    fn flush(self) {
        let Some(user) = self.user.get_untracked() else {
            return;
        };
        let waiting = pending_answers::waiting(&user);
        if waiting.is_empty() {
            return;
        }
        leptos::task::spawn_local(async move {
            for answer in waiting {
                match answer_call_in(answer.call_in.clone(), answer.accept).await {
                    Ok(_) => {
                        pending_answers::forget(&user, &answer.call_in);
                        self.trouble.set(None);
                        self.sent.update(|n| *n += 1);
                    }
                    // No network, or the server busy: it stays for the next try.
                    Err(error) if error.is_transient() => {}
                    Err(error @ (AppError::SignInRequired | AppError::Forbidden(_))) => {
                        self.trouble.set(Some(error.to_string()));
                    }
                    Err(error) => {
                        pending_answers::forget(&user, &answer.call_in);
                        self.trouble.set(Some(error.to_string()));
                        self.sent.update(|n| *n += 1);
                    }
                }
            }
            self.waiting.set(pending_answers::waiting(&user));
        });
    }

    fn waiting_for(self, call_in: &str) -> Option<bool> {
        self.waiting
            .with(|w| w.iter().find(|a| a.call_in == call_in).map(|a| a.accept))
    }
}

#[component]
pub fn CallInsPage() -> impl IntoView {
    let answers = Answers::new();
    let changed = RwSignal::new(0u32);
    let list = Resource::new(
        move || (answers.sent.get(), changed.get()),
        |_| load_my_call_ins(),
    );
    let notices = Resource::new(
        move || (answers.sent.get(), changed.get()),
        |_| load_notices(),
    );
    let connection = use_connection();
    // A reload that cannot reach the server (offline) keeps showing the last copy.
    let last = RwSignal::new(None::<muster_domain::plans::views::MyCallIns>);
    Effect::new(move |_| {
        if let Some(Ok(mine)) = list.get() {
            last.set(Some(mine));
        }
    });
    let shown = move || {
        list.get().map(|result| match result {
            Err(error) if error.is_transient() => last.get_untracked().ok_or(error),
            other => other,
        })
    };
    let last_notices = RwSignal::new(None::<Vec<muster_domain::plans::views::Notice>>);
    Effect::new(move |_| {
        if let Some(Ok(list)) = notices.get() {
            last_notices.set(Some(list));
        }
    });
    let shown_notices = move || match notices.get() {
        Some(Ok(list)) => Some(list),
        _ => last_notices.get_untracked(),
    };
    view! {
        <Title text="My call-ins"/>
        <section aria-labelledby="call-ins-title">
            <h1 id="call-ins-title">"My call-ins"</h1>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || shown().map(|result| match result {
                    Err(error) => view! { <LoadError error/> }.into_any(),
                    Ok(mine) => {
                        let read_at = mine.read_at;
                        view! {
                            <Inbox changed/>
                            {move || (connection.get() == Connection::Lost).then(|| view! {
                                <p class="offline-note" data-testid="offline-note">
                                    {format!("No connection: your call-ins as of {} UTC. Answers you give now are sent when the connection is back.", read_at.format("%Y-%m-%d %H:%M"))}
                                </p>
                            })}
                            {mine.call_ins.is_empty().then(|| view! { <p class="muted">"Nobody has called you in yet."</p> })}
                            <ul class="call-in-list" data-testid="my-call-ins">
                                {mine.call_ins.into_iter().map(|call_in| view! { <CallInCard call_in answers/> }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                })}
            </Transition>
            {move || answers.trouble.get().map(|message| view! { <p class="alert" role="alert">{message}</p> })}
            <h2>"Notices"</h2>
            <Transition fallback=|| ()>
                {move || shown_notices().map(|list| {
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
fn CallInCard(call_in: MyCallIn, answers: Answers) -> impl IntoView {
    let place = call_in
        .location_name
        .clone()
        .map(|l| format!(" at {l}"))
        .unwrap_or_default();
    let id = call_in.id.clone();
    let stored = call_in.state;
    let waiting = {
        let id = id.clone();
        move || answers.waiting_for(&id)
    };
    // What the card shows: the answer waiting on this device, else the stored state.
    let state = {
        let waiting = waiting.clone();
        move || match waiting() {
            Some(true) => CallInState::Accepted,
            Some(false) => CallInState::Declined,
            None => stored,
        }
    };
    let open = matches!(stored, CallInState::Sent | CallInState::Accepted);
    let state_name = state.clone();
    let state_label = state.clone();
    let waiting_note = waiting.clone();
    let (accept_id, decline_id) = (id.clone(), id.clone());
    view! {
        <li class="call-in-card" data-testid="call-in-card" data-state=move || state_name().as_str()>
            <h2><A href=format!("/call-ins/{}", call_in.id)>{call_in.activity_name.clone()}</A></h2>
            <p>{format!("{} as {} · {}{place} · {}", call_in.project_name, call_in.role_name, call_in.starts_local, format::duration(call_in.duration_minutes))}</p>
            <p class="call-in-state"><strong>{move || state_label().label()}</strong>
                {move || waiting_note().is_some().then(|| view! { " " <span class="badge" data-testid="answer-waiting">"waiting to be sent"</span> })}
            </p>
            {open.then(|| view! {
                <div class="answer-buttons">
                    <button type="button" class="button" disabled=move || state() == CallInState::Accepted
                        on:click=move |_| answers.give(accept_id.clone(), true)>"Accept"</button>
                    <button type="button" class="button secondary" on:click=move |_| answers.give(decline_id.clone(), false)>"Decline"</button>
                </div>
            })}
        </li>
    }
}

#[component]
pub fn CallInPage() -> impl IntoView {
    let params = use_params_map();
    let answers = Answers::new();
    let call_in = Resource::new(
        move || {
            (
                params.with(|p| p.get("id").unwrap_or_default()),
                answers.sent.get(),
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
                        <ul class="call-in-list"><CallInCard call_in answers/></ul>
                        <p><A href="/call-ins">"All my call-ins"</A></p>
                    </section>
                }.into_any(),
            })}
        </Suspense>
        {move || answers.trouble.get().map(|message| view! { <p class="alert" role="alert">{message}</p> })}
    }
}
