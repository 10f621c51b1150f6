//! What changed between two versions of a form, field by field (by id): what the builder
//! shows as "changes since v3", and what tells old submissions apart from new fields.

use serde::{Deserialize, Serialize};

use super::schema::{Field, FieldId, Form};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Change {
    Added(FieldId),
    Removed(FieldId),
    /// The field's own settings changed (its children are compared on their own).
    Changed(FieldId),
    /// Same field, now elsewhere (another position or group).
    Moved(FieldId),
}

/// The changes from `before` to `after`, in the order of `after` (removals last). A field
/// counts as moved when it changed container, or when it is not part of the longest
/// run of fields that kept their order in its container (so moving one field down does
/// not report every field it passed).
pub fn diff(before: &Form, after: &Form) -> Vec<Change> {
    let old = with_places(before);
    let new = with_places(after);
    let old_place = |id: &FieldId| old.iter().find(|(f, _)| &f.id == id).map(|(f, p)| (*f, p));
    let mut changes = Vec::new();
    for (field, place) in &new {
        match old_place(&field.id) {
            None => changes.push(Change::Added(field.id.clone())),
            Some((old_field, previous_place)) => {
                if own_settings(old_field) != own_settings(field) {
                    changes.push(Change::Changed(field.id.clone()));
                } else if previous_place != place || !kept_order(&old, &new, field, place) {
                    changes.push(Change::Moved(field.id.clone()));
                }
            }
        }
    }
    for (field, _) in &old {
        if !new.iter().any(|(f, _)| f.id == field.id) {
            changes.push(Change::Removed(field.id.clone()));
        }
    }
    changes
}

type Placed<'a> = Vec<(&'a Field, Vec<&'a FieldId>)>;

/// Whether `field` is in the longest common subsequence of the fields that are in
/// `place` both before and after.
fn kept_order(old: &Placed<'_>, new: &Placed<'_>, field: &Field, place: &[&FieldId]) -> bool {
    let in_place = |fields: &Placed<'_>, other: &Placed<'_>| -> Vec<FieldId> {
        fields
            .iter()
            .filter(|(f, p)| {
                p.as_slice() == place
                    && other
                        .iter()
                        .any(|(o, op)| o.id == f.id && op.as_slice() == place)
            })
            .map(|(f, _)| f.id.clone())
            .collect()
    };
    let (a, b) = (in_place(old, new), in_place(new, old));
    // lengths[i][j]: LCS of a[i..] and b[j..].
    let mut lengths = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lengths[i][j] = if a[i] == b[j] {
                lengths[i + 1][j + 1] + 1
            } else {
                lengths[i + 1][j].max(lengths[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            if a[i] == field.id {
                return true;
            }
            i += 1;
            j += 1;
        } else if lengths[i + 1][j] >= lengths[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    false
}

/// Every field with the ids of the sections and groups it is in.
fn with_places(form: &Form) -> Placed<'_> {
    fn visit<'a>(
        fields: &'a [Field],
        place: &[&'a FieldId],
        out: &mut Vec<(&'a Field, Vec<&'a FieldId>)>,
    ) {
        for field in fields {
            out.push((field, place.to_vec()));
            let mut inner = place.to_vec();
            inner.push(&field.id);
            visit(field.kind.children(), &inner, out);
        }
    }
    let mut out = Vec::new();
    visit(&form.fields, &[], &mut out);
    out
}

/// A field without its children, as JSON: what "its own settings" means.
fn own_settings(field: &Field) -> serde_json::Value {
    let mut value = serde_json::to_value(field).unwrap_or_default();
    if let Some(object) = value.as_object_mut() {
        object.remove("children");
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::schema::{Kind, Label};

    fn field(id: &str, kind: Kind) -> Field {
        Field::new(FieldId(id.into()), id, kind)
    }

    fn ids(changes: &[Change]) -> Vec<String> {
        changes
            .iter()
            .map(|c| match c {
                Change::Added(id) => format!("+{id}"),
                Change::Removed(id) => format!("-{id}"),
                Change::Changed(id) => format!("~{id}"),
                Change::Moved(id) => format!(">{id}"),
            })
            .collect()
    }

    #[test]
    fn added_removed_changed_and_moved_fields() {
        let before = Form {
            fields: vec![
                field("name", Kind::ShortText { max_length: None }),
                field(
                    "age",
                    Kind::Number {
                        integer: true,
                        min: None,
                        max: None,
                        step: None,
                    },
                ),
                field(
                    "group",
                    Kind::Repeat {
                        children: vec![field("hours", Kind::YesNo)],
                        min: 0,
                        max: None,
                    },
                ),
                field("old", Kind::Date),
            ],
        };
        let mut after = before.clone();
        after.fields.remove(3); // old
        after.fields[1].label = Label::new("Age in years"); // age changed
        after.fields.push(field("new", Kind::Barcode));
        let name = after.fields.remove(0);
        after.fields.push(name); // name moved to the end, past age and group
        assert_eq!(
            ids(&diff(&before, &after)),
            ["~age", "+new", ">name", "-old"]
        );
        assert!(diff(&before, &before).is_empty());
    }

    #[test]
    fn moving_a_field_into_a_group_is_a_move_and_children_do_not_change_their_parent() {
        let before = Form {
            fields: vec![
                field("a", Kind::YesNo),
                field(
                    "s",
                    Kind::Section {
                        children: vec![field("b", Kind::YesNo)],
                    },
                ),
            ],
        };
        let after = Form {
            fields: vec![field(
                "s",
                Kind::Section {
                    children: vec![field("b", Kind::YesNo), field("a", Kind::YesNo)],
                },
            )],
        };
        assert_eq!(
            ids(&diff(&before, &after)),
            [">a"],
            "s kept its order among the fields that stayed"
        );
    }
}
