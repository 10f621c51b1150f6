//! The builder's arranging commands as edits: new fields from the palette, duplicating,
//! and the keyboard's moves (up, down, into the group above, out of the group), which
//! do what dragging does for people who cannot drag.

use super::{
    edit::{blank_kind, find, position, Edit},
    schema::{Field, FieldId, Form, Kind},
};

/// Every field type, in palette order, by its `type` name.
pub const FIELD_TYPES: [&str; 18] = [
    "short_text",
    "long_text",
    "number",
    "date",
    "time",
    "date_time",
    "single_choice",
    "multiple_choice",
    "yes_no",
    "photo",
    "barcode",
    "location",
    "signature",
    "note",
    "calculated",
    "section",
    "page_break",
    "repeat",
];

/// A new field of type `type_name` with id `id`, labelled after its type.
pub fn new_field(type_name: &str, id: FieldId) -> Option<Field> {
    let kind = blank_kind(type_name)?;
    let mut label = kind.name().to_owned();
    if let Some(first) = label.get_mut(0..1) {
        first.make_ascii_uppercase();
    }
    Some(Field::new(id, label, kind))
}

/// A copy of field `id` (with its children) right after it; every copied field gets a
/// new id from `fresh`.
pub fn duplicate(
    form: &Form,
    id: &FieldId,
    fresh: &mut impl FnMut(&Field) -> FieldId,
) -> Option<Edit> {
    let original = find(&form.fields, id)?;
    let (parent, _) = position(form, id)?;
    let mut copy = renumber(original, fresh);
    copy.label.text = format!("{} (copy)", original.label.text);
    Some(Edit::Insert {
        field: copy,
        parent,
        after: Some(id.clone()),
    })
}

fn renumber(field: &Field, fresh: &mut impl FnMut(&Field) -> FieldId) -> Field {
    let mut copy = field.clone();
    copy.id = fresh(field);
    if let Kind::Section { children } | Kind::Repeat { children, .. } = &mut copy.kind {
        *children = field
            .kind
            .children()
            .iter()
            .map(|child| renumber(child, fresh))
            .collect();
    }
    copy
}

/// The fields of `parent`'s group (`None`: the form).
pub fn siblings<'a>(form: &'a Form, parent: Option<&FieldId>) -> &'a [Field] {
    match parent {
        None => &form.fields,
        Some(parent) => find(&form.fields, parent).map_or(&[], |f| f.kind.children()),
    }
}

fn index_in(form: &Form, id: &FieldId) -> Option<(Option<FieldId>, usize)> {
    let (parent, _) = position(form, id)?;
    let index = siblings(form, parent.as_ref())
        .iter()
        .position(|f| &f.id == id)?;
    Some((parent, index))
}

/// One place up; from the top of a group, out of it (just before it).
pub fn move_up(form: &Form, id: &FieldId) -> Option<Edit> {
    let (parent, index) = index_in(form, id)?;
    let list = siblings(form, parent.as_ref());
    if index > 0 {
        let after = index.checked_sub(2).map(|i| list[i].id.clone());
        return Some(Edit::Move {
            id: id.clone(),
            parent,
            after,
        });
    }
    let group = parent?;
    let (outer, group_after) = position(form, &group)?;
    Some(Edit::Move {
        id: id.clone(),
        parent: outer,
        after: group_after,
    })
}

/// One place down; from the bottom of a group, out of it (just after it).
pub fn move_down(form: &Form, id: &FieldId) -> Option<Edit> {
    let (parent, index) = index_in(form, id)?;
    let list = siblings(form, parent.as_ref());
    if let Some(next) = list.get(index + 1) {
        return Some(Edit::Move {
            id: id.clone(),
            parent,
            after: Some(next.id.clone()),
        });
    }
    out_of_group(form, id)
}

/// Into the section or repeat group just above, as its last field.
pub fn into_group_above(form: &Form, id: &FieldId) -> Option<Edit> {
    let (parent, index) = index_in(form, id)?;
    let above = siblings(form, parent.as_ref()).get(index.checked_sub(1)?)?;
    if !matches!(above.kind, Kind::Section { .. } | Kind::Repeat { .. }) {
        return None;
    }
    Some(Edit::Move {
        id: id.clone(),
        parent: Some(above.id.clone()),
        after: above.kind.children().last().map(|f| f.id.clone()),
    })
}

/// Out of its group, just after the group.
pub fn out_of_group(form: &Form, id: &FieldId) -> Option<Edit> {
    let (parent, _) = position(form, id)?;
    let group = parent?;
    let (outer, _) = position(form, &group)?;
    Some(Edit::Move {
        id: id.clone(),
        parent: outer,
        after: Some(group),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::edit::apply;

    fn form() -> Form {
        let text = |id: &str| new_field("short_text", FieldId(id.into())).expect("type");
        let mut section = new_field("section", FieldId("s".into())).expect("type");
        section.kind = Kind::Section {
            children: vec![text("b"), text("c")],
        };
        Form {
            fields: vec![text("a"), section, text("d")],
        }
    }

    fn layout(form: &Form) -> String {
        fn list(fields: &[Field]) -> String {
            fields
                .iter()
                .map(|f| match &f.kind {
                    Kind::Section { children } => format!("{}[{}]", f.id, list(children)),
                    _ => f.id.to_string(),
                })
                .collect::<Vec<_>>()
                .join(" ")
        }
        list(&form.fields)
    }

    fn run(form: &mut Form, command: fn(&Form, &FieldId) -> Option<Edit>, field: &str) {
        let edit = command(form, &id(field)).expect("an edit");
        apply(form, &edit).expect("applies");
    }

    fn id(id: &str) -> FieldId {
        FieldId(id.into())
    }

    #[test]
    fn keyboard_moves_walk_through_groups() {
        let mut f = form();
        run(&mut f, move_down, "a");
        assert_eq!(layout(&f), "s[b c] a d");
        run(&mut f, into_group_above, "a");
        assert_eq!(layout(&f), "s[b c a] d");
        run(&mut f, move_up, "a");
        assert_eq!(layout(&f), "s[b a c] d");
        run(&mut f, move_up, "a");
        run(&mut f, move_up, "a");
        assert_eq!(layout(&f), "a s[b c] d");
        assert_eq!(move_up(&f, &id("a")), None, "already first");
        run(&mut f, move_down, "c");
        assert_eq!(layout(&f), "a s[b] c d");
        assert_eq!(into_group_above(&f, &id("d")), None, "c is not a group");
        run(&mut f, move_up, "b");
        assert_eq!(layout(&f), "a b s[] c d");
        assert_eq!(out_of_group(&f, &id("b")), None);
    }

    #[test]
    fn duplicates_get_new_ids_down_the_tree() {
        let f = form();
        let mut n = 0;
        let edit = duplicate(&f, &id("s"), &mut |_| {
            n += 1;
            FieldId(format!("n{n}"))
        })
        .expect("an edit");
        let mut g = f.clone();
        apply(&mut g, &edit).expect("applies");
        assert_eq!(layout(&g), "a s[b c] n1[n2 n3] d");
        assert_eq!(g.fields[2].label.text, "Section (copy)");
    }

    #[test]
    fn every_palette_type_makes_a_field() {
        for name in FIELD_TYPES {
            let field = new_field(name, id("x")).expect(name);
            assert!(!field.label.text.is_empty());
        }
    }
}
