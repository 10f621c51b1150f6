//! The builder's state, shared by its panels: the draft as this builder sees it, the
//! selection, undo/redo, how saving is going, what co-editors are doing, and the
//! messages owed to the builder. Every change to the form goes through [`Builder::perform`]
//! as edits, so undo, autosave and co-editing all see the same thing.

use std::collections::HashMap;

use leptos::prelude::*;
use muster_domain::forms::{
    arrange,
    edit::{self, Edit, Property, PropertyValue},
    replica::Replica,
    schema::{Field, FieldId, Form},
    views::DraftView,
};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveState {
    Saved,
    Saving,
    /// Changes are kept and will be sent when the server can be reached again.
    Offline,
    /// The server refused the changes as a whole; the text says why.
    Failed(String),
}

/// Another builder tab on the same draft.
#[derive(Debug, Clone, PartialEq)]
pub struct Peer {
    pub name: String,
    pub selected: Option<FieldId>,
    /// When they were last heard of (milliseconds, the browser's clock).
    pub seen_ms: f64,
}

/// One thing the builder did, and how to take it back.
#[derive(Debug, Clone)]
struct Step {
    undo: Vec<Edit>,
    redo: Vec<Edit>,
}

#[derive(Clone, Copy)]
pub struct Builder {
    pub app_id: StoredValue<String>,
    /// This tab's id on the realtime topic and in presence.
    pub client: StoredValue<String>,
    replica: StoredValue<Replica>,
    /// The draft as shown: confirmed by the server, with this tab's edits on top.
    pub form: RwSignal<Form>,
    pub selected: RwSignal<Option<FieldId>>,
    undo: StoredValue<Vec<Step>>,
    redo: StoredValue<Vec<Step>>,
    /// (undo steps, redo steps), for the buttons.
    pub history: RwSignal<(usize, usize)>,
    pub save_state: RwSignal<SaveState>,
    /// Messages for the builder: their edits that were refused, others' publishing.
    pub notices: RwSignal<Vec<String>>,
    pub peers: RwSignal<HashMap<String, Peer>>,
    pub published: RwSignal<Option<(i32, Form)>>,
}

/// Steps kept for undo.
const HISTORY: usize = 200;

impl Builder {
    pub fn new(draft: &DraftView, client: String) -> Self {
        Self {
            app_id: StoredValue::new(draft.app_id.clone()),
            client: StoredValue::new(client),
            replica: StoredValue::new(Replica::new(draft.form.clone(), draft.revision)),
            form: RwSignal::new(draft.form.clone()),
            selected: RwSignal::new(None),
            undo: StoredValue::new(Vec::new()),
            redo: StoredValue::new(Vec::new()),
            history: RwSignal::new((0, 0)),
            save_state: RwSignal::new(SaveState::Saved),
            notices: RwSignal::new(Vec::new()),
            peers: RwSignal::new(HashMap::new()),
            published: RwSignal::new(draft.latest_version.zip(draft.published.clone())),
        }
    }

    /// A field of the draft as shown (untracked read).
    pub fn field(&self, id: &FieldId) -> Option<Field> {
        self.form
            .with_untracked(|form| edit::find(&form.fields, id).cloned())
    }

    /// A field of the draft as shown, as a memo: a component reading it re-renders only
    /// when that field changes, not on every edit of the form.
    pub fn field_memo(&self, id: FieldId) -> Memo<Option<Field>> {
        let form = self.form;
        Memo::new(move |_| form.with(|form| edit::find(&form.fields, &id).cloned()))
    }

    /// The ids of the fields in `parent`'s group (`None`: the form), as a memo.
    pub fn child_ids(&self, parent: Option<FieldId>) -> Memo<Vec<FieldId>> {
        let form = self.form;
        Memo::new(move |_| {
            form.with(|form| {
                arrange::siblings(form, parent.as_ref())
                    .iter()
                    .map(|f| f.id.clone())
                    .collect()
            })
        })
    }

    /// Does what the builder asked: applies `edits` locally at once, records how to undo
    /// them, and queues them for saving. Edits that do not apply to the draft as shown
    /// are dropped.
    pub fn perform(&self, edits: Vec<Edit>) {
        let Some(step) = self.record(edits) else {
            return;
        };
        self.undo.update_value(|undo| {
            // Typing into one property is one step, not one per keystroke.
            if let (Some(last), [Edit::Set { id, property, .. }]) =
                (undo.last_mut(), step.redo.as_slice())
            {
                if let [Edit::Set {
                    id: last_id,
                    property: last_property,
                    ..
                }] = last.redo.as_mut_slice()
                {
                    if last_id == id && last_property == property {
                        last.redo = step.redo.clone();
                        return;
                    }
                }
            }
            undo.push(step);
            if undo.len() > HISTORY {
                undo.remove(0);
            }
        });
        self.redo.set_value(Vec::new());
        self.changed();
    }

    pub fn undo(&self) {
        let Some(step) = self.undo.try_update_value(Vec::pop).flatten() else {
            return;
        };
        // Recorded afresh: the inverse is computed against the draft as it is now,
        // which may include others' edits since.
        if let Some(done) = self.record(step.undo) {
            self.redo.update_value(|redo| {
                redo.push(Step {
                    undo: done.redo,
                    redo: done.undo,
                })
            });
        }
        self.changed();
    }

    pub fn redo(&self) {
        let Some(step) = self.redo.try_update_value(Vec::pop).flatten() else {
            return;
        };
        if let Some(done) = self.record(step.redo) {
            self.undo.update_value(|undo| undo.push(done));
        }
        self.changed();
    }

    /// Applies `edits` to the replica; returns them with their inverses.
    fn record(&self, edits: Vec<Edit>) -> Option<Step> {
        let mut scratch = self.form.get_untracked();
        let mut undo = Vec::new();
        let mut redo = Vec::new();
        for edit in edits {
            let Some(inverse) = edit::inverse(&scratch, &edit) else {
                continue;
            };
            if edit::apply(&mut scratch, &edit).is_err() {
                continue;
            }
            undo.insert(0, inverse);
            self.replica.update_value(|r| r.edit(edit.clone()));
            redo.push(edit);
        }
        (!redo.is_empty()).then_some(Step { undo, redo })
    }

    /// Sets one property of a field, as edited in the properties panel (`value` as the
    /// field's JSON holds it; `None` or `null`: not set).
    pub fn set_property(&self, id: &FieldId, property: Property, value: Option<Value>) {
        let Some(field) = self.field(id) else { return };
        let before = edit::property_value(&field, property);
        let after = match value.filter(|v| !v.is_null()) {
            None => None,
            // Input the property cannot hold (a fraction where a count belongs) changes
            // nothing, like input that is not a number at all.
            Some(value) => match PropertyValue::from_json(&value).filter(|v| property.admits(v)) {
                Some(typed) => Some(typed),
                None => return,
            },
        };
        if before == after {
            return;
        }
        self.perform(vec![Edit::Set {
            id: id.clone(),
            property,
            before,
            after,
        }]);
    }

    fn changed(&self) {
        self.refresh();
        self.history.set((
            self.undo.with_value(Vec::len),
            self.redo.with_value(Vec::len),
        ));
        #[cfg(feature = "hydrate")]
        super::sync::schedule_save(*self);
    }

    /// Shows the replica's view.
    pub fn refresh(&self) {
        let view = self.replica.with_value(Replica::view);
        self.form.set(view);
        if let Some(selected) = self.selected.get_untracked() {
            if self.field(&selected).is_none() {
                self.selected.set(None);
            }
        }
    }

    pub fn is_saved(&self) -> bool {
        self.replica.with_value(Replica::is_saved)
    }

    pub fn tell(&self, message: String) {
        self.notices.update(|notices| {
            notices.push(message);
            if notices.len() > 5 {
                notices.remove(0);
            }
        });
    }
}

/// What the saving and co-editing code (`sync`) does with the replica.
#[cfg(feature = "hydrate")]
use muster_domain::forms::{
    edit::Refusal,
    replica::{EditOutcome, NeedsReload},
};

#[cfg(feature = "hydrate")]
impl Builder {
    pub(crate) fn take_batch(&self) -> Option<Vec<Edit>> {
        self.replica.try_update_value(|r| r.take_batch()).flatten()
    }

    pub(crate) fn send_failed(&self) {
        self.replica.update_value(Replica::send_failed);
    }

    pub(crate) fn pending(&self) -> Vec<Edit> {
        self.replica.with_value(Replica::pending)
    }

    pub(crate) fn restore(&self, edits: Vec<Edit>) {
        self.replica.update_value(|r| r.restore(edits));
        self.refresh();
    }

    /// Whether this tab has missed edits up to `revision` (and may reload now).
    pub(crate) fn is_behind(&self, revision: i64) -> bool {
        self.replica
            .with_value(|r| !r.is_sending() && r.revision() < revision)
    }

    pub(crate) fn discard_in_flight(&self) {
        self.replica.update_value(Replica::discard_in_flight);
    }

    pub(crate) fn has_unsent(&self) -> bool {
        self.replica.with_value(Replica::has_unsent)
    }

    pub(crate) fn acknowledged(&self, outcome: &EditOutcome) -> Result<(), NeedsReload> {
        let result = self
            .replica
            .try_update_value(|r| r.acknowledged(outcome))
            .unwrap_or(Err(NeedsReload));
        for refusal in &outcome.refused {
            self.tell(self.describe(refusal));
        }
        if outcome.refused.is_empty() {
            result
        } else {
            // The draft is not what this tab thought (a change it has not seen yet):
            // reload it.
            Err(NeedsReload)
        }
    }

    pub(crate) fn remote(&self, revision: i64, edits: &[Edit]) -> Result<(), NeedsReload> {
        let result = self
            .replica
            .try_update_value(|r| r.remote(revision, edits))
            .unwrap_or(Err(NeedsReload));
        self.refresh();
        result
    }

    pub(crate) fn reloaded(&self, form: Form, revision: i64) {
        self.replica.update_value(|r| r.reloaded(form, revision));
        self.refresh();
    }

    fn describe(&self, refusal: &Refusal) -> String {
        let name = self
            .field(&refusal.field)
            .map(|f| format!("“{}”", f.label.text))
            .unwrap_or_else(|| format!("`{}`", refusal.field));
        let property = refusal
            .property
            .map(|p| format!(" ({})", property_label(p)))
            .unwrap_or_default();
        let now = refusal
            .current
            .as_ref()
            .map(|value| format!(" It is now: {}.", shown(&value.to_json())))
            .unwrap_or_default();
        format!(
            "Your change to {name}{property} was not kept: {}{now}",
            refusal.message
        )
    }
}

/// A property's name as the properties panel labels it.
pub fn property_label(property: Property) -> &'static str {
    match property {
        Property::Label => "label",
        Property::Help => "help text",
        Property::Required => "required",
        Property::ShowIf => "show if",
        Property::Constraint => "validation rule",
        Property::Type => "type",
        Property::MaxLength => "maximum length",
        Property::Integer => "whole numbers only",
        Property::Min => "smallest allowed",
        Property::Max => "largest allowed",
        Property::Step => "step",
        Property::Options => "options",
        Property::MaxCount => "most photos",
        Property::MaxSizeKib => "largest photo",
        Property::AccuracyM => "required accuracy",
        Property::Expression => "calculation",
    }
}

#[cfg(feature = "hydrate")]
fn shown(value: &Value) -> String {
    match value {
        Value::String(text) => format!("“{text}”"),
        Value::Object(map) if map.contains_key("text") => shown(&map["text"]),
        other => other.to_string(),
    }
}
