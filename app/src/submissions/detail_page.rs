//! `/apps/{app}/submissions/{id}`: one submission's answers by the labels of the
//! version it was filled with, where it was made, its review status and its history.
//! Builders set the status and correct answers here; each change is checked on the
//! server and kept in the history with the value it replaced.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};
use muster_domain::{
    forms::{
        media as files,
        schema::{Field, FieldId, Kind},
        submission::{self, Document},
    },
    maps::Pin,
    submissions::{
        query::ReviewStatus,
        views::{AnswerEdit, Change, MediaView},
    },
};

use super::api::{edit_submission_answer, load_submission, set_submission_status};
use crate::{accounts::pages::LoadError, maps::LocationMap};

#[component]
pub fn SubmissionPage() -> impl IntoView {
    let params = use_params_map();
    let ids = move || {
        params.with(|p| {
            (
                p.get("id").unwrap_or_default(),
                p.get("submission").unwrap_or_default(),
            )
        })
    };
    let detail = Resource::new(ids, |(app, submission)| load_submission(app, submission));
    let reload = Callback::new(move |()| detail.refetch());
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || detail.get().map(|result| match result {
                Err(error) => view! { <LoadError error/> }.into_any(),
                Ok(detail) => {
                    let (app, id) = ids();
                    let editing = Editing { app: app.clone(), submission: id.clone(), saved: reload };
                    view! {
                        <Title text=format!("Submission to {}", detail.app_name)/>
                        <section aria-labelledby="submission-title">
                            <h1 id="submission-title">{format!("Submission to {}", detail.app_name)}</h1>
                            <p><A href=format!("/apps/{app}/submissions")>"All submissions"</A></p>
                            <dl class="submission-facts">
                                <dt>"Received"</dt><dd>{detail.summary.received_at.format("%Y-%m-%d %H:%M:%S UTC").to_string()}</dd>
                                <dt>"By"</dt><dd>{detail.summary.submitted_by.clone().unwrap_or_else(|| "a former member".into())}</dd>
                                <dt>"Version"</dt><dd data-testid="submission-version">{detail.summary.version}</dd>
                                <dt>"Processing"</dt><dd>{detail.summary.status.clone()}</dd>
                                <dt>"Status"</dt><dd data-testid="review-status">{detail.summary.review.label()}</dd>
                            </dl>
                            <StatusForm editing=editing.clone() current=detail.summary.review/>
                            {detail.location.map(|at| view! {
                                <LocationMap tiles=detail.map.clone() pins=vec![Pin {
                                    latitude: at.latitude,
                                    longitude: at.longitude,
                                    label: "Submitted here".to_owned(),
                                    accuracy_m: at.accuracy_m,
                                }]/>
                            })}
                            <h2>"Answers"</h2>
                            <dl class="submission-answers" data-testid="answers">
                                {answers(&detail.form.fields, &detail.document, &detail.media, &[], &editing)}
                            </dl>
                            <History changes=detail.history.clone()/>
                        </section>
                    }
                    .into_any()
                }
            })}
        </Suspense>
    }
}

/// Which submission the page edits, and what to do once a change is saved.
#[derive(Clone)]
struct Editing {
    app: String,
    submission: String,
    saved: Callback<()>,
}

#[component]
fn StatusForm(editing: Editing, current: ReviewStatus) -> impl IntoView {
    let chosen = RwSignal::new(current);
    let save = {
        let editing = editing.clone();
        Action::new(move |status: &ReviewStatus| {
            let (app, submission, status) =
                (editing.app.clone(), editing.submission.clone(), *status);
            async move { set_submission_status(app, submission, status).await }
        })
    };
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            editing.saved.run(());
        }
    });
    view! {
        <form class="status-form" on:submit=move |event| {
            event.prevent_default();
            save.dispatch(chosen.get_untracked());
        }>
            <label>"Change the status to "
                <select data-testid="status-choice" on:change=move |event| {
                    if let Some(status) = ReviewStatus::parse(&event_target_value(&event)) {
                        chosen.set(status);
                    }
                }>
                    {ReviewStatus::ALL.into_iter().map(|s| view! {
                        <option value=s.as_str() selected=s == current>{s.label()}</option>
                    }).collect_view()}
                </select>
            </label>
            <button type="submit" disabled=move || save.pending().get()>"Save the status"</button>
            {move || save.value().get().and_then(Result::err).map(|error| view! {
                <p class="field-error" role="alert">{error.to_string()}</p>
            })}
        </form>
    }
}

/// Each answered question by its label; a repeat group's rows one after another. Text
/// answers can be corrected in place.
fn answers(
    fields: &[Field],
    document: &Document,
    media: &[MediaView],
    rows: &[(FieldId, usize)],
    editing: &Editing,
) -> AnyView {
    fields
        .iter()
        .map(|field| match &field.kind {
            Kind::Section { children } => answers(children, document, media, rows, editing),
            Kind::Repeat { children, .. } => document
                .rows(&field.id)
                .iter()
                .enumerate()
                .map(|(index, row)| {
                    let mut inner = rows.to_vec();
                    inner.push((field.id.clone(), index));
                    view! {
                        <dt class="submission-row">{format!("{}, row {}", field.label.text, index + 1)}</dt>
                        <dd><dl>{answers(children, row, media, &inner, editing)}</dl></dd>
                    }
                })
                .collect_view()
                .into_any(),
            Kind::Photo { .. } | Kind::Signature => {
                let files = files::parse(document.text(&field.id)).unwrap_or_default();
                let shown = if files.is_empty() {
                    view! { "—" }.into_any()
                } else {
                    files
                        .iter()
                        .map(|file| picture(&file.id, media.iter().find(|m| m.id == file.id)))
                        .collect_view()
                        .into_any()
                };
                view! { <dt>{field.label.text.clone()}</dt><dd class="submission-media">{shown}</dd> }.into_any()
            }
            Kind::Calculated { .. } => {
                let text = document.text(&field.id);
                let shown = if text.is_empty() { "—".to_owned() } else { text.to_owned() };
                view! { <dt>{field.label.text.clone()}</dt><dd>{shown}</dd> }.into_any()
            }
            kind if kind.holds_an_answer() => view! {
                <dt>{field.label.text.clone()}</dt>
                <dd>
                    <EditableAnswer
                        editing=editing.clone()
                        path=submission::path(rows, &field.id)
                        label=field.label.text.clone()
                        value=document.text(&field.id).to_owned()
                    />
                </dd>
            }
            .into_any(),
            _ => ().into_any(),
        })
        .collect_view()
        .into_any()
}

/// An answer, with "Correct" to change it: the new value is checked like the rest of
/// the submission, and the old one stays in the history.
#[component]
fn EditableAnswer(editing: Editing, path: String, label: String, value: String) -> impl IntoView {
    let open = RwSignal::new(false);
    let draft = RwSignal::new(value.clone());
    let save = {
        let (editing, path) = (editing.clone(), path.clone());
        Action::new(move |value: &String| {
            let edit = AnswerEdit {
                path: path.clone(),
                value: value.clone(),
            };
            let (app, submission) = (editing.app.clone(), editing.submission.clone());
            async move { edit_submission_answer(app, submission, edit).await }
        })
    };
    Effect::new(move |_| {
        if let Some(Ok(())) = save.value().get() {
            open.set(false);
            editing.saved.run(());
        }
    });
    let shown = if value.is_empty() {
        "—".to_owned()
    } else {
        value.replace('\n', ", ")
    };
    let error_path = path.clone();
    view! {
        <span class="answer" data-path=path.clone()>{shown}</span>
        <Show when=move || !open.get()>
            <button type="button" class="link-button" aria-label=format!("Correct “{label}”") on:click=move |_| open.set(true)>"Correct"</button>
        </Show>
        <Show when=move || open.get()>
            <form class="answer-edit" on:submit=move |event| {
                event.prevent_default();
                save.dispatch(draft.get_untracked());
            }>
                <input type="text" aria-label="New answer" prop:value=move || draft.get()
                    on:input=move |event| draft.set(event_target_value(&event))/>
                <button type="submit" disabled=move || save.pending().get()>"Save"</button>
                <button type="button" class="link-button" on:click=move |_| open.set(false)>"Cancel"</button>
            </form>
        </Show>
        {move || save.value().get().and_then(Result::err).map(|error| view! {
            <p class="field-error" role="alert">{error.field(&error_path).unwrap_or_else(|| error.to_string())}</p>
        })}
    }
}

/// Status changes and corrections, oldest first.
#[component]
fn History(changes: Vec<Change>) -> impl IntoView {
    view! {
        <h2>"History"</h2>
        {if changes.is_empty() {
            view! { <p class="muted">"Nothing has been changed since it was received."</p> }.into_any()
        } else {
            view! {
                <ol class="submission-history" data-testid="history">
                    {changes.into_iter().map(|change| {
                        let what = if change.what == "status" { "the status".to_owned() } else { format!("“{}”", change.what) };
                        let value = |v: Option<String>| v.map(|v| ReviewStatus::parse(&v).map(|s| s.label().to_owned()).unwrap_or(v)).unwrap_or_else(|| "(empty)".to_owned());
                        view! {
                            <li>
                                {format!(
                                    "{} — {} changed {what} from {} to {}",
                                    change.at.format("%Y-%m-%d %H:%M UTC"),
                                    change.by.unwrap_or_else(|| "a former member".into()),
                                    value(change.old),
                                    value(change.new),
                                )}
                            </li>
                        }
                    }).collect_view()}
                </ol>
            }.into_any()
        }}
    }
}

/// One photo or signature: its thumbnail linking to the full image once processed,
/// with where the camera says it was taken; otherwise its state.
fn picture(id: &str, view: Option<&MediaView>) -> AnyView {
    let Some(view) = view else {
        return view! { <p class="muted">"Not received."</p> }.into_any();
    };
    match view.status.as_str() {
        "ready" => {
            let taken = view.exif_location.map(|(latitude, longitude)| {
                view! { <p class="muted" data-testid="exif-location">{format!("Taken at {latitude:.5}, {longitude:.5}")}</p> }
            });
            view! {
                <figure data-testid="submitted-photo">
                    <a href=format!("/api/media/{id}/image")>
                        <img src=format!("/api/media/{id}/thumbnail") alt="Submitted picture" loading="lazy"/>
                    </a>
                    {taken}
                </figure>
            }
            .into_any()
        }
        "failed" => view! {
            <p class="field-error">
                {format!("This picture could not be processed: {} ", view.failure.clone().unwrap_or_default())}
                <a href=format!("/api/media/{id}/image")>"Download the original"</a>
            </p>
        }
        .into_any(),
        _ => view! { <p class="muted" data-testid="photo-processing">"Processing…"</p> }.into_any(),
    }
}
