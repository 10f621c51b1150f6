//! The canvas: the form's fields as a tree to select, drag and arrange, and the palette
//! new fields are dragged from. Dragging uses pointer events, so mouse, pen and touch
//! work alike; every drag has a keyboard equivalent (see [`FieldHead`]).

use leptos::{ev, prelude::*};
use muster_domain::forms::{
    arrange::{self, FIELD_TYPES},
    edit::{self, blank_kind, type_name, Edit},
    schema::{FieldId, Form, Kind},
};

use super::state::Builder;

/// What is being dragged.
#[derive(Debug, Clone, PartialEq)]
enum Source {
    Palette(&'static str),
    Field(FieldId),
}

#[derive(Debug, Clone)]
struct Drag {
    source: Source,
    start: (f64, f64),
    /// Past the few pixels that tell a drag from a click.
    moving: bool,
}

/// Where a drop would put the field, and where to draw the line that shows it.
#[derive(Debug, Clone, PartialEq)]
struct Target {
    parent: Option<FieldId>,
    after: Option<FieldId>,
    line: (f64, f64, f64),
}

const DRAG_THRESHOLD: f64 = 4.0;

#[derive(Clone, Copy)]
struct Dragging {
    drag: StoredValue<Option<Drag>>,
    target: RwSignal<Option<Target>>,
    active: RwSignal<bool>,
}

/// A new id for a field of `type_name`, unused in the draft and not in `reserved`.
pub fn fresh_id(form: &Form, type_name: &str, reserved: &[FieldId]) -> FieldId {
    loop {
        let id = FieldId(format!("{type_name}_{}", crate::shell::random::token(4)));
        if edit::find(&form.fields, &id).is_none() && !reserved.contains(&id) {
            return id;
        }
    }
}

/// A new field of `type_name` with an id unused in `form`.
fn palette_field(form: &Form, type_name: &str) -> Option<muster_domain::forms::schema::Field> {
    arrange::new_field(type_name, fresh_id(form, type_name, &[]))
}

/// Inserts a new field of `type_name`: after the selected field (inside it, if it is
/// an empty group), or at the end.
pub fn add_field(builder: Builder, type_name: &'static str) {
    let form = builder.form.get_untracked();
    let Some(field) = palette_field(&form, type_name) else {
        return;
    };
    let (parent, after) = match builder.selected.get_untracked() {
        Some(selected) => edit::position(&form, &selected)
            .map(|(parent, _)| (parent, Some(selected)))
            .unwrap_or((None, form.fields.last().map(|f| f.id.clone()))),
        None => (None, form.fields.last().map(|f| f.id.clone())),
    };
    let id = field.id.clone();
    builder.perform(vec![Edit::Insert {
        field,
        parent,
        after,
    }]);
    builder.selected.set(Some(id));
}

#[component]
pub fn Palette(builder: Builder) -> impl IntoView {
    let dragging = expect_context::<Dragging>();
    view! {
        <nav class="palette" aria-label="Field types">
            <h2>"Add a field"</h2>
            <p class="muted">"Drag onto the form, or press to add after the selected field."</p>
            <ul>
                {FIELD_TYPES.into_iter().map(|type_name| {
                    let label = blank_kind(type_name).map(|k| k.name()).unwrap_or(type_name);
                    view! {
                        <li>
                            <button type="button" class="palette-item" data-type=type_name
                                on:pointerdown=move |event| start_drag(dragging, &event, Source::Palette(type_name))
                                on:click=move |_| add_field(builder, type_name)
                            >{label}</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </nav>
    }
    .into_any()
}

fn start_drag(dragging: Dragging, event: &ev::PointerEvent, source: Source) {
    if event.button() != 0 {
        return;
    }
    dragging.drag.set_value(Some(Drag {
        source,
        start: (f64::from(event.client_x()), f64::from(event.client_y())),
        moving: false,
    }));
}

/// Provides the drag state and follows the pointer over the whole window while a drag
/// is on.
pub fn provide_dragging(builder: Builder) {
    let dragging = Dragging {
        drag: StoredValue::new(None),
        target: RwSignal::new(None),
        active: RwSignal::new(false),
    };
    provide_context(dragging);
    let on_move = window_event_listener(ev::pointermove, move |event| {
        let Some(mut drag) = dragging.drag.get_value() else {
            return;
        };
        let (x, y) = (f64::from(event.client_x()), f64::from(event.client_y()));
        if !drag.moving {
            if (x - drag.start.0).hypot(y - drag.start.1) < DRAG_THRESHOLD {
                return;
            }
            drag.moving = true;
            dragging.drag.set_value(Some(drag));
            dragging.active.set(true);
        }
        event.prevent_default();
        scroll_near_edges(y);
        dragging.target.set(target_at(builder, x, y));
    });
    let on_up = window_event_listener(ev::pointerup, move |event| {
        let Some(drag) = dragging.drag.get_value() else {
            return;
        };
        dragging.drag.set_value(None);
        dragging.active.set(false);
        dragging.target.set(None);
        if !drag.moving {
            return;
        }
        let (x, y) = (f64::from(event.client_x()), f64::from(event.client_y()));
        if let Some(target) = target_at(builder, x, y) {
            drop_at(builder, drag.source, target);
        }
    });
    let on_cancel = window_event_listener(ev::pointercancel, move |_| {
        dragging.drag.set_value(None);
        dragging.active.set(false);
        dragging.target.set(None);
    });
    on_cleanup(move || {
        on_move.remove();
        on_up.remove();
        on_cancel.remove();
    });
}

/// Within this distance of the window's top or bottom edge, a drag scrolls the page, so
/// a field can be dropped anywhere in a long form.
const SCROLL_EDGE: f64 = 48.0;
const SCROLL_STEP: f64 = 24.0;

fn scroll_near_edges(y: f64) {
    let height = window()
        .inner_height()
        .ok()
        .and_then(|h| h.as_f64())
        .unwrap_or(0.0);
    if y < SCROLL_EDGE {
        window().scroll_by_with_x_and_y(0.0, -SCROLL_STEP);
    } else if height > 0.0 && y > height - SCROLL_EDGE {
        window().scroll_by_with_x_and_y(0.0, SCROLL_STEP);
    }
}

fn drop_at(builder: Builder, source: Source, target: Target) {
    let form = builder.form.get_untracked();
    let edit = match source {
        Source::Palette(type_name) => {
            let Some(field) = palette_field(&form, type_name) else {
                return;
            };
            builder.selected.set(Some(field.id.clone()));
            Edit::Insert {
                field,
                parent: target.parent,
                after: target.after,
            }
        }
        Source::Field(id) => {
            if target.after.as_ref() == Some(&id) {
                return;
            }
            builder.selected.set(Some(id.clone()));
            Edit::Move {
                id,
                parent: target.parent,
                after: target.after,
            }
        }
    };
    builder.perform(vec![edit]);
}

/// The drop place under the pointer: before or after the field under it (by which half
/// it is over), first inside a group when over the lower half of its heading, or last
/// in a group when over the space at its end.
#[cfg(feature = "hydrate")]
fn target_at(builder: Builder, x: f64, y: f64) -> Option<Target> {
    use wasm_bindgen::JsCast;
    let element = document().element_from_point(x as f32, y as f32)?;
    let zone = element.closest(".field-head, .drop-end").ok()??;
    let zone: web_sys::HtmlElement = zone.dyn_into().ok()?;
    let rect = zone.get_bounding_client_rect();
    let data = zone.dataset();
    let id = |key: &str| data.get(key).filter(|v| !v.is_empty()).map(FieldId);
    let form = builder.form.get_untracked();
    if zone.class_list().contains("drop-end") {
        let parent = id("parent");
        let after = arrange::siblings(&form, parent.as_ref())
            .last()
            .map(|f| f.id.clone());
        return Some(Target {
            parent,
            after,
            line: (rect.top(), rect.left(), rect.width()),
        });
    }
    let field = id("field")?;
    let lower = y > rect.top() + rect.height() / 2.0;
    let (parent, before) = edit::position(&form, &field)?;
    Some(if lower && data.get("group").is_some() {
        Target {
            parent: Some(field),
            after: None,
            line: (rect.bottom(), rect.left() + 24.0, rect.width() - 24.0),
        }
    } else if lower {
        Target {
            parent,
            after: Some(field),
            line: (rect.bottom(), rect.left(), rect.width()),
        }
    } else {
        Target {
            parent,
            after: before,
            line: (rect.top(), rect.left(), rect.width()),
        }
    })
}

#[cfg(not(feature = "hydrate"))]
fn target_at(_: Builder, _: f64, _: f64) -> Option<Target> {
    None
}

#[component]
pub fn Canvas(builder: Builder) -> impl IntoView {
    let dragging = expect_context::<Dragging>();
    let indicator = move || {
        dragging.target.get().map(|target| {
            let (top, left, width) = target.line;
            view! {
                <div class="drop-line" data-testid="drop-line"
                    style=format!("top:{top}px;left:{left}px;width:{width}px")></div>
            }
        })
    };
    view! {
        <section class="canvas" class:dragging=move || dragging.active.get() aria-label="The form">
            <ol class="field-list" role="tree" aria-label="Fields" data-testid="canvas">
                <FieldList builder parent=None/>
            </ol>
            {move || builder.form.with(|f| f.fields.is_empty()).then(|| view! {
                <p class="muted canvas-empty">"Drag a field type here to start."</p>
            })}
            {indicator}
        </section>
    }
    .into_any()
}

#[component]
fn FieldList(builder: Builder, parent: Option<FieldId>) -> impl IntoView {
    let ids = builder.child_ids(parent.clone());
    let end_label = if parent.is_some() {
        "Drop fields here to add them to this group"
    } else {
        "Drop here to add at the end"
    };
    let parent_attr = parent.as_ref().map(|p| p.0.clone()).unwrap_or_default();
    view! {
        <For each=move || ids.get() key=|id| id.clone() let:id>
            <FieldRow builder id/>
        </For>
        <li class="drop-end" class:empty=move || ids.with(Vec::is_empty) data-parent=parent_attr aria-hidden="true">{end_label}</li>
    }
    .into_any()
}

#[component]
fn FieldRow(builder: Builder, id: FieldId) -> impl IntoView {
    let field = builder.field_memo(id.clone());
    let is_group = Memo::new(move |_| {
        field.with(|f| {
            f.as_ref()
                .is_some_and(|f| matches!(f.kind, Kind::Section { .. } | Kind::Repeat { .. }))
        })
    });
    let children = {
        let id = id.clone();
        move || {
            is_group.get().then(|| {
                view! {
                    <ol class="field-children" role="group">
                        <FieldList builder parent=Some(id.clone())/>
                    </ol>
                }
                .into_any()
            })
        }
    };
    view! {
        <li class="field-row" role="none">
            <FieldHead builder id field is_group/>
            {children}
        </li>
    }
    .into_any()
}

/// A field's line on the canvas. Focus it and use the keyboard: ↑/↓ select, Alt+↑/↓
/// move, Alt+→ into the group above, Alt+← out of the group, Delete removes,
/// Ctrl+D duplicates.
#[component]
fn FieldHead(
    builder: Builder,
    id: FieldId,
    field: Memo<Option<muster_domain::forms::schema::Field>>,
    is_group: Memo<bool>,
) -> impl IntoView {
    let dragging = expect_context::<Dragging>();
    let selected = {
        let id = id.clone();
        Memo::new(move |_| builder.selected.with(|s| s.as_ref() == Some(&id)))
    };
    let peers = {
        let id = id.clone();
        move || {
            builder.peers.with(|peers| {
                let names: Vec<String> = peers
                    .values()
                    .filter(|p| p.selected.as_ref() == Some(&id))
                    .map(|p| p.name.clone())
                    .collect();
                (!names.is_empty()).then(|| view! {
                    <span class="peer-badge" data-testid="peer-selection">{names.join(", ")}</span>
                })
            })
        }
    };
    let on_pointerdown = {
        let id = id.clone();
        move |event: ev::PointerEvent| start_drag(dragging, &event, Source::Field(id.clone()))
    };
    let on_click = {
        let id = id.clone();
        move |_| builder.selected.set(Some(id.clone()))
    };
    let on_keydown = {
        let id = id.clone();
        move |event: ev::KeyboardEvent| keyboard(builder, &id, &event)
    };
    let label =
        move || field.with(|f| f.as_ref().map(|f| f.label.text.clone()).unwrap_or_default());
    let kind = move || field.with(|f| f.as_ref().map(|f| f.kind.name()).unwrap_or_default());
    let required = move || field.with(|f| f.as_ref().is_some_and(|f| f.required));
    let conditional = move || field.with(|f| f.as_ref().is_some_and(|f| f.show_if.is_some()));
    view! {
        <div class="field-head" role="treeitem" tabindex="0"
            class:selected=move || selected.get()
            aria-selected=move || selected.get().to_string()
            data-field=id.0.clone()
            data-group=move || is_group.get().then_some("1")
            data-testid="field"
            on:pointerdown=on_pointerdown
            on:click=on_click
            on:keydown=on_keydown
        >
            <span class="drag-handle" aria-hidden="true">"⠿"</span>
            <span class="field-label">{label}</span>
            {move || required().then(|| view! { <span class="required-mark" title="Required">"*"</span> })}
            {move || conditional().then(|| view! { <span class="tag" title="Shown only if its condition holds">"if"</span> })}
            <span class="field-kind">{kind}</span>
            <code class="field-id">{format!("${}", id.0)}</code>
            {peers}
        </div>
    }
    .into_any()
}

fn keyboard(builder: Builder, id: &FieldId, event: &ev::KeyboardEvent) {
    let form = builder.form.get_untracked();
    let command: Option<fn(&Form, &FieldId) -> Option<Edit>> =
        match (event.key().as_str(), event.alt_key()) {
            ("ArrowUp", true) => Some(arrange::move_up),
            ("ArrowDown", true) => Some(arrange::move_down),
            ("ArrowRight", true) => Some(arrange::into_group_above),
            ("ArrowLeft", true) => Some(arrange::out_of_group),
            _ => None,
        };
    if let Some(command) = command {
        event.prevent_default();
        if let Some(edit) = command(&form, id) {
            builder.perform(vec![edit]);
            focus_field(id);
        }
        return;
    }
    match event.key().as_str() {
        "ArrowUp" | "ArrowDown" => {
            event.prevent_default();
            let order: Vec<FieldId> = form.walk().into_iter().map(|(f, _)| f.id.clone()).collect();
            let Some(index) = order.iter().position(|f| f == id) else {
                return;
            };
            let next = if event.key() == "ArrowUp" {
                index.checked_sub(1)
            } else {
                Some(index + 1)
            };
            if let Some(next) = next.and_then(|i| order.get(i)) {
                builder.selected.set(Some(next.clone()));
                focus_field(next);
            }
        }
        "Delete" | "Backspace" => {
            event.prevent_default();
            remove_field(builder, id);
        }
        "d" | "D" if event.ctrl_key() || event.meta_key() => {
            event.prevent_default();
            duplicate_field(builder, id);
        }
        "Enter" | " " => {
            event.prevent_default();
            builder.selected.set(Some(id.clone()));
        }
        _ => {}
    }
}

pub fn remove_field(builder: Builder, id: &FieldId) {
    builder.perform(vec![Edit::Remove { id: id.clone() }]);
}

pub fn duplicate_field(builder: Builder, id: &FieldId) {
    let form = builder.form.get_untracked();
    let mut taken = Vec::new();
    let edit = arrange::duplicate(&form, id, &mut |field| {
        let id = fresh_id(&form, &type_name(&field.kind), &taken);
        taken.push(id.clone());
        id
    });
    if let Some(edit) = edit {
        let copy = edit.field_id().clone();
        builder.perform(vec![edit]);
        builder.selected.set(Some(copy.clone()));
        focus_field(&copy);
    }
}

/// Moves keyboard focus to a field's line once the canvas has re-rendered.
pub fn focus_field(id: &FieldId) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let selector = format!(".field-head[data-field=\"{}\"]", id.0);
        request_animation_frame(move || {
            if let Some(element) = document()
                .query_selector(&selector)
                .ok()
                .flatten()
                .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = element.focus();
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}
