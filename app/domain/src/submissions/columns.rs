//! The columns of an app's submissions, across all its published versions: one per
//! question (by field id, which survives renames), labelled as the newest version that
//! has it says, marked when a version renamed it or the newest dropped it, so answers
//! given to old versions stay readable next to new ones. Tables, exports and the API
//! all lay submissions out by these columns.

use serde::{Deserialize, Serialize};

use crate::forms::{
    media,
    schema::{FieldId, Form, Kind},
    submission::{Answer, Document},
};

/// How a column's answers read in one cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum CellKind {
    /// The answer's text (numbers, dates, choices, places are text too).
    Text,
    /// Photos or a signature: how many files.
    Files,
    /// A repeat group: its rows.
    Rows,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub field: FieldId,
    /// The label in the newest version that has the question.
    pub label: String,
    /// Other labels older versions gave it, oldest first.
    pub earlier_labels: Vec<String>,
    /// The newest version no longer asks it: only older submissions have answers.
    pub removed: bool,
    pub cell: CellKind,
    /// `short text`, `number`, … as the builder calls it.
    pub kind: String,
}

impl Column {
    /// The header: the label, and what it was called before or that it was removed.
    pub fn heading(&self) -> String {
        let mut heading = self.label.clone();
        if !self.earlier_labels.is_empty() {
            heading.push_str(&format!(" (was: {})", self.earlier_labels.join(", ")));
        }
        if self.removed {
            heading.push_str(" (removed)");
        }
        heading
    }

    /// This column's answer in `document`, as one line of text: empty when unanswered.
    /// A repeat group reads as its rows in JSON, so nothing is lost in an export.
    pub fn cell(&self, document: &Document) -> String {
        match self.cell {
            CellKind::Text => document.text(&self.field).replace('\n', ", "),
            CellKind::Files => {
                let count = media::parse(document.text(&self.field))
                    .map(|files| files.len())
                    .unwrap_or_default();
                match count {
                    0 => String::new(),
                    1 => "1 file".to_owned(),
                    n => format!("{n} files"),
                }
            }
            CellKind::Rows => match document.answers.get(&self.field) {
                Some(Answer::Rows(rows)) if !rows.is_empty() => {
                    serde_json::to_string(rows).unwrap_or_default()
                }
                _ => String::new(),
            },
        }
    }

    /// A short form of [`Column::cell`] for a table: a repeat group's number of rows.
    pub fn summary(&self, document: &Document) -> String {
        match self.cell {
            CellKind::Rows => match document.rows(&self.field).len() {
                0 => String::new(),
                1 => "1 row".to_owned(),
                n => format!("{n} rows"),
            },
            _ => self.cell(document),
        }
    }
}

/// The columns of an app whose published forms are `versions` (in any order): the
/// newest version's questions in its order, then questions only older versions asked,
/// newest first. Questions inside a repeat group are part of their group's column.
pub fn columns(versions: &[(i32, &Form)]) -> Vec<Column> {
    let mut newest_first: Vec<&(i32, &Form)> = versions.iter().collect();
    newest_first.sort_by_key(|(version, _)| std::cmp::Reverse(*version));
    let mut out: Vec<Column> = Vec::new();
    for (index, (_, form)) in newest_first.iter().enumerate() {
        for (field, group) in form.walk() {
            if group.is_some() {
                continue;
            }
            let cell = match &field.kind {
                Kind::Repeat { .. } => CellKind::Rows,
                Kind::Photo { .. } | Kind::Signature => CellKind::Files,
                kind if kind.holds_an_answer() => CellKind::Text,
                _ => continue,
            };
            match out.iter_mut().find(|c| c.field == field.id) {
                Some(column) => {
                    let label = &field.label.text;
                    if *label != column.label && !column.earlier_labels.contains(label) {
                        // Older versions come later here: prepend to keep oldest first.
                        column.earlier_labels.insert(0, label.clone());
                    }
                }
                None => out.push(Column {
                    field: field.id.clone(),
                    label: field.label.text.clone(),
                    earlier_labels: Vec::new(),
                    removed: index > 0,
                    cell,
                    kind: field.kind.name().to_owned(),
                }),
            }
        }
    }
    out
}

/// How many columns a table shows when the address does not say.
pub const DEFAULT_SHOWN: usize = 6;

/// The columns shown for `chosen` (the address's `columns`), in that order; unknown
/// ids are left out. Without a choice, the first few questions the newest version asks.
pub fn shown<'a>(all: &'a [Column], chosen: Option<&[FieldId]>) -> Vec<&'a Column> {
    match chosen {
        Some(ids) => ids
            .iter()
            .filter_map(|id| all.iter().find(|c| &c.field == id))
            .collect(),
        None => all
            .iter()
            .filter(|c| !c.removed)
            .take(DEFAULT_SHOWN)
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::schema::Field;

    fn form(fields: Vec<Field>) -> Form {
        Form { fields }
    }

    fn text(id: &str, label: &str) -> Field {
        Field::new(
            FieldId(id.into()),
            label,
            Kind::ShortText { max_length: None },
        )
    }

    #[test]
    fn renamed_and_removed_questions_keep_their_column() {
        let v1 = form(vec![text("site", "Site"), text("notes", "Notes")]);
        let v2 = form(vec![text("site", "Location name"), text("count", "Count")]);
        let columns = columns(&[(1, &v1), (2, &v2)]);
        let headings: Vec<String> = columns.iter().map(Column::heading).collect();
        assert_eq!(
            headings,
            ["Location name (was: Site)", "Count", "Notes (removed)"]
        );
        let shown: Vec<&str> = shown(&columns, None)
            .iter()
            .map(|c| c.field.0.as_str())
            .collect();
        assert_eq!(shown, ["site", "count"]);
    }

    #[test]
    fn a_repeat_group_is_one_column_that_keeps_its_rows() {
        let group = Field::new(
            FieldId("visits".into()),
            "Visits",
            Kind::Repeat {
                children: vec![text("duration", "Duration")],
                min: 0,
                max: None,
            },
        );
        let columns = columns(&[(1, &form(vec![group]))]);
        assert_eq!(columns.len(), 1);
        let document: Document =
            serde_json::from_str(r#"{"visits":[{"duration":"20"},{"duration":"35"}]}"#)
                .expect("document");
        assert_eq!(columns[0].summary(&document), "2 rows");
        assert_eq!(
            columns[0].cell(&document),
            r#"[{"duration":"20"},{"duration":"35"}]"#
        );
    }

    #[test]
    fn a_chosen_column_order_is_kept_and_unknown_ids_are_left_out() {
        let v1 = form(vec![text("a", "A"), text("b", "B")]);
        let all = columns(&[(1, &v1)]);
        let chosen = [
            FieldId("b".into()),
            FieldId("gone".into()),
            FieldId("a".into()),
        ];
        let ids: Vec<&str> = shown(&all, Some(&chosen))
            .iter()
            .map(|c| c.field.0.as_str())
            .collect();
        assert_eq!(ids, ["b", "a"]);
    }
}
