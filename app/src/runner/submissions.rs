//! What builders see of what arrived: `/apps/{app}/submissions`, newest first, and one
//! submission's answers by the labels of the version it was filled with.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_params_map};
use muster_domain::{
    forms::{
        media as files,
        schema::{Field, Kind},
        submission::Document,
    },
    maps::Pin,
    submissions::views::MediaView,
};

use super::api::{load_submission, load_submissions};
use crate::{accounts::pages::LoadError, maps::LocationMap};

#[component]
pub fn SubmissionsPage() -> impl IntoView {
    let params = use_params_map();
    let app_id = move || params.with(|p| p.get("id").unwrap_or_default());
    let list = Resource::new(app_id, load_submissions);
    view! {
        <Title text="Submissions"/>
        <section aria-labelledby="submissions-title">
            <h1 id="submissions-title">"Submissions"</h1>
            <p><A href=move || format!("/apps/{}/build", app_id())>"Back to the builder"</A></p>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || list.get().map(|result| match result {
                    Err(error) => view! { <LoadError error/> }.into_any(),
                    Ok(rows) if rows.is_empty() => view! { <p class="muted">"Nothing has been submitted yet."</p> }.into_any(),
                    Ok(rows) => view! {
                        <table class="data-table" data-testid="submissions">
                            <thead><tr><th>"Received"</th><th>"By"</th><th>"Version"</th><th>"Status"</th></tr></thead>
                            <tbody>
                                {rows.into_iter().map(|row| view! {
                                    <tr>
                                        <td><A href=format!("/apps/{}/submissions/{}", app_id(), row.id)>{row.received_at.format("%Y-%m-%d %H:%M:%S UTC").to_string()}</A></td>
                                        <td>{row.submitted_by.unwrap_or_else(|| "a former member".into())}</td>
                                        <td>{row.version}</td>
                                        <td>{row.status}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    }.into_any(),
                })}
            </Suspense>
        </section>
    }
}

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
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || detail.get().map(|result| match result {
                Err(error) => view! { <LoadError error/> }.into_any(),
                Ok(detail) => view! {
                    <Title text=format!("Submission to {}", detail.app_name)/>
                    <section aria-labelledby="submission-title">
                        <h1 id="submission-title">{format!("Submission to {}", detail.app_name)}</h1>
                        <dl class="submission-facts">
                            <dt>"Received"</dt><dd>{detail.summary.received_at.format("%Y-%m-%d %H:%M:%S UTC").to_string()}</dd>
                            <dt>"By"</dt><dd>{detail.summary.submitted_by.clone().unwrap_or_else(|| "a former member".into())}</dd>
                            <dt>"Version"</dt><dd>{detail.summary.version}</dd>
                            <dt>"Status"</dt><dd>{detail.summary.status.clone()}</dd>
                        </dl>
                        {detail.location.map(|at| view! {
                            <LocationMap tiles=detail.map.clone() pins=vec![Pin {
                                latitude: at.latitude,
                                longitude: at.longitude,
                                label: "Submitted here".to_owned(),
                                accuracy_m: at.accuracy_m,
                            }]/>
                        })}
                        <dl class="submission-answers" data-testid="answers">
                            {answers(&detail.form.fields, &detail.document, &detail.media)}
                        </dl>
                    </section>
                }.into_any(),
            })}
        </Suspense>
    }
}

/// Each answered question by its label; a repeat group's rows one after another.
fn answers(fields: &[Field], document: &Document, media: &[MediaView]) -> AnyView {
    fields
        .iter()
        .map(|field| match &field.kind {
            Kind::Section { children } => answers(children, document, media),
            Kind::Repeat { children, .. } => document
                .rows(&field.id)
                .iter()
                .enumerate()
                .map(|(index, row)| {
                    view! {
                        <dt class="submission-row">{format!("{}, row {}", field.label.text, index + 1)}</dt>
                        <dd><dl>{answers(children, row, media)}</dl></dd>
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
            kind if kind.holds_an_answer() => {
                let text = document.text(&field.id);
                let shown = if text.is_empty() { "—".to_owned() } else { text.replace('\n', ", ") };
                view! { <dt>{field.label.text.clone()}</dt><dd>{shown}</dd> }.into_any()
            }
            _ => ().into_any(),
        })
        .collect_view()
        .into_any()
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
