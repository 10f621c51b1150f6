//! Edits to a draft form: what the builder sends, the server applies, and co-editors
//! receive. Edits name fields by id and positions by the sibling they follow, never by
//! index, so an edit made against an older draft still means the same thing after
//! someone else's edits.
//!
//! A property edit carries the value it replaced (`before`). If the draft no longer has
//! that value, somebody else changed the same property meanwhile: the edit is refused,
//! the first change stays, and the refusal tells the author what the value is now. So
//! concurrent edits resolve the same way on every replica (in the order the server
//! received them) and nobody's change disappears without them being told.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::schema::{Field, FieldId, Form, Kind};

// An insert carries a whole field; edits are few and short-lived, so boxing it would
// only add noise where edits are built and matched.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "edit", rename_all = "snake_case")]
pub enum Edit {
    /// A new field in `parent` (a section or repeat group; `None`: the form itself),
    /// right after `after` (`None`: first).
    Insert {
        field: Field,
        parent: Option<FieldId>,
        after: Option<FieldId>,
    },
    Move {
        id: FieldId,
        parent: Option<FieldId>,
        after: Option<FieldId>,
    },
    Remove {
        id: FieldId,
    },
    /// One property of a field (a key of its JSON form, such as `label`, `required`,
    /// `type` or `max`); `None` is "not set".
    Set {
        id: FieldId,
        property: String,
        before: Option<Value>,
        after: Option<Value>,
    },
}

impl Edit {
    /// The field the edit is about.
    pub fn field_id(&self) -> &FieldId {
        match self {
            Edit::Insert { field, .. } => &field.id,
            Edit::Move { id, .. } | Edit::Remove { id } | Edit::Set { id, .. } => id,
        }
    }
}

/// Why an edit was not applied, for the person who made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Refusal {
    pub field: FieldId,
    pub property: Option<String>,
    pub message: String,
    /// For a property changed by someone else meanwhile: its value now.
    pub current: Option<Value>,
}

impl Refusal {
    fn new(field: &FieldId, message: impl Into<String>) -> Self {
        Self {
            field: field.clone(),
            property: None,
            message: message.into(),
            current: None,
        }
    }
}

/// Properties that are not edited with [`Edit::Set`]: the id is the field's identity,
/// and children move with `Insert`/`Move`/`Remove`.
const STRUCTURAL: [&str; 2] = ["id", "children"];

/// Applies `edit` to `form`. Re-applying an edit that already took effect changes
/// nothing and succeeds, so a batch retried after a lost response is harmless.
pub fn apply(form: &mut Form, edit: &Edit) -> Result<(), Refusal> {
    match edit {
        Edit::Insert {
            field,
            parent,
            after,
        } => {
            if let Some(existing) = find(&form.fields, &field.id) {
                return if existing == field {
                    Ok(())
                } else {
                    Err(Refusal::new(
                        &field.id,
                        format!("Another field already has the id `{}`.", field.id),
                    ))
                };
            }
            for (inner, _) in (Form {
                fields: vec![field.clone()],
            })
            .walk()
            {
                if find(&form.fields, &inner.id).is_some() {
                    return Err(Refusal::new(
                        &field.id,
                        format!("Another field already has the id `{}`.", inner.id),
                    ));
                }
            }
            let siblings = container(form, parent.as_ref(), &field.id)?;
            insert_after(siblings, field.clone(), after.as_ref());
            Ok(())
        }
        Edit::Move { id, parent, after } => {
            let Some(moving) = find(&form.fields, id) else {
                return Err(Refusal::new(id, "This field was deleted meanwhile."));
            };
            if let Some(parent) = parent {
                if parent == id || find(moving.kind.children(), parent).is_some() {
                    return Err(Refusal::new(id, "A group cannot be moved into itself."));
                }
            }
            // Check the destination before taking the field out, so a refusal leaves the
            // form as it was.
            container(form, parent.as_ref(), id)?;
            let moving = take(&mut form.fields, id)
                .ok_or_else(|| Refusal::new(id, "This field was deleted meanwhile."))?;
            let siblings = container(form, parent.as_ref(), id)?;
            insert_after(siblings, moving, after.as_ref());
            Ok(())
        }
        Edit::Remove { id } => {
            take(&mut form.fields, id);
            Ok(())
        }
        Edit::Set {
            id,
            property,
            before,
            after,
        } => set(form, id, property, before.as_ref(), after.as_ref()),
    }
}

/// The edit that undoes `edit`, computed against the form *before* `edit` is applied.
pub fn inverse(form: &Form, edit: &Edit) -> Option<Edit> {
    match edit {
        Edit::Insert { field, .. } => Some(Edit::Remove {
            id: field.id.clone(),
        }),
        Edit::Move { id, .. } => {
            let (parent, after) = position(form, id)?;
            Some(Edit::Move {
                id: id.clone(),
                parent,
                after,
            })
        }
        Edit::Remove { id } => {
            let field = find(&form.fields, id)?.clone();
            let (parent, after) = position(form, id)?;
            Some(Edit::Insert {
                field,
                parent,
                after,
            })
        }
        Edit::Set {
            id,
            property,
            before,
            after,
        } => Some(Edit::Set {
            id: id.clone(),
            property: property.clone(),
            before: after.clone(),
            after: before.clone(),
        }),
    }
}

/// Where a field is: its group (`None`: the form) and the sibling before it.
pub fn position(form: &Form, id: &FieldId) -> Option<(Option<FieldId>, Option<FieldId>)> {
    fn search(
        fields: &[Field],
        parent: Option<&FieldId>,
        id: &FieldId,
    ) -> Option<(Option<FieldId>, Option<FieldId>)> {
        for (index, field) in fields.iter().enumerate() {
            if &field.id == id {
                let after = index.checked_sub(1).map(|i| fields[i].id.clone());
                return Some((parent.cloned(), after));
            }
            if let Some(found) = search(field.kind.children(), Some(&field.id), id) {
                return Some(found);
            }
        }
        None
    }
    search(&form.fields, None, id)
}

pub fn find<'a>(fields: &'a [Field], id: &FieldId) -> Option<&'a Field> {
    fields.iter().find_map(|field| {
        if &field.id == id {
            Some(field)
        } else {
            find(field.kind.children(), id)
        }
    })
}

pub fn find_mut<'a>(fields: &'a mut [Field], id: &FieldId) -> Option<&'a mut Field> {
    for field in fields {
        if &field.id == id {
            return Some(field);
        }
        if let Some(children) = children_mut(&mut field.kind) {
            if let Some(found) = find_mut(children, id) {
                return Some(found);
            }
        }
    }
    None
}

/// A property's current value, as [`Edit::Set`] compares it.
pub fn property(field: &Field, property: &str) -> Option<Value> {
    match serde_json::to_value(field) {
        Ok(Value::Object(map)) => map.get(property).filter(|v| !v.is_null()).cloned(),
        _ => None,
    }
}

fn children_mut(kind: &mut Kind) -> Option<&mut Vec<Field>> {
    match kind {
        Kind::Section { children } | Kind::Repeat { children, .. } => Some(children),
        _ => None,
    }
}

fn take(fields: &mut Vec<Field>, id: &FieldId) -> Option<Field> {
    if let Some(index) = fields.iter().position(|f| &f.id == id) {
        return Some(fields.remove(index));
    }
    fields
        .iter_mut()
        .filter_map(|f| children_mut(&mut f.kind))
        .find_map(|children| take(children, id))
}

fn container<'a>(
    form: &'a mut Form,
    parent: Option<&FieldId>,
    subject: &FieldId,
) -> Result<&'a mut Vec<Field>, Refusal> {
    let Some(parent) = parent else {
        return Ok(&mut form.fields);
    };
    let group = find_mut(&mut form.fields, parent).ok_or_else(|| {
        Refusal::new(subject, "The group it was placed in was deleted meanwhile.")
    })?;
    children_mut(&mut group.kind).ok_or_else(|| {
        Refusal::new(
            subject,
            format!("`{parent}` is not a section or repeat group."),
        )
    })
}

/// Puts `field` after the sibling `after`; first if `after` is `None`, last if that
/// sibling is no longer in this group (it was moved or deleted meanwhile).
fn insert_after(siblings: &mut Vec<Field>, field: Field, after: Option<&FieldId>) {
    let index = match after {
        None => 0,
        Some(after) => siblings
            .iter()
            .position(|f| &f.id == after)
            .map_or(siblings.len(), |i| i + 1),
    };
    siblings.insert(index, field);
}

fn set(
    form: &mut Form,
    id: &FieldId,
    property: &str,
    before: Option<&Value>,
    after: Option<&Value>,
) -> Result<(), Refusal> {
    let refuse = |message: String| Refusal {
        field: id.clone(),
        property: Some(property.to_owned()),
        message,
        current: None,
    };
    if STRUCTURAL.contains(&property) {
        return Err(refuse(format!("`{property}` cannot be set directly.")));
    }
    let Some(field) = find_mut(&mut form.fields, id) else {
        return Err(refuse("This field was deleted meanwhile.".into()));
    };
    let Ok(Value::Object(mut map)) = serde_json::to_value(&*field) else {
        return Err(refuse("The field could not be read.".into()));
    };
    let current = map.get(property).filter(|v| !v.is_null()).cloned();
    let after = after.filter(|v| !v.is_null());
    if current.as_ref() == after {
        return Ok(());
    }
    if current.as_ref() != before.filter(|v| !v.is_null()) {
        return Err(Refusal {
            current,
            ..refuse("Someone else changed this at the same time; their change was kept.".into())
        });
    }
    match after {
        Some(value) => map.insert(property.to_owned(), value.clone()),
        None => map.remove(property),
    };
    if property == "type" {
        change_type(&mut map, &field.kind).map_err(refuse)?;
    }
    let changed: Field = serde_json::from_value(Value::Object(map))
        .map_err(|e| refuse(format!("That is not a valid value for `{property}`: {e}.")))?;
    if changed.id != *id {
        return Err(refuse("A field's id cannot change.".into()));
    }
    *field = changed;
    Ok(())
}

/// A new type keeps the label, help, rules and (between groups) the children; the
/// settings of the old type are replaced by the new type's defaults.
fn change_type(map: &mut Map<String, Value>, old: &Kind) -> Result<(), String> {
    let Some(Value::String(name)) = map.get("type").cloned() else {
        return Err("Choose a field type.".into());
    };
    let new = blank_kind(&name).ok_or_else(|| format!("`{name}` is not a field type."))?;
    let children = old.children();
    let is_group = matches!(new, Kind::Section { .. } | Kind::Repeat { .. });
    if !children.is_empty() && !is_group {
        return Err("Move the fields out of this group before changing its type.".into());
    }
    if let Ok(Value::Object(old_settings)) = serde_json::to_value(old) {
        for key in old_settings.keys() {
            map.remove(key);
        }
    }
    if let Ok(Value::Object(defaults)) = serde_json::to_value(&new) {
        map.extend(defaults);
    }
    if is_group {
        map.insert(
            "children".into(),
            serde_json::to_value(children).map_err(|e| e.to_string())?,
        );
    }
    Ok(())
}

/// Every field type, as its `type` name, with its settings at their defaults.
pub fn blank_kind(type_name: &str) -> Option<Kind> {
    Some(match type_name {
        "short_text" => Kind::ShortText { max_length: None },
        "long_text" => Kind::LongText { max_length: None },
        "number" => Kind::Number {
            integer: false,
            min: None,
            max: None,
            step: None,
        },
        "date" => Kind::Date,
        "time" => Kind::Time,
        "date_time" => Kind::DateTime,
        "single_choice" => Kind::SingleChoice {
            options: default_options(),
        },
        "multiple_choice" => Kind::MultipleChoice {
            options: default_options(),
        },
        "yes_no" => Kind::YesNo,
        "photo" => Kind::Photo {
            max_count: 1,
            max_size_kib: 10 * 1024,
        },
        "barcode" => Kind::Barcode,
        "location" => Kind::Location { accuracy_m: None },
        "signature" => Kind::Signature,
        "note" => Kind::Note,
        "calculated" => Kind::Calculated {
            expression: "0".into(),
        },
        "section" => Kind::Section {
            children: Vec::new(),
        },
        "page_break" => Kind::PageBreak,
        "repeat" => Kind::Repeat {
            children: Vec::new(),
            min: 0,
            max: None,
        },
        _ => return None,
    })
}

fn default_options() -> Vec<super::schema::Choice> {
    ["Option 1", "Option 2"]
        .into_iter()
        .enumerate()
        .map(|(i, label)| super::schema::Choice {
            value: format!("option_{}", i + 1),
            label: super::schema::Label::new(label),
        })
        .collect()
}

/// The `type` name of a kind, as stored in JSON.
pub fn type_name(kind: &Kind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.get("type").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn field(id: &str, kind: Kind) -> Field {
        Field::new(FieldId(id.into()), id, kind)
    }

    fn text(id: &str) -> Field {
        field(id, Kind::ShortText { max_length: None })
    }

    fn id(id: &str) -> FieldId {
        FieldId(id.into())
    }

    fn ids(fields: &[Field]) -> Vec<&str> {
        fields.iter().map(|f| f.id.0.as_str()).collect()
    }

    fn form() -> Form {
        Form {
            fields: vec![
                text("a"),
                field(
                    "s",
                    Kind::Section {
                        children: vec![text("b")],
                    },
                ),
                text("c"),
            ],
        }
    }

    fn set_label(field: &str, before: &str, after: &str) -> Edit {
        Edit::Set {
            id: id(field),
            property: "label".into(),
            before: Some(json!({ "text": before })),
            after: Some(json!({ "text": after })),
        }
    }

    #[test]
    fn insert_places_the_field_after_its_sibling_or_first() {
        let mut f = form();
        apply(
            &mut f,
            &Edit::Insert {
                field: text("x"),
                parent: None,
                after: Some(id("a")),
            },
        )
        .unwrap();
        apply(
            &mut f,
            &Edit::Insert {
                field: text("y"),
                parent: Some(id("s")),
                after: None,
            },
        )
        .unwrap();
        assert_eq!(ids(&f.fields), ["a", "x", "s", "c"]);
        assert_eq!(ids(f.fields[2].kind.children()), ["y", "b"]);
    }

    #[test]
    fn moves_into_and_out_of_groups() {
        let mut f = form();
        apply(
            &mut f,
            &Edit::Move {
                id: id("c"),
                parent: Some(id("s")),
                after: Some(id("b")),
            },
        )
        .unwrap();
        assert_eq!(ids(&f.fields), ["a", "s"]);
        assert_eq!(ids(f.fields[1].kind.children()), ["b", "c"]);
        apply(
            &mut f,
            &Edit::Move {
                id: id("b"),
                parent: None,
                after: None,
            },
        )
        .unwrap();
        assert_eq!(ids(&f.fields), ["b", "a", "s"]);
    }

    #[test]
    fn a_group_cannot_move_into_itself_and_the_form_is_unchanged() {
        let mut f = form();
        let refusal = apply(
            &mut f,
            &Edit::Move {
                id: id("s"),
                parent: Some(id("s")),
                after: None,
            },
        )
        .unwrap_err();
        assert!(refusal.message.contains("into itself"));
        let refusal = apply(
            &mut f,
            &Edit::Move {
                id: id("a"),
                parent: Some(id("c")),
                after: None,
            },
        )
        .unwrap_err();
        assert!(refusal.message.contains("not a section"));
        assert_eq!(f, form());
    }

    #[test]
    fn a_sibling_gone_meanwhile_puts_the_field_last() {
        let mut f = form();
        apply(
            &mut f,
            &Edit::Insert {
                field: text("x"),
                parent: None,
                after: Some(id("gone")),
            },
        )
        .unwrap();
        assert_eq!(ids(&f.fields), ["a", "s", "c", "x"]);
    }

    #[test]
    fn concurrent_edits_of_the_same_property_keep_the_first_and_tell_the_second() {
        let mut f = form();
        apply(&mut f, &set_label("a", "a", "Name")).unwrap();
        let refusal = apply(&mut f, &set_label("a", "a", "Full name")).unwrap_err();
        assert_eq!(refusal.property.as_deref(), Some("label"));
        assert_eq!(refusal.current, Some(json!({ "text": "Name" })));
        assert_eq!(find(&f.fields, &id("a")).unwrap().label.text, "Name");
    }

    #[test]
    fn edits_of_different_properties_or_fields_both_apply() {
        let mut f = form();
        apply(&mut f, &set_label("a", "a", "Name")).unwrap();
        apply(
            &mut f,
            &Edit::Set {
                id: id("a"),
                property: "required".into(),
                before: Some(json!(false)),
                after: Some(json!(true)),
            },
        )
        .unwrap();
        apply(&mut f, &set_label("c", "c", "City")).unwrap();
        let a = find(&f.fields, &id("a")).unwrap();
        assert_eq!((a.label.text.as_str(), a.required), ("Name", true));
        assert_eq!(find(&f.fields, &id("c")).unwrap().label.text, "City");
    }

    #[test]
    fn reapplying_an_edit_is_harmless() {
        let mut f = form();
        let edits = [
            set_label("a", "a", "Name"),
            Edit::Insert {
                field: text("x"),
                parent: None,
                after: None,
            },
            Edit::Remove { id: id("c") },
        ];
        for edit in &edits {
            apply(&mut f, edit).unwrap();
        }
        let once = f.clone();
        for edit in &edits {
            apply(&mut f, edit).unwrap();
        }
        assert_eq!(f, once);
    }

    #[test]
    fn setting_a_property_of_a_deleted_field_is_refused() {
        let mut f = form();
        apply(&mut f, &Edit::Remove { id: id("b") }).unwrap();
        let refusal = apply(&mut f, &set_label("b", "b", "x")).unwrap_err();
        assert!(refusal.message.contains("deleted"));
    }

    #[test]
    fn changing_the_type_replaces_the_old_settings() {
        let mut f = Form {
            fields: vec![field(
                "n",
                Kind::Number {
                    integer: true,
                    min: Some(1.0),
                    max: None,
                    step: None,
                },
            )],
        };
        apply(
            &mut f,
            &Edit::Set {
                id: id("n"),
                property: "type".into(),
                before: Some(json!("number")),
                after: Some(json!("single_choice")),
            },
        )
        .unwrap();
        assert!(matches!(&f.fields[0].kind, Kind::SingleChoice { options } if options.len() == 2));
        assert_eq!(f.fields[0].label.text, "n");
        assert_eq!(property(&f.fields[0], "min"), None);
    }

    #[test]
    fn a_group_with_fields_keeps_them_or_refuses_to_become_a_plain_field() {
        let mut f = form();
        apply(
            &mut f,
            &Edit::Set {
                id: id("s"),
                property: "type".into(),
                before: Some(json!("section")),
                after: Some(json!("repeat")),
            },
        )
        .unwrap();
        assert_eq!(ids(f.fields[1].kind.children()), ["b"]);
        let refusal = apply(
            &mut f,
            &Edit::Set {
                id: id("s"),
                property: "type".into(),
                before: Some(json!("repeat")),
                after: Some(json!("date")),
            },
        )
        .unwrap_err();
        assert!(refusal.message.contains("Move the fields out"));
    }

    #[test]
    fn invalid_values_and_structural_properties_are_refused() {
        let mut f = form();
        for (property, value) in [
            ("required", json!("very")),
            ("id", json!("z")),
            ("children", json!([])),
            ("type", json!("hologram")),
        ] {
            let before = property_value(&f, "a", property);
            let edit = Edit::Set {
                id: id("a"),
                property: property.into(),
                before,
                after: Some(value),
            };
            assert!(apply(&mut f, &edit).is_err(), "{property} accepted");
        }
        assert_eq!(f, form());
    }

    fn property_value(f: &Form, field: &str, name: &str) -> Option<Value> {
        property(find(&f.fields, &id(field)).unwrap(), name)
    }

    #[test]
    fn an_inverse_undoes_each_kind_of_edit() {
        let start = form();
        let edits = [
            Edit::Insert {
                field: text("x"),
                parent: Some(id("s")),
                after: Some(id("b")),
            },
            Edit::Move {
                id: id("a"),
                parent: Some(id("s")),
                after: None,
            },
            Edit::Remove { id: id("s") },
            set_label("c", "c", "City"),
        ];
        for edit in edits {
            let mut f = start.clone();
            let undo = inverse(&f, &edit).unwrap();
            apply(&mut f, &edit).unwrap();
            assert_ne!(f, start);
            apply(&mut f, &undo).unwrap();
            assert_eq!(f, start, "undoing {edit:?}");
        }
    }

    #[test]
    fn every_type_name_has_a_blank_kind_that_round_trips() {
        for name in crate::forms::arrange::FIELD_TYPES {
            let kind = blank_kind(name).unwrap();
            assert_eq!(type_name(&kind), name);
        }
    }
}
