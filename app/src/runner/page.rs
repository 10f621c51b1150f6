//! `/run/{app}`: one published app, filled in page by page (page breaks split it), then
//! a summary with every problem before it is sent.

use std::collections::HashSet;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::A,
    hooks::{use_params_map, use_query_map},
};
use muster_domain::{
    forms::{
        fill::evaluate_document,
        schema::{Field, Form, Kind},
        submission::{self, Document, LeftBehind},
    },
    submissions::views::{NewSubmission, RunnerApp},
};

use super::{
    api::load_runner_app,
    fill::{Fields, Filling},
    status::OutboxLine,
};
use crate::accounts::pages::LoadError;

#[component]
pub fn RunnerPage() -> impl IntoView {
    let params = use_params_map();
    let app_id = move || params.with(|p| p.get("id").unwrap_or_default());
    let app = Resource::new(app_id, load_runner_app);
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading the form…"</p> }>
            {move || app.get().map(|result| match result {
                Err(error) => view! { <LoadError error/> }.into_any(),
                Ok(app) => view! { <Runner app/> }.into_any(),
            })}
        </Suspense>
    }
}

/// The form's pages: its top-level fields split at page breaks.
fn pages(form: &Form) -> Vec<Vec<Field>> {
    let mut pages = vec![Vec::new()];
    for field in &form.fields {
        match field.kind {
            Kind::PageBreak => pages.push(Vec::new()),
            _ => {
                if let Some(page) = pages.last_mut() {
                    page.push(field.clone());
                }
            }
        }
    }
    pages.retain(|page| !page.is_empty());
    if pages.is_empty() {
        pages.push(Vec::new());
    }
    pages
}

/// The label of the field a path ends in, with its row: "Visits, row 2: Duration".
fn describe(form: &Form, path: &str) -> String {
    let parts: Vec<&str> = path.split('.').collect();
    let label = |id: &str| {
        form.walk()
            .into_iter()
            .find(|(f, _)| f.id.0 == id)
            .map_or_else(|| id.to_owned(), |(f, _)| f.label.text.clone())
    };
    let mut out = String::new();
    let mut index = 0;
    while index + 2 < parts.len() {
        let row: usize = parts[index + 1].parse().unwrap_or(0);
        out.push_str(&format!("{}, row {}: ", label(parts[index]), row + 1));
        index += 2;
    }
    out.push_str(&label(parts.last().copied().unwrap_or_default()));
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Step {
    Page(usize),
    Review,
    /// Kept in the outbox, which sends it (now, or when the network returns).
    Kept,
}

#[component]
fn Runner(app: RunnerApp) -> impl IntoView {
    let form = StoredValue::new(app.form.clone());
    let all_pages = StoredValue::new(pages(&app.form));
    let page_count = all_pages.with_value(Vec::len);
    let document = RwSignal::new(Document::default());
    let client_id = RwSignal::new(String::new());
    let evaluation = Memo::new(move |_| {
        let now = chrono::Local::now().naive_local();
        document.with(|d| form.with_value(|f| evaluate_document(f, d, now)))
    });
    let filling = Filling {
        document,
        evaluation,
        touched: RwSignal::new(HashSet::new()),
        reveal: RwSignal::new(false),
        user_id: StoredValue::new(app.user_id.clone()),
        photo_max_px: app.photo_max_px,
    };
    provide_context(filling);
    let step = RwSignal::new(Step::Page(0));
    let (app_id, user_id, version) = (
        StoredValue::new(app.id.clone()),
        StoredValue::new(app.user_id.clone()),
        app.version,
    );
    // A draft left unfinished on an older version, offered to move onto this one.
    let older = RwSignal::new(None::<(i32, String)>);
    let left_behind = RwSignal::new(Vec::<LeftBehind>::new());
    #[cfg(feature = "hydrate")]
    {
        use super::draft::{self, Draft};
        // Nothing is saved before the kept draft is back, or an empty form could
        // overwrite it.
        let restored = RwSignal::new(false);
        // Restored once the page is hydrated: the server rendered an empty form, and
        // the hydrated page must match it before the device's answers come in.
        Effect::new(move |_| {
            let (user, app) = (user_id.get_value(), app_id.get_value());
            let kept = draft::load(&user, &app, version);
            if kept.is_none() {
                older.set(draft::older(&user, &app, version).map(|(v, d)| (v, d.client_id)));
            }
            let kept = kept.unwrap_or_else(|| Draft {
                client_id: crate::shell::random::uuid(),
                document: Document::default(),
            });
            client_id.set(kept.client_id);
            document.set(kept.document);
            restored.set(true);
            super::outbox::register_service_worker();
            super::outbox::start(&user);
        });
        Effect::new(move |_| {
            if !restored.get() {
                return;
            }
            let current = Draft {
                client_id: client_id.get(),
                document: document.get(),
            };
            if step.get_untracked() != Step::Kept {
                draft::save(&user_id.get_value(), &app_id.get_value(), version, &current);
            }
        });
    }
    let problems = move || {
        let mut list: Vec<(String, String)> = evaluation.with(|e| {
            e.messages
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        });
        list.sort();
        list
    };
    // Problems on the page being shown stop "Next"; the rest wait for the summary.
    let page_problems = move |index: usize| {
        let ids: Vec<String> =
            all_pages.with_value(|p| p[index].iter().map(|f| f.id.0.clone()).collect());
        evaluation.with(|e| {
            e.messages.keys().any(|path| {
                let top = path.split('.').next().unwrap_or_default();
                ids.iter().any(|id| id == top) || form.with_value(|f| nested_in(f, &ids, top))
            })
        })
    };
    let failure = RwSignal::new(None::<String>);
    let keeping = RwSignal::new(false);
    // Opened from an activity of the plan ("due now" on the launcher): the submission
    // says where it was made.
    let query = use_query_map();
    let activity = Memo::new(move |_| query.with(|q| q.get("activity")).filter(|a| !a.is_empty()));
    let send = move |_| {
        filling.reveal.set(true);
        if !problems().is_empty() || keeping.get_untracked() {
            return;
        }
        let submission = NewSubmission {
            client_id: client_id.get_untracked(),
            version,
            finished_at: chrono::Local::now().fixed_offset(),
            document: document.get_untracked(),
            activity_id: activity.get_untracked(),
        };
        let (app, user) = (app_id.get_value(), user_id.get_value());
        let item = serde_json::json!({
            "client_id": submission.client_id,
            "user_id": user,
            "app_id": app,
            "files": form.with_value(|f| submission::files(f, &submission.document))
                .into_iter()
                .map(|file| file.id)
                .collect::<Vec<_>>(),
            "body": { "app_id": app, "submission": submission },
        });
        keeping.set(true);
        leptos::task::spawn_local(async move {
            #[cfg(feature = "hydrate")]
            let kept = super::outbox::enqueue(&item).await;
            #[cfg(not(feature = "hydrate"))]
            let kept: Result<(), String> = {
                let _ = item;
                Err("only a browser keeps submissions".to_owned())
            };
            keeping.set(false);
            match kept {
                Ok(()) => {
                    #[cfg(feature = "hydrate")]
                    {
                        super::draft::forget(&user, &app, version);
                        super::outbox::send_now(&user);
                    }
                    failure.set(None);
                    step.set(Step::Kept);
                }
                Err(error) => failure.set(Some(format!(
                    "This device could not keep the submission ({error}). Your answers are still here: try again, or free some space on the device."
                ))),
            }
        });
    };
    let start_again = move |_| {
        #[cfg(feature = "hydrate")]
        client_id.set(crate::shell::random::uuid());
        filling.reveal.set(false);
        filling.touched.set(HashSet::new());
        document.set(Document::default());
        step.set(Step::Page(0));
    };
    let move_older = move |_| {
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            use super::draft;
            use muster_domain::forms::submission::carry_over;
            let Some((old_version, _)) = older.get_untracked() else {
                return;
            };
            let (user, app) = (user_id.get_value(), app_id.get_value());
            let Some((_, old_draft)) = draft::older(&user, &app, version) else {
                return;
            };
            match crate::builder::api::load_version(app.clone(), old_version).await {
                Ok(old_form) => {
                    let (moved, left) = form.with_value(|new_form| {
                        carry_over(&old_form, new_form, &old_draft.document)
                    });
                    client_id.set(old_draft.client_id);
                    document.set(moved);
                    left_behind.set(left);
                    draft::forget(&user, &app, old_version);
                    older.set(None);
                }
                Err(error) => failure.set(Some(format!(
                    "The older version could not be loaded: {error}"
                ))),
            }
        });
    };
    let title = app.name.clone();
    view! {
        <Title text=title.clone()/>
        <section class="runner" aria-labelledby="runner-title">
            <h1 id="runner-title">{title}</h1>
            <p class="muted">{format!("Version {version}")}</p>
            <OutboxLine user_id=app.user_id.clone()/>
            {move || older.get().map(|(old_version, _)| view! {
                <div class="form-alert" role="status" data-testid="older-draft">
                    <p>{format!("You have an unfinished submission of version {old_version}. Move its answers to version {version}? Answers that no longer fit are listed, not lost.")}</p>
                    <button type="button" class="button small" on:click=move_older>"Move my answers"</button>
                </div>
            })}
            {move || {
                let left = left_behind.get();
                (!left.is_empty()).then(|| view! {
                    <div class="form-alert" role="status" data-testid="left-behind">
                        <p>"These answers do not fit this version and were left out:"</p>
                        <ul>{left.into_iter().map(|l| view! { <li>{format!("{}: {}", l.question, l.answer)}</li> }).collect_view()}</ul>
                    </div>
                })
            }}
            <form class="run-form" novalidate=true on:submit=|event| event.prevent_default()>
                {move || match step.get() {
                    Step::Page(index) => {
                        let fields = all_pages.with_value(|p| p[index].clone());
                        let next = move |_| {
                            if page_problems(index) {
                                filling.reveal.set(true);
                            } else {
                                filling.reveal.set(false);
                                step.set(if index + 1 < page_count { Step::Page(index + 1) } else { Step::Review });
                            }
                        };
                        view! {
                            {(page_count > 1).then(|| view! { <p class="run-progress">{format!("Page {} of {page_count}", index + 1)}</p> })}
                            <Fields fields rows=Vec::new()/>
                            <div class="run-nav">
                                {(index > 0).then(|| view! {
                                    <button type="button" class="button secondary" on:click=move |_| step.set(Step::Page(index - 1))>"Back"</button>
                                })}
                                <button type="button" class="button" on:click=next>
                                    {if index + 1 < page_count { "Next" } else { "Review" }}
                                </button>
                            </div>
                        }.into_any()
                    }
                    Step::Review => view! {
                        <h2>"Review"</h2>
                        {move || {
                            let list = problems();
                            if list.is_empty() {
                                view! { <p data-testid="review-ok">"Everything is answered. Send it when you are ready."</p> }.into_any()
                            } else {
                                view! {
                                    <div class="form-alert" role="alert" data-testid="review-problems">
                                        <p>{format!("{} answer(s) need attention before sending:", list.len())}</p>
                                        <ul>
                                            {list.into_iter().map(|(path, message)| {
                                                let what = form.with_value(|f| describe(f, &path));
                                                view! { <li>{format!("{what}: {message}")}</li> }
                                            }).collect_view()}
                                        </ul>
                                    </div>
                                }.into_any()
                            }
                        }}
                        {move || failure.get().map(|message| view! {
                            <p class="form-alert" role="alert" data-testid="send-failed">{message}</p>
                        })}
                        <div class="run-nav">
                            <button type="button" class="button secondary" on:click=move |_| step.set(Step::Page(page_count - 1))>"Back"</button>
                            <button type="button" class="button" on:click=send disabled=move || keeping.get()>"Send"</button>
                        </div>
                    }.into_any(),
                    Step::Kept => view! {
                        <div class="run-sent" role="status" data-testid="kept">
                            <h2>"Done"</h2>
                            <p>"Your submission is kept on this device until the server has it; it is sent as soon as there is a network."</p>
                            <button type="button" class="button" on:click=start_again>"Fill in another"</button>
                            <p><A href="/run">"Other apps"</A></p>
                        </div>
                    }.into_any(),
                }}
            </form>
        </section>
    }
}

/// Whether the top-level id `top` is a field nested (in a section) under one of `ids`.
fn nested_in(form: &Form, ids: &[String], top: &str) -> bool {
    fn contains(field: &Field, id: &str) -> bool {
        field.id.0 == id || field.kind.children().iter().any(|c| contains(c, id))
    }
    form.fields
        .iter()
        .filter(|f| ids.contains(&f.id.0))
        .any(|f| contains(f, top))
}

#[cfg(test)]
mod tests {
    use super::*;
    use muster_domain::forms::schema::FieldId;

    #[test]
    fn page_breaks_split_the_form_into_pages() {
        let field = |id: &str, kind: Kind| Field::new(FieldId(id.into()), id, kind);
        let form = Form {
            fields: vec![
                field("a", Kind::YesNo),
                field("break_1", Kind::PageBreak),
                field("break_2", Kind::PageBreak),
                field("b", Kind::YesNo),
            ],
        };
        let split = pages(&form);
        assert_eq!(split.len(), 2);
        assert_eq!(split[1][0].id.0, "b");
        assert_eq!(pages(&Form::default()).len(), 1);
        let rows = Form {
            fields: vec![field(
                "visits",
                Kind::Repeat {
                    children: vec![field("duration", Kind::YesNo)],
                    min: 0,
                    max: None,
                },
            )],
        };
        assert_eq!(
            describe(&rows, "visits.1.duration"),
            "visits, row 2: duration"
        );
    }
}
