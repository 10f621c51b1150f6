//! The live preview: the form as a field worker will fill it in, running the same
//! engine as the runner and the server (`muster_domain::forms::fill`), so conditions,
//! calculations and messages behave here exactly as they will there.

use leptos::{ev, prelude::*};
use muster_domain::forms::{
    fill::{evaluate, Answers, Evaluation},
    schema::{Field, FieldId, Kind},
};

use super::state::Builder;

#[derive(Clone, Copy)]
struct Preview {
    answers: RwSignal<Answers>,
    evaluation: Memo<Evaluation>,
    /// The language labels are shown in (`None`: the default text).
    language: RwSignal<Option<String>>,
}

#[component]
pub fn PreviewPanel(builder: Builder) -> impl IntoView {
    let answers = RwSignal::new(Answers::new());
    let evaluation = Memo::new(move |_| {
        let now = chrono::Utc::now().naive_utc();
        answers.with(|answers| builder.form.with(|form| evaluate(form, answers, now)))
    });
    let language = RwSignal::new(None::<String>);
    provide_context(Preview {
        answers,
        evaluation,
        language,
    });
    let languages = Memo::new(move |_| builder.form.with(|f| f.languages()));
    view! {
        <section class="preview" aria-label="Preview" data-testid="preview">
            <div class="preview-header">
                <h2>"Preview"</h2>
                <button type="button" class="button small" on:click=move |_| answers.set(Answers::new())>"Clear answers"</button>
            </div>
            {move || (!languages.with(|l| l.is_empty())).then(|| view! {
                <div class="field">
                    <label for="preview-language">"Language"</label>
                    <select id="preview-language" on:change=move |event| {
                        let tag = event_target_value(&event);
                        language.set((!tag.is_empty()).then_some(tag));
                    }>
                        <option value="" selected=move || language.with(Option::is_none)>"Default"</option>
                        {languages.get().into_iter().map(|tag| {
                            let selected = { let tag = tag.clone(); move || language.with(|l| l.as_deref() == Some(tag.as_str())) };
                            view! { <option value=tag.clone() selected=selected>{tag.clone()}</option> }
                        }).collect_view()}
                    </select>
                </div>
            })}
            <form class="preview-form" on:submit=|event: ev::SubmitEvent| event.prevent_default()>
                <PreviewList builder parent=None/>
            </form>
        </section>
    }
    .into_any()
}

#[component]
fn PreviewList(builder: Builder, parent: Option<FieldId>) -> impl IntoView {
    let ids = builder.child_ids(parent);
    view! {
        <For each=move || ids.get() key=|id| id.clone() let:id>
            <PreviewField builder id/>
        </For>
    }
    .into_any()
}

#[component]
fn PreviewField(builder: Builder, id: FieldId) -> impl IntoView {
    let preview = expect_context::<Preview>();
    let field = builder.field_memo(id.clone());
    let hidden = {
        let id = id.clone();
        move || preview.evaluation.with(|e| e.hidden.contains(&id.0))
    };
    let message = {
        let id = id.clone();
        move || preview.evaluation.with(|e| e.messages.get(&id.0).cloned())
    };
    let input_id = format!("preview-{}", id.0);
    let body = {
        let id = id.clone();
        move || {
            let language = preview.language.get();
            field
                .get()
                .map(|field| control(builder, &id, &field, &input_id, language.as_deref()))
        }
    };
    view! {
        <div class="preview-field" data-preview=id.0.clone() class:hidden=hidden.clone() aria-hidden=move || hidden().to_string()>
            {body}
            {move || message().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
        </div>
    }
    .into_any()
}

fn control(
    builder: Builder,
    id: &FieldId,
    field: &Field,
    input_id: &str,
    language: Option<&str>,
) -> AnyView {
    let preview = expect_context::<Preview>();
    let answer = {
        let id = id.clone();
        move || {
            preview
                .answers
                .with(|a| a.get(&id).cloned().unwrap_or_default())
        }
    };
    let set = {
        let id = id.clone();
        move |value: String| {
            preview.answers.update(|a| {
                a.insert(id.clone(), value);
            })
        }
    };
    let label = field.label.text_in(language).to_owned();
    let required = field.required.then_some(" *");
    let help = field.help.as_ref().map(|h| h.text.clone());
    let hint =
        move |help: Option<String>| help.map(|text| view! { <p class="field-hint">{text}</p> });
    let labelled = |input: AnyView| {
        view! {
            <label for=input_id.to_owned()>{label.clone()}{required}</label>
            {hint(help.clone())}
            {input}
        }
        .into_any()
    };
    let text_input = |kind: &'static str| {
        let set = set.clone();
        view! {
            <input id=input_id.to_owned() type=kind step="any" prop:value=answer.clone()
                on:input=move |event| set(event_target_value(&event))/>
        }
        .into_any()
    };
    match &field.kind {
        Kind::ShortText { .. } | Kind::Barcode => labelled(text_input("text")),
        Kind::LongText { .. } => {
            let set = set.clone();
            labelled(view! {
                <textarea id=input_id.to_owned() prop:value=answer.clone() on:input=move |event| set(event_target_value(&event))></textarea>
            }.into_any())
        }
        Kind::Number { .. } => labelled(text_input("number")),
        Kind::Date => labelled(text_input("date")),
        Kind::Time => labelled(text_input("time")),
        Kind::DateTime => labelled(text_input("datetime-local")),
        Kind::YesNo => {
            let options = [("yes", "Yes"), ("no", "No")].map(|(value, text)| (value.to_owned(), text.to_owned()));
            labelled(choices(id, &options, false, answer, set))
        }
        Kind::SingleChoice { options } | Kind::MultipleChoice { options } => {
            let multiple = matches!(field.kind, Kind::MultipleChoice { .. });
            let options: Vec<(String, String)> = options.iter().map(|o| (o.value.clone(), o.label.text.clone())).collect();
            labelled(choices(id, &options, multiple, answer, set))
        }
        Kind::Photo { max_count, .. } => {
            let multiple = *max_count > 1;
            labelled(view! {
                <input id=input_id.to_owned() type="file" accept="image/*" multiple=multiple disabled=true/>
            }.into_any())
        }
        Kind::Location { .. } => labelled(view! { <button type="button" class="button small" id=input_id.to_owned() disabled=true>"Use my location"</button> }.into_any()),
        Kind::Signature => labelled(view! { <div class="signature-pad" id=input_id.to_owned()>"Signature"</div> }.into_any()),
        Kind::Note => view! { <p class="note">{label}</p> }.into_any(),
        Kind::Calculated { .. } => {
            let id = id.clone();
            let value = move || preview.evaluation.with(|e| e.calculated.get(&id.0).cloned().unwrap_or_default());
            labelled(view! { <output id=input_id.to_owned() data-testid="calculated">{value}</output> }.into_any())
        }
        Kind::PageBreak => view! { <hr class="page-break" aria-label="Page break"/> }.into_any(),
        Kind::Section { .. } | Kind::Repeat { .. } => {
            let repeat = matches!(field.kind, Kind::Repeat { .. });
            view! {
                <fieldset class="preview-group">
                    <legend>{label}{repeat.then_some(" (one row shown)")}</legend>
                    {hint(help)}
                    <PreviewList builder parent=Some(id.clone())/>
                </fieldset>
            }
            .into_any()
        }
    }
}

/// The same radio buttons and checkboxes as the runner, named after the previewed field.
fn choices(
    id: &FieldId,
    options: &[(String, String)],
    multiple: bool,
    answer: impl Fn() -> String + Clone + Send + Sync + 'static,
    set: impl Fn(String) + Clone + Send + Sync + 'static,
) -> AnyView {
    crate::runner::fill::choices(
        &format!("preview-{}", id.0),
        options,
        multiple,
        answer,
        set,
        |_| {},
    )
}
