//! The inputs of a form over a submission document. What shows, what calculated fields
//! come to and every message come from the shared engine
//! (`muster_domain::forms::fill::evaluate_document`), the one the server checks with.
//! A message shows once its input was left, or once the person tries to go on.

use std::collections::HashSet;

use leptos::{ev, prelude::*};
use muster_domain::forms::{
    fill::Evaluation,
    schema::{Field, FieldId, Kind},
    submission::{path, Answer, Document},
};

/// Rows from the form's top level down to one row: `[(visits, 1)]`.
pub type RowPath = Vec<(FieldId, usize)>;

/// What every input of one filling shares.
#[derive(Clone, Copy)]
pub struct Filling {
    pub document: RwSignal<Document>,
    pub evaluation: Memo<Evaluation>,
    /// Paths whose input was left at least once.
    pub touched: RwSignal<HashSet<String>>,
    /// Every message shows (the person tried to go on).
    pub reveal: RwSignal<bool>,
    /// Who fills in: photos and signatures are kept on the device in their name.
    pub user_id: StoredValue<String>,
    /// Photos are scaled down to this many pixels on their long side.
    pub photo_max_px: u32,
}

impl Filling {
    fn message(&self, at: &str) -> Option<String> {
        let shown = self.reveal.get() || self.touched.with(|t| t.contains(at));
        shown
            .then(|| self.evaluation.with(|e| e.messages.get(at).cloned()))
            .flatten()
    }
}

/// The inputs of `fields` (one page, a section, or one row of a group).
#[component]
pub fn Fields(fields: Vec<Field>, rows: RowPath) -> impl IntoView {
    fields
        .into_iter()
        .map(|field| view! { <FieldInput field rows=rows.clone()/> })
        .collect_view()
}

#[component]
fn FieldInput(field: Field, rows: RowPath) -> impl IntoView {
    let filling = expect_context::<Filling>();
    let at = path(&rows, &field.id);
    let hidden = {
        let at = at.clone();
        move || filling.evaluation.with(|e| e.hidden.contains(&at))
    };
    let message = {
        let at = at.clone();
        move || filling.message(&at)
    };
    let input_id = format!("run-{}", at.replace('.', "-"));
    let control = control(&field, &rows, &at, &input_id);
    view! {
        <div class="run-field" data-field=at.clone() class:hidden=hidden.clone() aria-hidden=move || hidden().to_string()>
            {control}
            {move || message().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
        </div>
    }
}

fn control(field: &Field, rows: &RowPath, at: &str, input_id: &str) -> AnyView {
    let filling = expect_context::<Filling>();
    let id = field.id.clone();
    let answer = {
        let (rows, id) = (rows.clone(), id.clone());
        move || {
            filling.document.with(|d| {
                d.row_at(&rows)
                    .map(|row| row.text(&id).to_owned())
                    .unwrap_or_default()
            })
        }
    };
    let set = {
        let (rows, id) = (rows.clone(), id.clone());
        move |value: String| {
            filling.document.update(|d| {
                if let Some(row) = d.row_at_mut(&rows) {
                    row.set_text(id.clone(), value);
                }
            })
        }
    };
    let touch = {
        let at = at.to_owned();
        move |_: ev::FocusEvent| {
            filling.touched.update(|t| {
                t.insert(at.clone());
            })
        }
    };
    let label = field.label.text.clone();
    // Screen readers hear "required" from the input; the star is for eyes.
    let is_required = field.required;
    let mark = move || {
        is_required.then(|| view! { <span class="required-mark" aria-hidden="true">" *"</span> })
    };

    let help = field
        .help
        .as_ref()
        .map(|h| view! { <p class="field-hint">{h.text.clone()}</p> });
    let labelled = |input: AnyView| {
        view! {
            <label for=input_id.to_owned()>{label.clone()}{mark()}</label>
            {help.clone()}
            {input}
        }
        .into_any()
    };
    let text_input = |kind: &'static str, mode: &'static str| {
        let (set, touch) = (set.clone(), touch.clone());
        view! {
            <input id=input_id.to_owned() type=kind inputmode=mode step="any" aria-required=is_required.to_string() prop:value=answer.clone()
                on:input=move |event| set(event_target_value(&event)) on:blur=touch/>
        }
        .into_any()
    };
    match &field.kind {
        Kind::ShortText { .. } => labelled(text_input("text", "text")),
        Kind::Barcode => {
            let (set, touch) = (set.clone(), touch.clone());
            labelled(barcode(input_id, answer, set, touch))
        }
        Kind::LongText { .. } => {
            let (set, touch) = (set.clone(), touch.clone());
            labelled(view! {
                <textarea id=input_id.to_owned() aria-required=is_required.to_string() prop:value=answer.clone()
                    on:input=move |event| set(event_target_value(&event)) on:blur=touch></textarea>
            }.into_any())
        }
        Kind::Number { integer, .. } => labelled(text_input(
            "number",
            if *integer { "numeric" } else { "decimal" },
        )),
        Kind::Date => labelled(text_input("date", "none")),
        Kind::Time => labelled(text_input("time", "none")),
        Kind::DateTime => labelled(text_input("datetime-local", "none")),
        Kind::YesNo => {
            let options = [("yes", "Yes"), ("no", "No")]
                .map(|(value, text)| (value.to_owned(), text.to_owned()));
            group(
                &label,
                mark(),
                help.clone(),
                choices(input_id, &options, false, answer, set, touch),
            )
        }
        Kind::SingleChoice { options } | Kind::MultipleChoice { options } => {
            let multiple = matches!(field.kind, Kind::MultipleChoice { .. });
            let options: Vec<(String, String)> = options
                .iter()
                .map(|o| (o.value.clone(), o.label.text.clone()))
                .collect();
            group(
                &label,
                mark(),
                help.clone(),
                choices(input_id, &options, multiple, answer, set, touch),
            )
        }
        Kind::Location { .. } => {
            let (set, touch) = (set.clone(), touch.clone());
            labelled(location(input_id, answer, set, touch))
        }
        Kind::Photo { max_count, .. } => {
            let (set, touch) = (set.clone(), touch.clone());
            labelled(super::media_input::photos(
                input_id, *max_count, answer, set, touch,
            ))
        }
        Kind::Signature => {
            let set = set.clone();
            labelled(super::media_input::signature(input_id, answer, set))
        }
        Kind::Note => view! { <p class="note">{label}</p> }.into_any(),
        Kind::Calculated { .. } => {
            let at = at.to_owned();
            let value = move || {
                filling
                    .evaluation
                    .with(|e| e.calculated.get(&at).cloned().unwrap_or_default())
            };
            labelled(
                view! { <output id=input_id.to_owned() data-testid="calculated">{value}</output> }
                    .into_any(),
            )
        }
        Kind::PageBreak => ().into_any(),
        Kind::Section { children } => view! {
            <fieldset class="run-group">
                <legend>{label}</legend>
                {help}
                <Fields fields=children.clone() rows=rows.clone()/>
            </fieldset>
        }
        .into_any(),
        Kind::Repeat { children, min, max } => view! {
            <fieldset class="run-group run-repeat">
                <legend>{label}{mark()}</legend>
                {help}
                <RepeatRows id=id children=children.clone() rows=rows.clone() min=*min max=*max/>
            </fieldset>
        }
        .into_any(),
    }
}

/// A GPS question: the device's fix with its accuracy (the engine refuses one less
/// accurate than the question needs), tried again at will, or coordinates typed by hand.
fn location(
    input_id: &str,
    answer: impl Fn() -> String + Clone + Send + Sync + 'static,
    set: impl Fn(String) + Clone + Send + Sync + 'static,
    touch: impl Fn(ev::FocusEvent) + Clone + Send + Sync + 'static,
) -> AnyView {
    use muster_domain::forms::fill::Location;
    let locating = RwSignal::new(false);
    let trouble = RwSignal::new(None::<String>);
    let locate = {
        let set = set.clone();
        move |_| {
            locating.set(true);
            trouble.set(None);
            #[cfg(feature = "hydrate")]
            {
                let set = set.clone();
                leptos::task::spawn_local(async move {
                    match super::device::locate().await {
                        Ok(fix) => set(fix.to_answer()),
                        Err(reason) => trouble.set(Some(reason)),
                    }
                    locating.set(false);
                });
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = &set;
        }
    };
    let shown = {
        let answer = answer.clone();
        move || {
            Location::parse(&answer()).map(|l| match l.accuracy_m {
                Some(accuracy) => format!(
                    "{:.6}, {:.6} · accurate to {} m",
                    l.latitude,
                    l.longitude,
                    accuracy.round()
                ),
                None => format!("{:.6}, {:.6} · entered by hand", l.latitude, l.longitude),
            })
        }
    };
    view! {
        <div class="run-location">
            <button type="button" class="button" on:click=locate disabled=move || locating.get()>
                {move || if locating.get() { "Finding the location…" } else { "Use my location" }}
            </button>
            <p data-testid="location" class="muted">{move || shown().unwrap_or_else(|| "No location yet.".to_owned())}</p>
            {move || trouble.get().map(|t| view! { <p class="field-error" role="alert">{t}</p> })}
            <p class="field-hint">"Or type it: latitude and longitude in degrees, such as 52.370216 4.895168."</p>
            <input id=input_id.to_owned() type="text" inputmode="decimal" prop:value=answer
                on:input=move |event| set(event_target_value(&event)) on:blur=touch/>
        </div>
    }
    .into_any()
}

/// A barcode or QR question: read with the camera where the browser can
/// (its own `BarcodeDetector`, or ZXing loaded on the first scan), and always typed
/// by hand.
fn barcode(
    input_id: &str,
    answer: impl Fn() -> String + Clone + Send + Sync + 'static,
    set: impl Fn(String) + Clone + Send + Sync + 'static,
    touch: impl Fn(ev::FocusEvent) + Clone + Send + Sync + 'static,
) -> AnyView {
    let video = NodeRef::<leptos::html::Video>::new();
    let scanning = RwSignal::new(false);
    let trouble = RwSignal::new(None::<String>);
    // Known only in the browser, after hydration (the server renders without it).
    let can_scan = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| can_scan.set(super::device::can_scan()));
    let start = {
        let set = set.clone();
        move |_| {
            #[cfg(feature = "hydrate")]
            {
                let Some(element) = video.get_untracked() else {
                    return;
                };
                let set = set.clone();
                scanning.set(true);
                trouble.set(None);
                leptos::task::spawn_local(async move {
                    match super::device::scan(&element).await {
                        Ok(code) => set(code),
                        Err(reason) => trouble.set(Some(reason)),
                    }
                    scanning.set(false);
                });
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = (&set, video);
        }
    };
    let stop = move |_| {
        #[cfg(feature = "hydrate")]
        super::device::stop_scan();
    };
    view! {
        <div class="run-barcode">
            <Show when=move || can_scan.get()>
                <button type="button" class="button" on:click=start.clone() disabled=move || scanning.get()>"Scan with the camera"</button>
            </Show>
            <div class="run-barcode-view" class:hidden=move || !scanning.get()>
                <video node_ref=video muted=true playsinline=true aria-label="Camera view"></video>
                <button type="button" class="button" on:click=stop>"Stop scanning"</button>
            </div>
            {move || trouble.get().map(|t| view! { <p class="field-error" role="alert">{t}</p> })}
            <input id=input_id.to_owned() type="text" inputmode="text" autocomplete="off" prop:value=answer
                on:input=move |event| set(event_target_value(&event)) on:blur=touch/>
        </div>
    }
    .into_any()
}

/// A group of radio buttons or checkboxes, labelled as one question.
fn group(
    label: &str,
    required: Option<impl IntoView + 'static>,
    help: Option<impl IntoView + 'static>,
    inputs: AnyView,
) -> AnyView {
    view! {
        <fieldset class="run-choices">
            <legend>{label.to_owned()}{required}</legend>
            {help}
            {inputs}
        </fieldset>
    }
    .into_any()
}

#[component]
fn RepeatRows(
    id: FieldId,
    children: Vec<Field>,
    rows: RowPath,
    min: u32,
    max: Option<u32>,
) -> impl IntoView {
    let filling = expect_context::<Filling>();
    let count = {
        let (rows, id) = (rows.clone(), id.clone());
        Memo::new(move |_| {
            filling
                .document
                .with(|d| d.row_at(&rows).map_or(0, |row| row.rows(&id).len()))
        })
    };
    let change_rows = {
        let (rows, id) = (rows.clone(), id.clone());
        move |change: &dyn Fn(&mut Vec<Document>)| {
            filling.document.update(|d| {
                if let Some(row) = d.row_at_mut(&rows) {
                    let entry = row
                        .answers
                        .entry(id.clone())
                        .or_insert_with(|| Answer::Rows(Vec::new()));
                    if !matches!(entry, Answer::Rows(_)) {
                        *entry = Answer::Rows(Vec::new());
                    }
                    if let Answer::Rows(list) = entry {
                        change(list);
                    }
                }
            })
        }
    };
    let add = {
        let change_rows = change_rows.clone();
        move |_| change_rows(&|list| list.push(Document::default()))
    };
    let may_add = move || max.is_none_or(|max| count.get() < max as usize);
    let may_remove = move || count.get() > min as usize;
    let body = move || {
        (0..count.get())
            .map(|index| {
                let mut inner = rows.clone();
                inner.push((id.clone(), index));
                let remove = {
                    let change_rows = change_rows.clone();
                    move |_| {
                        change_rows(&|list| {
                            if index < list.len() {
                                list.remove(index);
                            }
                        })
                    }
                };
                view! {
                    <div class="run-row" data-row=index>
                        <p class="run-row-title">{format!("Row {}", index + 1)}</p>
                        <Fields fields=children.clone() rows=inner/>
                        <button type="button" class="button small secondary" on:click=remove disabled=move || !may_remove()>
                            {format!("Remove row {}", index + 1)}
                        </button>
                    </div>
                }
            })
            .collect_view()
    };
    view! {
        {body}
        <button type="button" class="button small" on:click=add disabled=move || !may_add()>"Add a row"</button>
    }
}

/// Radio buttons (one answer) or checkboxes (several, one value per line), all named
/// `name`. The builder's preview shows the same.
pub(crate) fn choices(
    name: &str,
    options: &[(String, String)],
    multiple: bool,
    answer: impl Fn() -> String + Clone + Send + Sync + 'static,
    set: impl Fn(String) + Clone + Send + Sync + 'static,
    touch: impl Fn(ev::FocusEvent) + Clone + Send + Sync + 'static,
) -> AnyView {
    let name = name.to_owned();
    options
        .iter()
        .map(|(value, text)| {
            let value = value.clone();
            let is_checked = {
                let (answer, value) = (answer.clone(), value.clone());
                move || answer().lines().any(|line| line == value)
            };
            let toggle = {
                let (answer, set, value) = (answer.clone(), set.clone(), value.clone());
                move |event: ev::Event| {
                    let on = event_target_checked(&event);
                    if multiple {
                        let mut ticked: Vec<String> = answer()
                            .lines()
                            .map(str::to_owned)
                            .filter(|v| v != &value)
                            .collect();
                        if on {
                            ticked.push(value.clone());
                        }
                        set(ticked.join("\n"));
                    } else if on {
                        set(value.clone());
                    }
                }
            };
            view! {
                <label class="choice">
                    <input type=if multiple { "checkbox" } else { "radio" } name=name.clone() value=value.clone()
                        prop:checked=is_checked on:change=toggle on:blur=touch.clone()/>
                    {text.clone()}
                </label>
            }
        })
        .collect_view()
        .into_any()
}
