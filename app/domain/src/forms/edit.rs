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

use super::schema::{Choice, Constraint, Field, FieldId, Form, Kind, Label};

// An insert carries a whole field; edits are few and short-lived, so boxing it would
// only add noise where edits are built and matched.
//
// `remote = "Self"`: the derived code becomes `Edit::serialize`/`Edit::deserialize`,
// wrapped below by the versioned wire format.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(remote = "Self", tag = "edit", rename_all = "snake_case")]
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
    /// One property of a field; `None` is "not set".
    Set {
        id: FieldId,
        property: Property,
        before: Option<PropertyValue>,
        after: Option<PropertyValue>,
    },
}

/// The version of the edit wire format written now. Devices store edits (the builder's
/// unsent edits, later the runner's), so every version ever written must still decode.
///
/// - 0: no `v`; `property` a schema key (a string), `before`/`after` plain JSON values.
/// - 1: `v: 1`; the same shape, with `property` one of [`Property`] and the values
///   checked against it.
pub const EDIT_FORMAT: u64 = 1;

impl Serialize for Edit {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut value = Edit::serialize(self, serde_json::value::Serializer)
            .map_err(serde::ser::Error::custom)?;
        if let Value::Object(map) = &mut value {
            map.insert("v".into(), Value::from(EDIT_FORMAT));
        }
        value.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Edit {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut value = Value::deserialize(deserializer)?;
        let version = match value.as_object_mut().and_then(|map| map.remove("v")) {
            None => 0,
            Some(v) => v
                .as_u64()
                .ok_or_else(|| D::Error::custom("the edit's version `v` is not a number"))?,
        };
        if version > EDIT_FORMAT {
            return Err(D::Error::custom(format!(
                "this edit is in format {version}, newer than this Muster understands ({EDIT_FORMAT}); reload the page"
            )));
        }
        // Formats 0 and 1 have the same shape.
        let edit = Edit::deserialize(value).map_err(D::Error::custom)?;
        if let Edit::Set {
            property,
            before,
            after,
            ..
        } = &edit
        {
            for value in [before, after].into_iter().flatten() {
                if !property.admits(value) {
                    return Err(D::Error::custom(format!(
                        "`{}` cannot be set to {}",
                        property.key(),
                        serde_json::to_string(value).unwrap_or_default()
                    )));
                }
            }
        }
        Ok(edit)
    }
}

/// What an [`Edit::Set`] can change. The names are the edit protocol's, fixed here; the
/// schema's JSON key of each is [`Property::key`], so renaming a schema key changes one
/// line here, not the stored edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Property {
    Label,
    Help,
    Required,
    ShowIf,
    Constraint,
    /// The field type (changing it resets the type's settings).
    Type,
    MaxLength,
    Integer,
    Min,
    Max,
    Step,
    Options,
    MaxCount,
    MaxSizeKib,
    AccuracyM,
    Expression,
}

/// The kind of value a property holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueKind {
    Flag,
    Number,
    WholeNumber,
    Text,
    Label,
    Constraint,
    Options,
}

impl Property {
    pub const ALL: [Property; 16] = [
        Property::Label,
        Property::Help,
        Property::Required,
        Property::ShowIf,
        Property::Constraint,
        Property::Type,
        Property::MaxLength,
        Property::Integer,
        Property::Min,
        Property::Max,
        Property::Step,
        Property::Options,
        Property::MaxCount,
        Property::MaxSizeKib,
        Property::AccuracyM,
        Property::Expression,
    ];

    /// The key of this property in a field's stored JSON.
    pub fn key(self) -> &'static str {
        match self {
            Property::Label => "label",
            Property::Help => "help",
            Property::Required => "required",
            Property::ShowIf => "show_if",
            Property::Constraint => "constraint",
            Property::Type => "type",
            Property::MaxLength => "max_length",
            Property::Integer => "integer",
            Property::Min => "min",
            Property::Max => "max",
            Property::Step => "step",
            Property::Options => "options",
            Property::MaxCount => "max_count",
            Property::MaxSizeKib => "max_size_kib",
            Property::AccuracyM => "accuracy_m",
            Property::Expression => "expression",
        }
    }

    /// The property stored under `key`, if edits can set it.
    pub fn from_key(key: &str) -> Option<Property> {
        Property::ALL.into_iter().find(|p| p.key() == key)
    }

    fn holds(self) -> ValueKind {
        match self {
            Property::Label | Property::Help => ValueKind::Label,
            Property::Required | Property::Integer => ValueKind::Flag,
            Property::ShowIf | Property::Type | Property::Expression => ValueKind::Text,
            Property::Constraint => ValueKind::Constraint,
            Property::MaxLength | Property::MaxCount | Property::MaxSizeKib => {
                ValueKind::WholeNumber
            }
            // `min`/`max` of a repeat group are whole numbers; the field's own type checks
            // that when the edit is applied.
            Property::Min | Property::Max | Property::Step | Property::AccuracyM => {
                ValueKind::Number
            }
            Property::Options => ValueKind::Options,
        }
    }

    /// Whether `value` is the kind of value this property holds.
    pub fn admits(self, value: &PropertyValue) -> bool {
        match (self.holds(), value) {
            (ValueKind::Flag, PropertyValue::Flag(_))
            | (ValueKind::Number, PropertyValue::Number(_))
            | (ValueKind::Text, PropertyValue::Text(_))
            | (ValueKind::Label, PropertyValue::Label(_))
            | (ValueKind::Constraint, PropertyValue::Constraint(_))
            | (ValueKind::Options, PropertyValue::Options(_)) => true,
            (ValueKind::WholeNumber, PropertyValue::Number(n)) => n.is_u64(),
            _ => false,
        }
    }
}

impl std::fmt::Display for Property {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.key())
    }
}

/// A property's value, typed by what it holds. On the wire it is the plain JSON value
/// (as in format 0); a number keeps whether it is whole, so `max_count: 3` stays `3`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PropertyValue {
    Flag(bool),
    Number(serde_json::Number),
    Text(String),
    Label(Label),
    Constraint(Constraint),
    Options(Vec<Choice>),
}

impl PropertyValue {
    /// The value as stored in a field's JSON.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }

    /// A value read from a field's JSON or an input, if it is one a property can hold.
    pub fn from_json(value: &Value) -> Option<PropertyValue> {
        serde_json::from_value(value.clone()).ok()
    }
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
    pub property: Option<Property>,
    pub message: String,
    /// For a property changed by someone else meanwhile: its value now.
    pub current: Option<PropertyValue>,
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
        } => set(form, id, *property, before.as_ref(), after.as_ref()),
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
            property: *property,
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

/// A property's current value, as stored (what the properties panel shows).
pub fn property(field: &Field, property: Property) -> Option<Value> {
    match serde_json::to_value(field) {
        Ok(Value::Object(map)) => map.get(property.key()).filter(|v| !v.is_null()).cloned(),
        _ => None,
    }
}

/// A property's current value, as [`Edit::Set`] compares it.
pub fn property_value(field: &Field, property: Property) -> Option<PropertyValue> {
    self::property(field, property).and_then(|value| PropertyValue::from_json(&value))
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
    property: Property,
    before: Option<&PropertyValue>,
    after: Option<&PropertyValue>,
) -> Result<(), Refusal> {
    let refuse = |message: String| Refusal {
        field: id.clone(),
        property: Some(property),
        message,
        current: None,
    };
    if let Some(value) = after.filter(|value| !property.admits(value)) {
        return Err(refuse(format!(
            "`{property}` cannot be set to {}.",
            value.to_json()
        )));
    }
    let Some(field) = find_mut(&mut form.fields, id) else {
        return Err(refuse("This field was deleted meanwhile.".into()));
    };
    let Ok(Value::Object(mut map)) = serde_json::to_value(&*field) else {
        return Err(refuse("The field could not be read.".into()));
    };
    let key = property.key();
    let current = map
        .get(key)
        .filter(|v| !v.is_null())
        .and_then(PropertyValue::from_json);
    if current.as_ref() == after {
        return Ok(());
    }
    if current.as_ref() != before {
        return Err(Refusal {
            current,
            ..refuse("Someone else changed this at the same time; their change was kept.".into())
        });
    }
    match after {
        Some(value) => map.insert(key.to_owned(), value.to_json()),
        None => map.remove(key),
    };
    if property == Property::Type {
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
        set_json(
            field,
            "label",
            json!({ "text": before }),
            json!({ "text": after }),
        )
    }

    /// An `Edit::Set` as the wire carries it (format 1).
    fn set_json(field: &str, property: &str, before: Value, after: Value) -> Edit {
        serde_json::from_value(json!({
            "v": 1, "edit": "set", "id": field, "property": property, "before": before, "after": after
        }))
        .unwrap_or_else(|e| panic!("{property}: {e}"))
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
        assert_eq!(refusal.property, Some(Property::Label));
        assert_eq!(
            refusal.current.map(|value| value.to_json()),
            Some(json!({ "text": "Name" }))
        );
        assert_eq!(find(&f.fields, &id("a")).unwrap().label.text, "Name");
    }

    #[test]
    fn edits_of_different_properties_or_fields_both_apply() {
        let mut f = form();
        apply(&mut f, &set_label("a", "a", "Name")).unwrap();
        apply(
            &mut f,
            &set_json("a", "required", json!(false), json!(true)),
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
            &set_json("n", "type", json!("number"), json!("single_choice")),
        )
        .unwrap();
        assert!(matches!(&f.fields[0].kind, Kind::SingleChoice { options } if options.len() == 2));
        assert_eq!(f.fields[0].label.text, "n");
        assert_eq!(property(&f.fields[0], Property::Min), None);
    }

    #[test]
    fn a_group_with_fields_keeps_them_or_refuses_to_become_a_plain_field() {
        let mut f = form();
        apply(
            &mut f,
            &set_json("s", "type", json!("section"), json!("repeat")),
        )
        .unwrap();
        assert_eq!(ids(f.fields[1].kind.children()), ["b"]);
        let refusal = apply(
            &mut f,
            &set_json("s", "type", json!("repeat"), json!("date")),
        )
        .unwrap_err();
        assert!(refusal.message.contains("Move the fields out"));
    }

    #[test]
    fn invalid_values_and_structural_properties_are_refused() {
        // A value of the wrong kind, or a property edits cannot set, does not even decode.
        for (property, value) in [
            ("required", json!("very")),
            ("max_count", json!(1.5)),
            ("label", json!(true)),
            ("id", json!("z")),
            ("children", json!([])),
        ] {
            let wire = json!({ "v": 1, "edit": "set", "id": "a", "property": property, "before": null, "after": value });
            assert!(
                serde_json::from_value::<Edit>(wire).is_err(),
                "{property} = {value} decoded"
            );
        }
        // A well-typed value the field cannot take is refused when applied.
        let mut f = form();
        let edit = set_json("a", "type", json!("short_text"), json!("hologram"));
        assert!(apply(&mut f, &edit).is_err(), "an unknown type accepted");
        assert_eq!(f, form());
    }

    #[test]
    fn edits_stored_before_the_format_was_versioned_still_decode() {
        // Exactly what a builder tab kept in localStorage before format 1 (no `v`).
        let stored = r#"[
            {"edit":"set","id":"age","property":"label","before":{"text":"Age"},"after":{"text":"Age in years"}},
            {"edit":"set","id":"age","property":"max","before":null,"after":120},
            {"edit":"set","id":"photo","property":"max_count","before":1,"after":3},
            {"edit":"set","id":"consent","property":"show_if","before":null,"after":"$age >= 18"},
            {"edit":"move","id":"age","parent":null,"after":"name"},
            {"edit":"remove","id":"old"}
        ]"#;
        let edits: Vec<Edit> = serde_json::from_str(stored).expect("format 0 decodes");
        assert_eq!(
            edits[0],
            Edit::Set {
                id: id("age"),
                property: Property::Label,
                before: Some(PropertyValue::Label(Label::new("Age"))),
                after: Some(PropertyValue::Label(Label::new("Age in years"))),
            }
        );
        let Edit::Set { after, .. } = &edits[2] else {
            panic!("a set")
        };
        assert_eq!(
            after.as_ref().map(PropertyValue::to_json),
            Some(json!(3)),
            "whole numbers stay whole"
        );
        // Written again, they carry the current format and decode to the same edits.
        let written = serde_json::to_value(&edits).expect("encode");
        assert!(written
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["v"] == EDIT_FORMAT));
        let again: Vec<Edit> = serde_json::from_value(written).expect("format 1 decodes");
        assert_eq!(again, edits);
    }

    #[test]
    fn an_edit_from_a_newer_format_is_refused_with_what_to_do() {
        let newer = json!({ "v": EDIT_FORMAT + 1, "edit": "remove", "id": "a" });
        let error = serde_json::from_value::<Edit>(newer).unwrap_err();
        assert!(error.to_string().contains("reload the page"), "{error}");
    }

    #[test]
    fn every_property_has_its_own_key_and_finds_its_way_back() {
        for property in Property::ALL {
            assert_eq!(Property::from_key(property.key()), Some(property));
            let wire = serde_json::to_value(property).unwrap();
            assert_eq!(wire, json!(property.key()), "wire name and key agree today");
        }
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
