//! A submission: the answers of one filled-in form, as the runner keeps them on the
//! device and the server stores them. Answers are by field id; a repeat group's answer
//! is its rows, each row answers by field id again (groups nest).
//!
//! ```json
//! { "site": "North gate", "visits": [ { "duration": "20" }, { "duration": "35" } ] }
//! ```
//!
//! Each answer is the text its input holds (see [`super::fill::answer`] for how each
//! kind reads it). A place in the document is a [`path`]: `site`, `visits.1.duration`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{
    media::{self, MediaRef},
    schema::{Field, FieldId, Form, Kind},
};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Document {
    pub answers: BTreeMap<FieldId, Answer>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Answer {
    Text(String),
    Rows(Vec<Document>),
}

impl Document {
    /// The text answered for `id` (empty when unanswered or a group).
    pub fn text(&self, id: &FieldId) -> &str {
        match self.answers.get(id) {
            Some(Answer::Text(text)) => text,
            _ => "",
        }
    }

    /// The rows of repeat group `id` (none when unanswered).
    pub fn rows(&self, id: &FieldId) -> &[Document] {
        match self.answers.get(id) {
            Some(Answer::Rows(rows)) => rows,
            _ => &[],
        }
    }

    pub fn set_text(&mut self, id: FieldId, text: String) {
        self.answers.insert(id, Answer::Text(text));
    }

    /// The document one level down, at `path` (`[]`: this one), if those rows exist.
    pub fn row_at(&self, path: &[(FieldId, usize)]) -> Option<&Document> {
        match path.split_first() {
            None => Some(self),
            Some(((group, index), rest)) => self.rows(group).get(*index)?.row_at(rest),
        }
    }

    /// As [`Document::row_at`], for changing it; missing rows are not created.
    pub fn row_at_mut(&mut self, path: &[(FieldId, usize)]) -> Option<&mut Document> {
        match path.split_first() {
            None => Some(self),
            Some(((group, index), rest)) => match self.answers.get_mut(group) {
                Some(Answer::Rows(rows)) => rows.get_mut(*index)?.row_at_mut(rest),
                _ => None,
            },
        }
    }
}

/// The path of field `id` in the rows `rows` (outermost first): `visits.1.duration`.
pub fn path(rows: &[(FieldId, usize)], id: &FieldId) -> String {
    let mut out = String::new();
    for (group, index) in rows {
        out.push_str(&group.0);
        out.push('.');
        out.push_str(&index.to_string());
        out.push('.');
    }
    out.push_str(&id.0);
    out
}

/// Reads a [`path`] back: the rows it goes through and the field it ends at. `None`
/// when it is not one (an empty part, a row that is not a number).
pub fn parse_path(text: &str) -> Option<(Vec<(FieldId, usize)>, FieldId)> {
    let parts: Vec<&str> = text.split('.').collect();
    let (last, groups) = parts.split_last()?;
    if groups.len() % 2 != 0 {
        return None;
    }
    let rows = groups
        .chunks(2)
        .map(|pair| Some((FieldId(pair[0].to_owned()), pair[1].parse().ok()?)))
        .collect::<Option<Vec<_>>>()?;
    let field = FieldId((*last).to_owned());
    (field.is_valid() && rows.iter().all(|(group, _)| group.is_valid())).then_some((rows, field))
}

/// The question a [`path`] ends at in `form`, through the repeat groups it names.
pub fn question_at<'f>(
    form: &'f Form,
    rows: &[(FieldId, usize)],
    id: &FieldId,
) -> Option<&'f Field> {
    fn find<'f>(fields: &'f [Field], id: &FieldId) -> Option<&'f Field> {
        fields.iter().find_map(|field| match &field.kind {
            _ if &field.id == id => Some(field),
            Kind::Section { children } => find(children, id),
            _ => None,
        })
    }
    let mut fields = &form.fields[..];
    for (group, _) in rows {
        match find(fields, group) {
            Some(Field {
                kind: Kind::Repeat { children, .. },
                ..
            }) => fields = children,
            _ => return None,
        }
    }
    find(fields, id)
}

/// What makes a document unreadable for a form, whatever the answers say: it was made
/// for another version, or by something other than the runner.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    #[error("The submission answers `{0}`, which this version of the form does not ask.")]
    UnknownField(String),
    #[error("The submission answers `{0}` with rows, but it is not a repeat group.")]
    RowsForQuestion(String),
    #[error("The submission answers the repeat group `{0}` with text instead of rows.")]
    TextForGroup(String),
    #[error("The submission answers `{0}`, which takes no answer.")]
    NotAnswered(String),
}

/// Why a finished submission is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(transparent)]
    Shape(#[from] ShapeError),
    /// The message for each answer (by path) that is missing or wrong: exactly what the
    /// runner showed next to it.
    #[error("{} answer(s) need attention", .0.len())]
    Answers(BTreeMap<String, String>),
}

/// Whether `document` may be submitted for `form`: the runner asks before it sends, the
/// server before it stores, with the same answer.
pub fn check(form: &Form, document: &Document, now: chrono::NaiveDateTime) -> Result<(), Refusal> {
    check_shape(form, document)?;
    let messages = super::fill::evaluate_document(form, document, now).messages;
    if messages.is_empty() {
        Ok(())
    } else {
        Err(Refusal::Answers(messages.into_iter().collect()))
    }
}

/// Checks that every answer belongs to a question of `form` and has its shape.
pub fn check_shape(form: &Form, document: &Document) -> Result<(), ShapeError> {
    check_rows(&form.fields, document, &[])
}

fn check_rows(
    fields: &[Field],
    document: &Document,
    rows: &[(FieldId, usize)],
) -> Result<(), ShapeError> {
    let in_frame = frame_fields(fields);
    for (id, answer) in &document.answers {
        let at = || path(rows, id);
        let field = in_frame
            .iter()
            .find(|f| &f.id == id)
            .ok_or_else(|| ShapeError::UnknownField(at()))?;
        match (&field.kind, answer) {
            (Kind::Repeat { children, .. }, Answer::Rows(inner)) => {
                for (index, row) in inner.iter().enumerate() {
                    let mut deeper = rows.to_vec();
                    deeper.push((id.clone(), index));
                    check_rows(children, row, &deeper)?;
                }
            }
            (Kind::Repeat { .. }, Answer::Text(_)) => return Err(ShapeError::TextForGroup(at())),
            (_, Answer::Rows(_)) => return Err(ShapeError::RowsForQuestion(at())),
            (kind, Answer::Text(_)) if !kind.holds_an_answer() => {
                return Err(ShapeError::NotAnswered(at()))
            }
            _ => {}
        }
    }
    Ok(())
}

/// The photos and signatures `document` names (for `form`), in the form's order; answers
/// that are not file references name none (the engine refuses those on its own).
pub fn files(form: &Form, document: &Document) -> Vec<MediaRef> {
    let mut out = Vec::new();
    files_in(&form.fields, document, &mut out);
    out
}

fn files_in(fields: &[Field], document: &Document, out: &mut Vec<MediaRef>) {
    for field in frame_fields(fields) {
        match (&field.kind, document.answers.get(&field.id)) {
            (Kind::Photo { .. } | Kind::Signature, Some(Answer::Text(text))) => {
                out.extend(media::parse(text).unwrap_or_default());
            }
            (Kind::Repeat { children, .. }, Some(Answer::Rows(rows))) => {
                for row in rows {
                    files_in(children, row, out);
                }
            }
            _ => {}
        }
    }
}

/// Where the submission was made: the first answered location question in the form's
/// order (a question inside a repeat group counts with its first row that has one).
pub fn location(form: &Form, document: &Document) -> Option<super::fill::Location> {
    location_in(&form.fields, document)
}

fn location_in(fields: &[Field], document: &Document) -> Option<super::fill::Location> {
    frame_fields(fields).into_iter().find_map(|field| {
        match (&field.kind, document.answers.get(&field.id)) {
            (Kind::Location { .. }, Some(Answer::Text(text))) => super::fill::Location::parse(text),
            (Kind::Repeat { children, .. }, Some(Answer::Rows(rows))) => {
                rows.iter().find_map(|row| location_in(children, row))
            }
            _ => None,
        }
    })
}

/// An answer of a draft that does not fit the newer version it moves to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeftBehind {
    /// Where it was, by the older version's labels: "Visits, row 2: Duration".
    pub question: String,
    pub answer: String,
}

/// Moves a draft filled with `old` onto `new`: an answer stays where the newer version
/// still asks the same question (same id, in the same repeat group) in a way that
/// understands it (a number is still a number, a ticked option still exists); every
/// other answer is listed, never silently lost.
pub fn carry_over(old: &Form, new: &Form, draft: &Document) -> (Document, Vec<LeftBehind>) {
    let mut left = Vec::new();
    let moved = carry_rows(&old.fields, Some(&new.fields), draft, "", &mut left);
    (moved, left)
}

fn carry_rows(
    old: &[Field],
    new: Option<&[Field]>,
    draft: &Document,
    prefix: &str,
    left: &mut Vec<LeftBehind>,
) -> Document {
    let old_fields = frame_fields(old);
    let new_fields = new.map(frame_fields).unwrap_or_default();
    let mut out = Document::default();
    for (id, answer) in &draft.answers {
        let Some(before) = old_fields.iter().find(|f| &f.id == id) else {
            continue;
        };
        let after = new_fields.iter().find(|f| &f.id == id);
        let question = format!("{prefix}{}", before.label.text);
        match (answer, after.map(|f| &f.kind)) {
            (Answer::Rows(rows), Some(Kind::Repeat { children, .. })) => {
                let old_children = before.kind.children();
                let kept = rows
                    .iter()
                    .enumerate()
                    .map(|(index, row)| {
                        let prefix = format!("{question}, row {}: ", index + 1);
                        carry_rows(old_children, Some(children), row, &prefix, left)
                    })
                    .collect();
                out.answers.insert(id.clone(), Answer::Rows(kept));
            }
            (Answer::Rows(rows), _) => {
                for (index, row) in rows.iter().enumerate() {
                    let prefix = format!("{question}, row {}: ", index + 1);
                    carry_rows(before.kind.children(), None, row, &prefix, left);
                }
            }
            (Answer::Text(text), Some(kind))
                if text.trim().is_empty() || still_understood(kind, text) =>
            {
                out.answers.insert(id.clone(), answer.clone());
            }
            (Answer::Text(text), _) => left.push(LeftBehind {
                question,
                answer: text.clone(),
            }),
        }
    }
    out
}

fn still_understood(kind: &Kind, text: &str) -> bool {
    if !kind.holds_an_answer() {
        return false;
    }
    let known = |options: &[super::schema::Choice], value: &str| {
        options.iter().any(|o| o.value == value.trim())
    };
    match kind {
        Kind::SingleChoice { options } => known(options, text),
        Kind::MultipleChoice { options } => text
            .lines()
            .filter(|v| !v.trim().is_empty())
            .all(|v| known(options, v)),
        _ => !super::fill::answer(kind, text).is_empty(),
    }
}

/// The fields of one row (or of the form's top level): sections are looked into, repeat
/// groups are listed but not looked into (their fields belong to their rows).
pub(crate) fn frame_fields(fields: &[Field]) -> Vec<&Field> {
    let mut out = Vec::new();
    for field in fields {
        out.push(field);
        if let Kind::Section { children } = &field.kind {
            out.extend(frame_fields(children));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_reads_back_as_the_rows_and_field_it_was_made_from() {
        let rows = vec![
            (FieldId("visits".into()), 1),
            (FieldId("samples".into()), 0),
        ];
        let field = FieldId("duration".into());
        let text = path(&rows, &field);
        assert_eq!(text, "visits.1.samples.0.duration");
        assert_eq!(parse_path(&text), Some((rows, field)));
        assert_eq!(parse_path("site"), Some((vec![], FieldId("site".into()))));
        for bad in [
            "",
            "visits.duration",
            "visits.x.duration",
            "visits.1.",
            "a b",
        ] {
            assert_eq!(parse_path(bad), None, "{bad}");
        }
    }

    fn id(id: &str) -> FieldId {
        FieldId(id.into())
    }

    fn form() -> Form {
        Form {
            fields: vec![
                Field::new(id("site"), "Site", Kind::ShortText { max_length: None }),
                Field::new(
                    id("details"),
                    "Details",
                    Kind::Section {
                        children: vec![Field::new(id("note"), "Note", Kind::Note)],
                    },
                ),
                Field::new(
                    id("visits"),
                    "Visits",
                    Kind::Repeat {
                        children: vec![Field::new(
                            id("duration"),
                            "Duration",
                            Kind::Number {
                                integer: false,
                                min: None,
                                max: None,
                                step: None,
                            },
                        )],
                        min: 0,
                        max: None,
                    },
                ),
            ],
        }
    }

    #[test]
    fn documents_read_and_write_as_plain_json() {
        let json = r#"{"site":"North gate","visits":[{"duration":"20"},{"duration":"35"}]}"#;
        let document: Document = serde_json::from_str(json).expect("decodes");
        assert_eq!(document.text(&id("site")), "North gate");
        assert_eq!(document.rows(&id("visits")).len(), 2);
        assert_eq!(
            document
                .row_at(&[(id("visits"), 1)])
                .map(|row| row.text(&id("duration"))),
            Some("35")
        );
        assert_eq!(serde_json::to_string(&document).expect("encodes"), json);
        assert!(serde_json::from_str::<Document>(r#"{"site": 3}"#).is_err());
    }

    #[test]
    fn paths_name_rows_by_position() {
        assert_eq!(path(&[], &id("site")), "site");
        assert_eq!(
            path(&[(id("visits"), 1)], &id("duration")),
            "visits.1.duration"
        );
    }

    #[test]
    fn a_draft_moves_to_a_newer_version_keeping_what_fits_and_listing_the_rest() {
        let old = form();
        let mut new = form();
        // "site" becomes a number; "visits" keeps "duration"; "weather" is new.
        new.fields[0].kind = Kind::Number {
            integer: false,
            min: None,
            max: None,
            step: None,
        };
        new.fields
            .push(Field::new(id("weather"), "Weather", Kind::YesNo));
        let draft: Document = serde_json::from_str(
            r#"{"site":"North gate","visits":[{"duration":"20"},{"duration":"x"}]}"#,
        )
        .expect("json");
        let (moved, left) = carry_over(&old, &new, &draft);
        assert_eq!(moved.text(&id("site")), "");
        assert_eq!(moved.rows(&id("visits")).len(), 2);
        assert_eq!(moved.rows(&id("visits"))[0].text(&id("duration")), "20");
        assert_eq!(
            left,
            vec![
                LeftBehind {
                    question: "Site".into(),
                    answer: "North gate".into()
                },
                LeftBehind {
                    question: "Visits, row 2: Duration".into(),
                    answer: "x".into()
                },
            ]
        );
        // A group the new version dropped lists every answer of its rows.
        let mut without_visits = form();
        without_visits.fields.truncate(2);
        let (_, left) = carry_over(&old, &without_visits, &draft);
        assert_eq!(left.len(), 2, "{left:?}");
        assert_eq!(left[0].question, "Visits, row 1: Duration");
    }

    #[test]
    fn the_location_is_the_first_answered_location_question() {
        let place = |name: &str| Field::new(id(name), name, Kind::Location { accuracy_m: None });
        let mut form = form();
        form.fields.insert(1, place("gate"));
        if let Kind::Repeat { children, .. } = &mut form.fields[3].kind {
            children.push(place("spot"));
        }
        let at = |json: &str| {
            let document: Document = serde_json::from_str(json).expect("json");
            location(&form, &document).map(|l| (l.latitude, l.longitude, l.accuracy_m))
        };
        assert_eq!(at(r#"{"gate":"52.1 4.2 8"}"#), Some((52.1, 4.2, Some(8.0))));
        // Unanswered (or unreadable) at the top: the first row that has one.
        assert_eq!(
            at(r#"{"gate":"","visits":[{"duration":"1"},{"spot":"-33.9 18.4"}]}"#),
            Some((-33.9, 18.4, None))
        );
        assert_eq!(at(r#"{"gate":"somewhere"}"#), None);
        assert_eq!(at(r#"{"site":"North gate"}"#), None);
    }

    #[test]
    fn the_shape_must_match_the_form() {
        let ok: Document =
            serde_json::from_str(r#"{"site":"A","visits":[{"duration":"2"}]}"#).expect("json");
        assert_eq!(check_shape(&form(), &ok), Ok(()));
        let cases = [
            (r#"{"sight":"A"}"#, ShapeError::UnknownField("sight".into())),
            (
                r#"{"visits":[{"site":"A"}]}"#,
                ShapeError::UnknownField("visits.0.site".into()),
            ),
            (
                r#"{"visits":"2"}"#,
                ShapeError::TextForGroup("visits".into()),
            ),
            (r#"{"site":[]}"#, ShapeError::RowsForQuestion("site".into())),
            (r#"{"note":"x"}"#, ShapeError::NotAnswered("note".into())),
        ];
        for (json, expected) in cases {
            let document: Document = serde_json::from_str(json).expect("json");
            assert_eq!(check_shape(&form(), &document), Err(expected), "{json}");
        }
    }

    #[test]
    fn the_files_of_a_document_are_found_in_its_rows_too_and_held_to_the_question() {
        let photo = |bytes: u64, n: u8| {
            format!("00000000-0000-4000-8000-00000000000{n} {bytes} image/jpeg")
        };
        let mut form = form();
        let Kind::Repeat { children, .. } = &mut form.fields[2].kind else {
            panic!("visits is a repeat group");
        };
        children.push(Field::new(
            id("shot"),
            "Shot",
            Kind::Photo {
                max_count: 1,
                max_size_kib: 100,
            },
        ));
        form.fields
            .push(Field::new(id("sign"), "Signature", Kind::Signature));
        let document: Document = serde_json::from_value(serde_json::json!({
            "visits": [{ "shot": photo(2048, 1) }, { "shot": photo(200 * 1024, 2) }],
            "sign": "00000000-0000-4000-8000-000000000003 900 image/png",
        }))
        .expect("a document");
        let ids: Vec<String> = files(&form, &document).into_iter().map(|f| f.id).collect();
        assert_eq!(
            ids,
            [
                "00000000-0000-4000-8000-000000000001",
                "00000000-0000-4000-8000-000000000002",
                "00000000-0000-4000-8000-000000000003"
            ]
        );
        let now = chrono::NaiveDate::from_ymd_opt(2026, 12, 2)
            .and_then(|d| d.and_hms_opt(9, 0, 0))
            .expect("a date");
        let Err(Refusal::Answers(messages)) = check(&form, &document, now) else {
            panic!("the oversized photo is refused");
        };
        assert_eq!(
            messages.get("visits.1.shot").map(String::as_str),
            Some("Photo 1 is 200 KiB; this question takes photos of 100 KiB or less. Take it again at a lower resolution.")
        );
        assert_eq!(messages.len(), 1, "{messages:?}");
    }
}
