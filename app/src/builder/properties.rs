//! The properties panel: everything about the selected field, edited in place. Each
//! input writes one property (see `muster_domain::forms::edit::Edit::Set`), so two
//! people editing different properties of the same field never collide.
//!
//! Inputs show the draft's value reactively and are never re-created while typing
//! (that would lose the caret): the panel is rebuilt only when the selection or the
//! field's type changes.

use leptos::{ev, prelude::*};
use muster_domain::forms::{
    arrange::{self, FIELD_TYPES},
    edit::{self, blank_kind, type_name, Property},
    schema::{Field, FieldId, Label},
    validate::Problem,
};
use serde_json::{json, Value};

use super::{
    canvas::{duplicate_field, focus_field, remove_field},
    state::Builder,
};

type Read = fn(&Field) -> String;
type Write = fn(&Field, String) -> Option<Value>;

#[component]
pub fn PropertiesPanel(builder: Builder, problems: Memo<Vec<Problem>>) -> impl IntoView {
    view! {
        <aside class="properties" aria-label="Properties of the selected field" data-testid="properties">
            <h2>"Properties"</h2>
            {move || match builder.selected.get() {
                None => view! { <p class="muted">"Select a field to change it."</p> }.into_any(),
                Some(id) => view! { <FieldProperties builder id problems/> }.into_any(),
            }}
        </aside>
    }
    .into_any()
}

#[component]
fn FieldProperties(builder: Builder, id: FieldId, problems: Memo<Vec<Problem>>) -> impl IntoView {
    let field = builder.field_memo(id.clone());
    let kind = Memo::new(move |_| field.with(|f| f.as_ref().map(|f| type_name(&f.kind))));
    let text = |input_id: &'static str,
                property: Property,
                label: &'static str,
                multiline: bool,
                read: Read,
                write: Write| {
        view! { <TextProperty builder id=id.clone() field input_id property label multiline read write problems/> }
    };
    let settings = {
        let id = id.clone();
        move || {
            let id = id.clone();
            kind.get()
                .map(|kind| kind_settings(builder, id, field, &kind, problems))
        }
    };
    view! {
        <Toolbar builder id=id.clone()/>
        <p class="muted">"Referred to in rules as " <code>{format!("${}", id.0)}</code></p>
        <div class="field">
            <label for="prop-type">"Type"</label>
            <select id="prop-type" on:change={
                let id = id.clone();
                move |event| builder.set_property(&id, Property::Type, Some(json!(event_target_value(&event))))
            }>
                {FIELD_TYPES.into_iter().map(|name| view! {
                    <option value=name selected=move || kind.get().as_deref() == Some(name)>
                        {blank_kind(name).map(|k| k.name()).unwrap_or(name)}
                    </option>
                }).collect_view()}
            </select>
        </div>
        {text("prop-label", Property::Label, "Label", false, |f| f.label.text.clone(), |f, value| {
            let mut label = f.label.clone();
            label.text = value;
            serde_json::to_value(label).ok()
        })}
        <Translations builder id=id.clone() field/>
        {text("prop-help", Property::Help, "Help text", true, |f| f.help.as_ref().map(|h| h.text.clone()).unwrap_or_default(), |_, value| {
            (!value.trim().is_empty()).then(|| json!({ "text": value }))
        })}
        <CheckProperty builder id=id.clone() field property=Property::Required label="An answer is required"/>
        {text("prop-show-if", Property::ShowIf, "Show only if", true, |f| f.show_if.clone().unwrap_or_default(), |_, value| {
            (!value.trim().is_empty()).then(|| json!(value))
        })}
        {text("prop-rule", Property::Constraint, "Validation rule", true, |f| f.constraint.as_ref().map(|c| c.expression.clone()).unwrap_or_default(), |f, value| {
            let message = f.constraint.as_ref().map(|c| c.message.text.clone()).unwrap_or_default();
            (!value.trim().is_empty() || !message.is_empty()).then(|| json!({ "expression": value, "message": { "text": message } }))
        })}
        {text("prop-rule-message", Property::Constraint, "Message when the rule is broken", false, |f| f.constraint.as_ref().map(|c| c.message.text.clone()).unwrap_or_default(), |f, value| {
            let expression = f.constraint.as_ref().map(|c| c.expression.clone()).unwrap_or_default();
            (!value.is_empty() || !expression.trim().is_empty()).then(|| json!({ "expression": expression, "message": { "text": value } }))
        })}
        {settings}
        <FieldProblems id problems/>
    }
    .into_any()
}

/// The settings that belong to the field's type.
fn kind_settings(
    builder: Builder,
    id: FieldId,
    field: Memo<Option<Field>>,
    kind: &str,
    problems: Memo<Vec<Problem>>,
) -> AnyView {
    let number = |property: Property, label: &'static str| {
        view! { <NumberProperty builder id=id.clone() field property label/> }
    };
    match kind {
        "short_text" | "long_text" => number(Property::MaxLength, "Maximum length (characters)").into_any(),
        "number" => view! {
            <CheckProperty builder id=id.clone() field property=Property::Integer label="Whole numbers only"/>
            {number(Property::Min, "Smallest allowed")}
            {number(Property::Max, "Largest allowed")}
            {number(Property::Step, "Step")}
        }
        .into_any(),
        "single_choice" | "multiple_choice" => view! { <OptionsEditor builder id field/> }.into_any(),
        "photo" => view! {
            {number(Property::MaxCount, "Most photos")}
            {number(Property::MaxSizeKib, "Largest photo (KiB)")}
        }
        .into_any(),
        "location" => number(Property::AccuracyM, "Required accuracy (metres)").into_any(),
        "calculated" => view! {
            <TextProperty builder id field input_id="prop-calculation" property=Property::Expression label="Calculation" multiline=true
                read=|f| match &f.kind { muster_domain::forms::schema::Kind::Calculated { expression } => expression.clone(), _ => String::new() }
                write=|_, value| Some(json!(value)) problems/>
        }
        .into_any(),
        "repeat" => view! {
            {number(Property::Min, "Fewest rows")}
            {number(Property::Max, "Most rows")}
        }
        .into_any(),
        _ => ().into_any(),
    }
}

#[component]
fn Toolbar(builder: Builder, id: FieldId) -> impl IntoView {
    let command =
        move |command: fn(&muster_domain::forms::schema::Form, &FieldId) -> Option<edit::Edit>| {
            let id = id.clone();
            move |_: ev::MouseEvent| {
                if let Some(edit) = builder.form.with_untracked(|form| command(form, &id)) {
                    builder.perform(vec![edit]);
                    focus_field(&id);
                }
            }
        };
    let id_for_copy = builder.selected;
    view! {
        <div class="toolbar" role="toolbar" aria-label="Arrange the field">
            <button type="button" class="button small" on:click=command(arrange::move_up)>"Move up"</button>
            <button type="button" class="button small" on:click=command(arrange::move_down)>"Move down"</button>
            <button type="button" class="button small" on:click=command(arrange::into_group_above)>"Into group above"</button>
            <button type="button" class="button small" on:click=command(arrange::out_of_group)>"Out of group"</button>
            <button type="button" class="button small" on:click=move |_| {
                if let Some(id) = id_for_copy.get_untracked() { duplicate_field(builder, &id) }
            }>"Duplicate"</button>
            <button type="button" class="button small danger" on:click=move |_| {
                if let Some(id) = id_for_copy.get_untracked() { remove_field(builder, &id) }
            }>"Delete"</button>
        </div>
    }
    .into_any()
}

#[component]
fn TextProperty(
    builder: Builder,
    id: FieldId,
    field: Memo<Option<Field>>,
    /// The input's element id (two inputs edit parts of `constraint`).
    input_id: &'static str,
    property: Property,
    label: &'static str,
    multiline: bool,
    read: Read,
    write: Write,
    problems: Memo<Vec<Problem>>,
) -> impl IntoView {
    let value = move || field.with(|f| f.as_ref().map(read).unwrap_or_default());
    let on_input = {
        let id = id.clone();
        move |event: ev::Event| {
            let text = event_target_value(&event);
            if let Some(current) = field.get_untracked() {
                builder.set_property(&id, property, write(&current, text));
            }
        }
    };
    // Expression problems point at the characters they are about.
    let problem = {
        let id = id.clone();
        move || {
            if !matches!(input_id, "prop-show-if" | "prop-rule" | "prop-calculation") {
                return None;
            }
            let source = value();
            problems.with(|all| {
                all.iter()
                    .find(|p| p.field.as_ref() == Some(&id) && p.property == property.key() && p.span.is_some())
                    .cloned()
            })
            .map(|p| {
                let span = p.span.unwrap_or(muster_domain::forms::expr::Span::new(0, 0));
                let chars: Vec<char> = source.chars().collect();
                let clamp = |i: usize| i.min(chars.len());
                let (start, end) = (clamp(span.start), clamp(span.end.max(span.start)));
                let before: String = chars[..start].iter().collect();
                let marked: String = chars[start..end].iter().collect();
                let after: String = chars[end..].iter().collect();
                view! {
                    <div class="expression-problem" role="alert" data-testid=format!("problem-{property}")>
                        <p>{p.message.clone()} {format!(" (characters {}–{})", span.start + 1, span.end.max(span.start + 1))}</p>
                        <pre><code>{before}<mark>{if marked.is_empty() { " ".to_owned() } else { marked }}</mark>{after}</code></pre>
                    </div>
                }
            })
        }
    };
    let input = if multiline {
        view! { <textarea id=input_id rows="2" spellcheck="false" prop:value=value on:input=on_input></textarea> }.into_any()
    } else {
        view! { <input id=input_id type="text" prop:value=value on:input=on_input/> }.into_any()
    };
    view! {
        <div class="field">
            <label for=input_id>{label}</label>
            {input}
            {problem}
        </div>
    }
}

#[component]
fn NumberProperty(
    builder: Builder,
    id: FieldId,
    field: Memo<Option<Field>>,
    property: Property,
    label: &'static str,
) -> impl IntoView {
    let input_id = format!("prop-{property}");
    let value = move || {
        field.with(|f| {
            f.as_ref()
                .and_then(|f| edit::property(f, property))
                .map(|v| v.to_string())
                .unwrap_or_default()
        })
    };
    let on_input = move |event: ev::Event| {
        let text = event_target_value(&event);
        let text = text.trim();
        let value = if text.is_empty() {
            None
        } else if let Ok(whole) = text.parse::<u64>() {
            Some(json!(whole))
        } else if let Ok(number) = text.parse::<f64>() {
            Some(json!(number))
        } else {
            return;
        };
        builder.set_property(&id, property, value);
    };
    view! {
        <div class="field">
            <label for=input_id.clone()>{label}</label>
            <input id=input_id type="number" step="any" prop:value=value on:input=on_input/>
        </div>
    }
    .into_any()
}

#[component]
fn CheckProperty(
    builder: Builder,
    id: FieldId,
    field: Memo<Option<Field>>,
    property: Property,
    label: &'static str,
) -> impl IntoView {
    let input_id = format!("prop-{property}");
    let checked = move || {
        field.with(|f| {
            f.as_ref()
                .and_then(|f| edit::property(f, property))
                .and_then(|v| v.as_bool())
                .unwrap_or(false)
        })
    };
    view! {
        <div class="field checkbox">
            <input id=input_id.clone() type="checkbox" prop:checked=checked
                on:change=move |event| builder.set_property(&id, property, Some(json!(event_target_checked(&event))))/>
            <label for=input_id>{label}</label>
        </div>
    }
    .into_any()
}

/// The options of a choice field: label and stored value for each.
#[component]
fn OptionsEditor(builder: Builder, id: FieldId, field: Memo<Option<Field>>) -> impl IntoView {
    let options = Memo::new(move |_| {
        field.with(|f| {
            f.as_ref()
                .and_then(|f| edit::property(f, Property::Options))
                .and_then(|v| v.as_array().cloned())
                .unwrap_or_default()
        })
    });
    let count = Memo::new(move |_| options.with(Vec::len));
    let write = {
        let id = id.clone();
        move |change: &dyn Fn(&mut Vec<Value>)| {
            let mut list = options.get_untracked();
            change(&mut list);
            builder.set_property(&id, Property::Options, Some(Value::Array(list)));
        }
    };
    let rows = {
        let write = write.clone();
        move || {
            (0..count.get())
                .map(|index| {
                    let read = move |key: &'static str| {
                        move || {
                            options.with(|list| {
                                list.get(index)
                                    .and_then(|o| if key == "label" { o.get("label")?.get("text") } else { o.get(key) })
                                    .and_then(Value::as_str)
                                    .unwrap_or_default()
                                    .to_owned()
                            })
                        }
                    };
                    let set_label = {
                        let write = write.clone();
                        move |event: ev::Event| {
                            let text = event_target_value(&event);
                            write(&|list| {
                                if let Some(option) = list.get_mut(index) {
                                    option["label"] = json!({ "text": text.clone() });
                                }
                            })
                        }
                    };
                    let set_value = {
                        let write = write.clone();
                        move |event: ev::Event| {
                            let text = event_target_value(&event);
                            write(&|list| {
                                if let Some(option) = list.get_mut(index) {
                                    option["value"] = json!(text.clone());
                                }
                            })
                        }
                    };
                    let remove = {
                        let write = write.clone();
                        move |_| write(&|list| {
                            if index < list.len() {
                                list.remove(index);
                            }
                        })
                    };
                    view! {
                        <li class="option-row">
                            <input type="text" aria-label=format!("Option {} label", index + 1) prop:value=read("label") on:input=set_label/>
                            <input type="text" aria-label=format!("Option {} value", index + 1) class="option-value" prop:value=read("value") on:input=set_value/>
                            <button type="button" class="button small" aria-label=format!("Remove option {}", index + 1) on:click=remove>"✕"</button>
                        </li>
                    }
                })
                .collect_view()
        }
    };
    let add = move |_| {
        write(&|list| {
            let n = list.len() + 1;
            list.push(json!({ "value": format!("option_{n}"), "label": { "text": format!("Option {n}") } }));
        })
    };
    view! {
        <fieldset class="options-editor">
            <legend>"Options (label, stored value)"</legend>
            <ol class="plain-list">{rows}</ol>
            <button type="button" class="button small" on:click=add>"Add option"</button>
        </fieldset>
    }
    .into_any()
}

/// The label in other languages (`fr`, `pt-BR`, …); the preview can show each.
#[component]
fn Translations(builder: Builder, id: FieldId, field: Memo<Option<Field>>) -> impl IntoView {
    let label =
        Memo::new(move |_| field.with(|f| f.as_ref().map(|f| f.label.clone()).unwrap_or_default()));
    let languages =
        Memo::new(move |_| label.with(|l| l.translations.keys().cloned().collect::<Vec<_>>()));
    let write = {
        let id = id.clone();
        move |change: &dyn Fn(&mut Label)| {
            let mut new = label.get_untracked();
            change(&mut new);
            builder.set_property(&id, Property::Label, serde_json::to_value(new).ok());
        }
    };
    let rows = {
        let write = write.clone();
        move || {
            languages
                .get()
                .into_iter()
                .map(|language| {
                    let input_id = format!("prop-label-{language}");
                    let value = {
                        let language = language.clone();
                        move || label.with(|l| l.translations.get(&language).cloned().unwrap_or_default())
                    };
                    let on_input = {
                        let (write, language) = (write.clone(), language.clone());
                        move |event: ev::Event| {
                            let text = event_target_value(&event);
                            write(&|l| {
                                l.translations.insert(language.clone(), text.clone());
                            })
                        }
                    };
                    let remove = {
                        let (write, language) = (write.clone(), language.clone());
                        move |_| write(&|l| {
                            l.translations.remove(&language);
                        })
                    };
                    view! {
                        <li class="option-row">
                            <label for=input_id.clone()>{format!("Label ({language})")}</label>
                            <input id=input_id type="text" prop:value=value on:input=on_input/>
                            <button type="button" class="button small" aria-label=format!("Remove the {language} translation") on:click=remove>"✕"</button>
                        </li>
                    }
                })
                .collect_view()
        }
    };
    let (new_language, set_new_language) = signal(String::new());
    let invalid = move || {
        let tag = new_language.get();
        (!tag.is_empty() && !Label::is_language_tag(&tag))
            .then_some("Use a language tag such as fr or pt-BR.")
    };
    let add = move |_| {
        let tag = new_language.get_untracked().trim().to_owned();
        if Label::is_language_tag(&tag) {
            let default = label.with_untracked(|l| l.text.clone());
            write(&|l| {
                l.translations
                    .entry(tag.clone())
                    .or_insert_with(|| default.clone());
            });
            set_new_language.set(String::new());
        }
    };
    view! {
        <fieldset class="options-editor">
            <legend>"Translations"</legend>
            <ol class="plain-list">{rows}</ol>
            <div class="option-row">
                <label for="prop-new-language" class="visually-hidden">"Language tag"</label>
                <input id="prop-new-language" type="text" placeholder="fr, pt-BR…" prop:value=new_language
                    on:input=move |event| set_new_language.set(event_target_value(&event))/>
                <button type="button" class="button small" on:click=add>"Add translation"</button>
            </div>
            <p class="field-error">{invalid}</p>
        </fieldset>
    }
    .into_any()
}

/// What stops this field from being published.
#[component]
fn FieldProblems(id: FieldId, problems: Memo<Vec<Problem>>) -> impl IntoView {
    let own = move || {
        problems.with(|all| {
            all.iter()
                .filter(|p| p.field.as_ref() == Some(&id) && p.span.is_none())
                .map(|p| view! { <li>{p.message.clone()}</li> })
                .collect_view()
        })
    };
    view! { <ul class="field-problems" data-testid="field-problems">{own}</ul> }
}
