//! `/apps/{id}/build`: the builder page. It loads the draft, then lays out the palette,
//! the canvas, the properties panel, the preview, and the publishing panel around one
//! shared [`Builder`].

use leptos::{ev, prelude::*};
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use muster_domain::forms::{
    diff::{diff, Change},
    edit,
    validate::{publishing_problems, validate},
    views::DraftView,
};

use super::{
    api::{load_draft, load_versions, publish_app},
    canvas::{provide_dragging, Canvas, Palette},
    preview::PreviewPanel,
    properties::PropertiesPanel,
    state::{Builder, SaveState},
};
use crate::{accounts::pages::LoadError, error::AppError};

#[component]
pub fn BuilderPage() -> impl IntoView {
    let params = use_params_map();
    let app_id = move || params.with(|p| p.get("id").unwrap_or_default());
    let draft = Resource::new(app_id, load_draft);
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the form…"</p> }>
            {move || draft.get().map(|result| match result {
                Err(error) => view! { <LoadError error/> }.into_any(),
                Ok(draft) => view! { <Designer draft/> }.into_any(),
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn Designer(draft: DraftView) -> impl IntoView {
    let client = if cfg!(feature = "hydrate") {
        crate::shell::random::token(12)
    } else {
        String::new()
    };
    let builder = Builder::new(&draft, client);
    provide_dragging(builder);
    #[cfg(feature = "hydrate")]
    super::sync::start(builder);
    let problems = Memo::new(move |_| builder.form.with(validate));
    let shortcuts = window_event_listener(ev::keydown, move |event| {
        let typing = event
            .target()
            .and_then(|t| {
                leptos::wasm_bindgen::JsCast::dyn_into::<leptos::web_sys::HtmlElement>(t).ok()
            })
            .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        if typing || !(event.ctrl_key() || event.meta_key()) {
            return;
        }
        match (event.key().to_lowercase().as_str(), event.shift_key()) {
            ("z", false) => {
                event.prevent_default();
                builder.undo();
            }
            ("z", true) | ("y", false) => {
                event.prevent_default();
                builder.redo();
            }
            _ => {}
        }
    });
    on_cleanup(move || shortcuts.remove());
    let (can_undo, can_redo) = (
        move || builder.history.get().0 > 0,
        move || builder.history.get().1 > 0,
    );
    view! {
        <Title text=format!("Build {}", draft.name)/>
        <div class="builder" data-testid="builder">
            <header class="builder-header">
                <h1>{draft.name.clone()}</h1>
                <div class="toolbar" role="toolbar" aria-label="History">
                    <button type="button" class="button small" on:click=move |_| builder.undo() disabled=move || !can_undo() title="Ctrl+Z">"Undo"</button>
                    <button type="button" class="button small" on:click=move |_| builder.redo() disabled=move || !can_redo() title="Ctrl+Shift+Z">"Redo"</button>
                </div>
                <SaveStatus builder/>
                <Peers builder/>
            </header>
            <Notices builder/>
            <div class="builder-columns">
                <Palette builder/>
                <Canvas builder/>
                <PropertiesPanel builder problems/>
                <PreviewPanel builder/>
            </div>
            <PublishPanel builder/>
        </div>
    }
    .into_any()
}

#[component]
fn SaveStatus(builder: Builder) -> impl IntoView {
    let text = move || match builder.save_state.get() {
        SaveState::Saved => "All changes saved".to_owned(),
        SaveState::Saving => "Saving…".to_owned(),
        SaveState::Offline => {
            "Offline: your changes are kept and will be saved when the connection is back"
                .to_owned()
        }
        SaveState::Failed(reason) => format!("Not saved: {reason}"),
    };
    let state = move || match builder.save_state.get() {
        SaveState::Saved => "saved",
        SaveState::Saving => "saving",
        SaveState::Offline => "offline",
        SaveState::Failed(_) => "failed",
    };
    view! { <p class="save-status" role="status" data-testid="save-status" data-state=state>{text}</p> }
}

#[component]
fn Peers(builder: Builder) -> impl IntoView {
    let list = move || {
        builder.peers.with(|peers| {
            let mut names: Vec<(String, String)> = peers
                .values()
                .map(|p| {
                    let on = p
                        .selected
                        .as_ref()
                        .and_then(|id| {
                            builder
                                .form
                                .with(|f| edit::find(&f.fields, id).map(|f| f.label.text.clone()))
                        })
                        .map(|label| format!(" (on “{label}”)"))
                        .unwrap_or_default();
                    (p.name.clone(), on)
                })
                .collect();
            names.sort();
            names
                .into_iter()
                .map(|(name, on)| view! { <li>{name}{on}</li> })
                .collect_view()
        })
    };
    view! {
        <div class="peers" aria-live="polite">
            <span class="muted">"Also editing: "</span>
            <ul class="inline-list" data-testid="peers">{list}</ul>
        </div>
    }
    .into_any()
}

#[component]
fn Notices(builder: Builder) -> impl IntoView {
    view! {
        <div class="notices" aria-live="assertive" data-testid="notices">
            {move || builder.notices.get().into_iter().enumerate().map(|(index, notice)| view! {
                <p class="alert" role="alert">
                    {notice}
                    <button type="button" class="button small" aria-label="Dismiss"
                        on:click=move |_| builder.notices.update(|n| { if index < n.len() { n.remove(index); } })>"✕"</button>
                </p>
            }).collect_view()}
        </div>
    }
    .into_any()
}

/// Publishing: what stops it, what changed since the last version, the versions so far.
#[component]
fn PublishPanel(builder: Builder) -> impl IntoView {
    let publish = Action::new(move |_: &()| {
        let app_id = builder.app_id.get_value();
        async move { publish_app(app_id).await }
    });
    // Loaded in the browser only: the page is useful before the list arrives.
    let versions = LocalResource::new(move || {
        publish.version().track();
        builder.published.track();
        load_versions(builder.app_id.get_value())
    });
    Effect::new(move |_| {
        if let Some(Ok(version)) = publish.value().get() {
            builder
                .published
                .set(Some((version, builder.form.get_untracked())));
        }
    });
    let changes = Memo::new(move |_| {
        builder.published.with(|published| {
            published
                .as_ref()
                .map(|(_, form)| builder.form.with(|draft| diff(form, draft)))
        })
    });
    let label_of = move |id: &muster_domain::forms::schema::FieldId| {
        let current = builder
            .form
            .with(|f| edit::find(&f.fields, id).map(|f| f.label.text.clone()));
        let old = builder.published.with(|p| {
            p.as_ref()
                .and_then(|(_, f)| edit::find(&f.fields, id).map(|f| f.label.text.clone()))
        });
        current.or(old).unwrap_or_else(|| id.0.clone())
    };
    let change_list = move || {
        changes.get().map(|changes| {
            let version = builder.published.with(|p| p.as_ref().map(|(v, _)| *v).unwrap_or(0));
            if changes.is_empty() {
                return view! { <p class="muted" data-testid="changes">{format!("No changes since version {version}.")}</p> }.into_any();
            }
            view! {
                <h3>{format!("Changes since version {version}")}</h3>
                <ul class="changes" data-testid="changes">
                    {changes.into_iter().map(|change| {
                        let (what, id, class) = match &change {
                            Change::Added(id) => ("Added", id, "added"),
                            Change::Removed(id) => ("Removed", id, "removed"),
                            Change::Changed(id) => ("Changed", id, "changed"),
                            Change::Moved(id) => ("Moved", id, "moved"),
                        };
                        view! { <li class=class>{what} ": " {label_of(id)}</li> }
                    }).collect_view()}
                </ul>
            }
            .into_any()
        })
    };
    // The same rules the server applies when asked to publish.
    let blocking = Memo::new(move |_| {
        builder.published.with(|published| {
            builder.form.with(|draft| {
                publishing_problems(
                    draft,
                    published.as_ref().map(|(version, form)| (*version, form)),
                )
            })
        })
    });
    let problem_list = move || {
        blocking.with(|problems| {
            if problems.is_empty() {
                return view! { <p class="muted" data-testid="problems">"Nothing stops publishing."</p> }.into_any();
            }
            view! {
                <h3>{format!("{} problem(s) stop publishing", problems.len())}</h3>
                <ul class="problems" data-testid="problems">
                    {problems.iter().map(|problem| {
                        let field = problem.field.clone();
                        let name = field.as_ref().map(&label_of).unwrap_or_else(|| "The form".into());
                        view! {
                            <li>
                                <button type="button" class="link-button" on:click=move |_| {
                                    if let Some(id) = field.clone() {
                                        builder.selected.set(Some(id.clone()));
                                        super::canvas::focus_field(&id);
                                    }
                                }>{name}</button>
                                ": " {problem.message.clone()}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }
            .into_any()
        })
    };
    let outcome = move || {
        publish.value().get().map(|result| match result {
            Ok(version) => view! { <p role="status" data-testid="published">{format!("Published version {version}.")}</p> }.into_any(),
            Err(AppError::FormProblems(list)) => view! {
                <div class="alert" role="alert">
                    <p>{format!("The form cannot be published yet: {} problem(s).", list.len())}</p>
                    <ul>{list.into_iter().map(|p| view! { <li>{p.message}</li> }).collect_view()}</ul>
                </div>
            }.into_any(),
            Err(AppError::Invalid(fields)) => view! { <p class="alert" role="alert">{fields.get("form").map(str::to_owned)}</p> }.into_any(),
            Err(error) => view! { <p class="alert" role="alert">{error.to_string()}</p> }.into_any(),
        })
    };
    let busy = move || publish.pending().get() || builder.save_state.get() != SaveState::Saved;
    view! {
        <section class="publish-panel" aria-label="Publishing">
            <h2>"Publish"</h2>
            <button type="button" class="button" data-testid="publish" disabled=busy on:click=move |_| { publish.dispatch(()); }>
                "Publish a new version"
            </button>
            {outcome}
            {problem_list}
            {change_list}
            <p>
                <leptos_router::components::A href=format!("/apps/{}/submissions", builder.app_id.get_value())>"Submissions"</leptos_router::components::A>
                " · "
                <leptos_router::components::A href=format!("/run/{}", builder.app_id.get_value())>"Fill it in"</leptos_router::components::A>
            </p>
            <h3>"Versions"</h3>
            <Transition fallback=|| ()>
                {move || versions.get().map(|result| match result {
                    Err(error) => view! { <p class="alert">{error.to_string()}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="muted">"Not published yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <ol class="plain-list" data-testid="versions">
                            {list.into_iter().map(|v| view! {
                                <li>{format!("Version {} — {} by {}", v.version, v.published_at.format("%Y-%m-%d %H:%M UTC"), v.published_by.unwrap_or_else(|| "someone no longer here".into()))}</li>
                            }).collect_view()}
                        </ol>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
    .into_any()
}
