//! A form being filled in: from the answers so far, which fields show, what calculated
//! fields come to, and what is wrong with each answer. The builder's live preview, the
//! runner and the server's check of a submission all run this.
//!
//! Answers are what the inputs hold, as text (a number as typed, a date as
//! `YYYY-MM-DD`, yes/no as `yes`/`no`, the values of ticked options one per line), in a
//! [`Document`]. Inside a repeat group's row, `$id` is that row's answer (then the
//! enclosing row's, then the form's); `$group.id` is the answers of every row.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};

use super::{
    expr::{self, eval::format_number, Scope, Value},
    media,
    schema::{Field, FieldId, Form, Kind},
    submission::{frame_fields, path, Answer, Document},
};

/// The builder preview's answers: one per field, a repeat group previewed as one row.
pub type Answers = HashMap<FieldId, String>;

/// Keyed by [`path`]: `site`, `visits.1.duration`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluation {
    /// Fields whose show-if condition (or their group's) does not hold.
    pub hidden: HashSet<String>,
    /// What calculated fields come to, as shown.
    pub calculated: HashMap<String, String>,
    /// The message for each visible answer that is missing or wrong, and for each
    /// repeat group with too few or too many rows.
    pub messages: HashMap<String, String>,
}

/// Calculated fields may use each other; this many rounds settle any chain that
/// publishing allows (cycles are refused there).
const CALCULATION_ROUNDS: usize = 8;

/// The preview: `answers` as a document with one row per repeat group, and the result
/// keyed by field id alone.
pub fn evaluate(form: &Form, answers: &Answers, now: NaiveDateTime) -> Evaluation {
    fn one_row(fields: &[Field], answers: &Answers) -> Document {
        let mut document = Document::default();
        for field in frame_fields(fields) {
            match &field.kind {
                Kind::Repeat { children, .. } => {
                    let row = one_row(children, answers);
                    document
                        .answers
                        .insert(field.id.clone(), Answer::Rows(vec![row]));
                }
                _ => {
                    if let Some(text) = answers.get(&field.id) {
                        document.set_text(field.id.clone(), text.clone());
                    }
                }
            }
        }
        document
    }
    let by_id = |path: String| path.rsplit('.').next().unwrap_or_default().to_owned();
    let groups: HashSet<String> = form
        .walk()
        .into_iter()
        .filter(|(field, _)| matches!(field.kind, Kind::Repeat { .. }))
        .map(|(field, _)| field.id.0.clone())
        .collect();
    let evaluation = evaluate_document(form, &one_row(&form.fields, answers), now);
    Evaluation {
        hidden: evaluation.hidden.into_iter().map(by_id).collect(),
        calculated: evaluation
            .calculated
            .into_iter()
            .map(|(k, v)| (by_id(k), v))
            .collect(),
        messages: evaluation
            .messages
            .into_iter()
            .map(|(k, v)| (by_id(k), v))
            // A previewed group always has its one row: no row count to complain of.
            .filter(|(k, _)| !groups.contains(k))
            .collect(),
    }
}

pub fn evaluate_document(form: &Form, document: &Document, now: NaiveDateTime) -> Evaluation {
    let rules = Rules::of(form);
    let mut root = Frame::build(&form.fields, document);
    let mut hidden = HashSet::new();
    // Hidden fields count as unanswered, and hiding can change calculations: settle
    // calculations, then visibility, then calculations again without hidden answers.
    for _ in 0..2 {
        calculate(&form.fields, &rules, &mut root, now);
        let mut found = Vec::new();
        hidden_fields(
            &form.fields,
            &rules,
            &mut vec![&root],
            &[],
            false,
            now,
            &mut found,
        );
        hidden = found.iter().map(|(rows, id)| path(rows, id)).collect();
        for (rows, id) in found {
            if let Some(frame) = root.at_mut(&rows) {
                frame.values.insert(id, Value::Empty);
            }
        }
    }
    calculate(&form.fields, &rules, &mut root, now);
    let mut evaluation = Evaluation {
        hidden,
        ..Evaluation::default()
    };
    judge(&form.fields, &mut vec![&root], &[], now, &mut evaluation);
    evaluation
}

/// The parsed conditions and calculations of a form, by field id (ids are unique in a
/// form, at any depth).
struct Rules {
    calculations: HashMap<FieldId, Option<expr::Expr>>,
    conditions: HashMap<FieldId, Option<expr::Expr>>,
}

impl Rules {
    fn of(form: &Form) -> Self {
        let mut rules = Rules {
            calculations: HashMap::new(),
            conditions: HashMap::new(),
        };
        for (field, _) in form.walk() {
            if let Kind::Calculated { expression } = &field.kind {
                rules
                    .calculations
                    .insert(field.id.clone(), expr::parse(expression).ok());
            }
            if let Some(source) = field.show_if.as_deref().map(str::trim) {
                if !source.is_empty() {
                    rules
                        .conditions
                        .insert(field.id.clone(), expr::parse(source).ok());
                }
            }
        }
        rules
    }
}

/// The values of one row (or of the form's top level), and its repeat groups' rows.
#[derive(Debug, Default)]
struct Frame {
    values: HashMap<FieldId, Value>,
    raw: HashMap<FieldId, String>,
    groups: HashMap<FieldId, Vec<Frame>>,
}

impl Frame {
    fn build(fields: &[Field], document: &Document) -> Self {
        let mut frame = Frame::default();
        for field in frame_fields(fields) {
            match &field.kind {
                Kind::Repeat { children, .. } => {
                    let rows = document
                        .rows(&field.id)
                        .iter()
                        .map(|row| Frame::build(children, row))
                        .collect();
                    frame.groups.insert(field.id.clone(), rows);
                }
                kind => {
                    let raw = document.text(&field.id);
                    frame.values.insert(field.id.clone(), answer(kind, raw));
                    frame.raw.insert(field.id.clone(), raw.to_owned());
                }
            }
        }
        frame
    }

    fn at_mut(&mut self, rows: &[(FieldId, usize)]) -> Option<&mut Frame> {
        match rows.split_first() {
            None => Some(self),
            Some(((group, index), rest)) => {
                self.groups.get_mut(group)?.get_mut(*index)?.at_mut(rest)
            }
        }
    }
}

/// What an expression sees from inside a row: its frames, innermost last.
struct Chain<'a, 'f> {
    frames: &'a [&'f Frame],
    now: NaiveDateTime,
}

impl Scope for Chain<'_, '_> {
    fn value(&self, path: &[String]) -> Value {
        let id = |text: &String| FieldId(text.clone());
        match path {
            [name] => {
                let name = id(name);
                for frame in self.frames.iter().rev() {
                    if let Some(value) = frame.values.get(&name) {
                        return value.clone();
                    }
                    if let Some(rows) = frame.groups.get(&name) {
                        return Value::Rows(rows.len());
                    }
                }
                Value::Empty
            }
            [group, name] => {
                let (group, name) = (id(group), id(name));
                self.frames
                    .iter()
                    .rev()
                    .find_map(|frame| frame.groups.get(&group))
                    .map_or(Value::Many(Vec::new()), |rows| {
                        Value::Many(
                            rows.iter()
                                .map(|row| row.values.get(&name).cloned().unwrap_or(Value::Empty))
                                .collect(),
                        )
                    })
            }
            _ => Value::Empty,
        }
    }

    fn today(&self) -> NaiveDate {
        self.now.date()
    }

    fn now(&self) -> NaiveDateTime {
        self.now
    }
}

type Rows = Vec<(FieldId, usize)>;

/// Runs `visit` for each row of the repeat group `group` of `frame`, with that row last
/// on the chain and the row's path.
fn each_row<'f>(
    frame: &'f Frame,
    group: &FieldId,
    rows: &[(FieldId, usize)],
    chain: &mut Vec<&'f Frame>,
    mut visit: impl FnMut(&mut Vec<&'f Frame>, &[(FieldId, usize)]),
) {
    for (index, row) in frame.groups.get(group).into_iter().flatten().enumerate() {
        let mut deeper = rows.to_vec();
        deeper.push((group.clone(), index));
        chain.push(row);
        visit(chain, &deeper);
        chain.pop();
    }
}

fn calculate(fields: &[Field], rules: &Rules, root: &mut Frame, now: NaiveDateTime) {
    for _ in 0..CALCULATION_ROUNDS {
        let mut changes = Vec::new();
        collect_calculations(fields, rules, &mut vec![&*root], &[], now, &mut changes);
        if changes.is_empty() {
            return;
        }
        for (rows, id, value) in changes {
            if let Some(frame) = root.at_mut(&rows) {
                frame.values.insert(id, value);
            }
        }
    }
}

fn collect_calculations<'f>(
    fields: &'f [Field],
    rules: &Rules,
    chain: &mut Vec<&'f Frame>,
    rows: &[(FieldId, usize)],
    now: NaiveDateTime,
    changes: &mut Vec<(Rows, FieldId, Value)>,
) {
    let Some(frame) = chain.last().copied() else {
        return;
    };
    for field in frame_fields(fields) {
        match &field.kind {
            Kind::Calculated { .. } => {
                let scope = Chain { frames: chain, now };
                let value = rules
                    .calculations
                    .get(&field.id)
                    .and_then(Option::as_ref)
                    .map_or(Value::Empty, |e| expr::eval(e, &scope));
                if frame.values.get(&field.id) != Some(&value) {
                    changes.push((rows.to_vec(), field.id.clone(), value));
                }
            }
            Kind::Repeat { children, .. } => {
                each_row(frame, &field.id, rows, chain, |chain, deeper| {
                    collect_calculations(children, rules, chain, deeper, now, changes)
                });
            }
            _ => {}
        }
    }
}

/// Every field (by its row and id) whose condition, or an enclosing one's, does not hold.
fn hidden_fields(
    fields: &[Field],
    rules: &Rules,
    chain: &mut Vec<&Frame>,
    rows: &[(FieldId, usize)],
    parent_hidden: bool,
    now: NaiveDateTime,
    found: &mut Vec<(Rows, FieldId)>,
) {
    let Some(frame) = chain.last().copied() else {
        return;
    };
    for field in fields {
        // A condition that does not parse shows the field: the builder lists the
        // problem, and a field never vanishes by mistake.
        let own = rules.conditions.get(&field.id).is_some_and(|condition| {
            condition
                .as_ref()
                .is_some_and(|c| !expr::eval(c, &Chain { frames: chain, now }).is_true())
        });
        let is_hidden = parent_hidden || own;
        if is_hidden {
            found.push((rows.to_vec(), field.id.clone()));
        }
        match &field.kind {
            Kind::Section { children } => {
                hidden_fields(children, rules, chain, rows, is_hidden, now, found)
            }
            Kind::Repeat { children, .. } => {
                each_row(frame, &field.id, rows, chain, |chain, deeper| {
                    hidden_fields(children, rules, chain, deeper, is_hidden, now, found)
                });
            }
            _ => {}
        }
    }
}

/// Records calculated values and messages of every visible field.
fn judge(
    fields: &[Field],
    chain: &mut Vec<&Frame>,
    rows: &[(FieldId, usize)],
    now: NaiveDateTime,
    evaluation: &mut Evaluation,
) {
    let Some(frame) = chain.last().copied() else {
        return;
    };
    for field in frame_fields(fields) {
        let at = path(rows, &field.id);
        if evaluation.hidden.contains(&at) {
            continue;
        }
        let value = frame.values.get(&field.id).cloned().unwrap_or(Value::Empty);
        match &field.kind {
            Kind::Calculated { .. } => {
                evaluation.calculated.insert(at, value.as_text());
            }
            Kind::Repeat { children, min, max } => {
                let count = frame.groups.get(&field.id).map_or(0, Vec::len);
                if let Some(message) = row_count_message(field.required, *min, *max, count) {
                    evaluation.messages.insert(at, message);
                }
                each_row(frame, &field.id, rows, chain, |chain, deeper| {
                    judge(children, chain, deeper, now, evaluation)
                });
            }
            _ => {
                let raw = frame.raw.get(&field.id).map_or("", String::as_str);
                let scope = Chain { frames: chain, now };
                if let Some(message) = message(field, raw, &value, &scope) {
                    evaluation.messages.insert(at, message);
                }
            }
        }
    }
}

fn row_count_message(required: bool, min: u32, max: Option<u32>, count: usize) -> Option<String> {
    let min = if required { min.max(1) } else { min } as usize;
    if count < min {
        return Some(if min == 1 {
            "Add at least one row.".to_owned()
        } else {
            format!("Add at least {min} rows.")
        });
    }
    match max.map(|max| max as usize) {
        Some(max) if count > max => Some(if max == 1 {
            "Keep at most one row.".to_owned()
        } else {
            format!("Keep at most {max} rows.")
        }),
        _ => None,
    }
}

/// An input's text as an expression value; `Empty` when blank or not understood.
pub fn answer(kind: &Kind, raw: &str) -> Value {
    let raw = raw.trim();
    if raw.is_empty() {
        return Value::Empty;
    }
    let parsed = match kind {
        Kind::ShortText { .. } | Kind::LongText { .. } | Kind::Barcode => {
            Some(Value::Text(raw.to_owned()))
        }
        Kind::SingleChoice { .. } => Some(Value::Text(raw.to_owned())),
        Kind::MultipleChoice { .. } => Some(Value::Choices(
            raw.lines()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
                .collect(),
        )),
        Kind::Number { .. } => raw
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Value::Number),
        Kind::Date => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .ok()
            .map(Value::Date),
        Kind::Time => NaiveTime::parse_from_str(raw, "%H:%M")
            .ok()
            .map(Value::Time),
        Kind::DateTime => NaiveDateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M")
            .ok()
            .map(Value::DateTime),
        Kind::YesNo => match raw {
            "yes" => Some(Value::Bool(true)),
            "no" => Some(Value::Bool(false)),
            _ => None,
        },
        Kind::Location { .. } => Location::parse(raw).map(|_| Value::Text(raw.to_owned())),
        Kind::Photo { .. } | Kind::Signature => media::parse(raw)
            .filter(|files| !files.is_empty())
            .map(|_| Value::Text(raw.to_owned())),
        _ => None,
    };
    parsed.unwrap_or(Value::Empty)
}

/// A location answer: `latitude longitude [accuracy]` in degrees and metres, as the
/// device's fix gives it (`52.370216 4.895168 12`) or as typed by hand, when there is
/// no fix (no accuracy then).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Location {
    pub latitude: f64,
    pub longitude: f64,
    pub accuracy_m: Option<f64>,
}

impl Location {
    pub fn parse(raw: &str) -> Option<Self> {
        let numbers: Vec<f64> = raw
            .split_whitespace()
            .map(|part| part.parse::<f64>().ok().filter(|n| n.is_finite()))
            .collect::<Option<_>>()?;
        let (latitude, longitude, accuracy_m) = match numbers[..] {
            [lat, lon] => (lat, lon, None),
            [lat, lon, accuracy] if accuracy >= 0.0 => (lat, lon, Some(accuracy)),
            _ => return None,
        };
        ((-90.0..=90.0).contains(&latitude) && (-180.0..=180.0).contains(&longitude)).then_some(
            Self {
                latitude,
                longitude,
                accuracy_m,
            },
        )
    }

    /// The answer text for this location (6 decimals: about 10 cm).
    pub fn to_answer(&self) -> String {
        match self.accuracy_m {
            Some(accuracy) => format!(
                "{:.6} {:.6} {}",
                self.latitude,
                self.longitude,
                accuracy.round()
            ),
            None => format!("{:.6} {:.6}", self.latitude, self.longitude),
        }
    }
}

fn message(field: &Field, raw: &str, value: &Value, scope: &impl Scope) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return (field.required && field.kind.holds_an_answer())
            .then(|| "This question needs an answer.".to_owned());
    }
    if value.is_empty() {
        return Some(
            match field.kind {
                Kind::Number { .. } => "Enter a number.",
                Kind::Date => "Enter a date.",
                Kind::Time => "Enter a time.",
                Kind::DateTime => "Enter a date and time.",
                Kind::Location { .. } => {
                    "Enter the latitude (-90 to 90) and longitude (-180 to 180) in degrees."
                }
                Kind::Photo { .. } => "Take or choose the photo again.",
                Kind::Signature => "Clear the signature and sign again.",
                _ => "This answer is not understood.",
            }
            .to_owned(),
        );
    }
    match (&field.kind, value) {
        (
            Kind::Number {
                integer, min, max, ..
            },
            Value::Number(n),
        ) => {
            if *integer && n.fract() != 0.0 {
                return Some("Enter a whole number.".into());
            }
            if let Some(min) = min.filter(|min| n < min) {
                return Some(format!("Enter {} or more.", format_number(min)));
            }
            if let Some(max) = max.filter(|max| n > max) {
                return Some(format!("Enter {} or less.", format_number(max)));
            }
        }
        (
            Kind::Location {
                accuracy_m: Some(needed),
            },
            _,
        ) => {
            // Coordinates typed by hand carry no accuracy: the person vouches for them.
            let fix = Location::parse(raw).and_then(|l| l.accuracy_m);
            if let Some(accuracy) = fix.filter(|accuracy| accuracy > needed) {
                return Some(format!(
                    "This location is accurate to {} m; this question needs {} m or better. Try again in the open, or wait for a better fix.",
                    format_number(accuracy.round()),
                    format_number(*needed)
                ));
            }
        }
        (
            Kind::Photo {
                max_count,
                max_size_kib,
            },
            _,
        ) => {
            let files = media::parse(raw).unwrap_or_default();
            if let Some(problem) = media::photo_problem(&files, *max_count, *max_size_kib) {
                return Some(problem);
            }
        }
        (Kind::Signature, _) => {
            let files = media::parse(raw).unwrap_or_default();
            if let Some(problem) = media::signature_problem(&files) {
                return Some(problem);
            }
        }
        (
            Kind::ShortText {
                max_length: Some(max),
            }
            | Kind::LongText {
                max_length: Some(max),
            },
            Value::Text(text),
        ) if text.chars().count() > *max as usize => {
            return Some(format!("Use at most {max} characters."));
        }
        _ => {}
    }
    let constraint = field.constraint.as_ref()?;
    let rule = expr::parse(&constraint.expression).ok()?;
    (!expr::eval(&rule, scope).is_true()).then(|| {
        let text = constraint.message.text.trim();
        if text.is_empty() {
            "This answer is not allowed.".to_owned()
        } else {
            text.to_owned()
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::schema::{Constraint, Label};

    fn field(id: &str, kind: Kind) -> Field {
        Field::new(FieldId(id.into()), id, kind)
    }

    fn number(id: &str) -> Field {
        field(
            id,
            Kind::Number {
                integer: true,
                min: Some(0.0),
                max: Some(120.0),
                step: None,
            },
        )
    }

    fn id(id: &str) -> FieldId {
        FieldId(id.into())
    }

    fn answers(pairs: &[(&str, &str)]) -> Answers {
        pairs
            .iter()
            .map(|(k, v)| (id(k), (*v).to_owned()))
            .collect()
    }

    fn now() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 11, 23)
            .and_then(|d| d.and_hms_opt(9, 0, 0))
            .expect("a valid date")
    }

    fn form() -> Form {
        let mut consent = field("consent", Kind::YesNo);
        consent.show_if = Some("$age >= 18".into());
        consent.required = true;
        let mut name = field(
            "name",
            Kind::ShortText {
                max_length: Some(5),
            },
        );
        name.constraint = Some(Constraint {
            expression: "$name != 'nobody'".into(),
            message: Label::new("Tell us who you are."),
        });
        Form {
            fields: vec![
                number("age"),
                consent,
                name,
                field(
                    "next_year",
                    Kind::Calculated {
                        expression: "$age + 1".into(),
                    },
                ),
            ],
        }
    }

    #[test]
    fn show_if_follows_the_answers() {
        let e = evaluate(&form(), &answers(&[("age", "12")]), now());
        assert!(e.hidden.contains("consent"));
        let e = evaluate(&form(), &answers(&[("age", "30")]), now());
        assert!(!e.hidden.contains("consent"));
        assert_eq!(
            e.messages.get("consent").map(String::as_str),
            Some("This question needs an answer.")
        );
    }

    #[test]
    fn calculated_fields_and_messages() {
        let e = evaluate(
            &form(),
            &answers(&[("age", "4.5"), ("name", "nobody")]),
            now(),
        );
        assert_eq!(
            e.calculated.get("next_year").map(String::as_str),
            Some("5.5")
        );
        assert_eq!(
            e.messages.get("age").map(String::as_str),
            Some("Enter a whole number.")
        );
        assert_eq!(
            e.messages.get("name").map(String::as_str),
            Some("Use at most 5 characters.")
        );
        let e = evaluate(&form(), &answers(&[("age", "130"), ("name", "Ann")]), now());
        assert_eq!(
            e.messages.get("age").map(String::as_str),
            Some("Enter 120 or less.")
        );
        assert_eq!(e.messages.get("name"), None);
        let mut f = form();
        f.fields[2].kind = Kind::ShortText { max_length: None };
        let e = evaluate(&f, &answers(&[("name", "nobody")]), now());
        assert_eq!(
            e.messages.get("name").map(String::as_str),
            Some("Tell us who you are.")
        );
    }

    #[test]
    fn hidden_groups_hide_their_fields_and_their_answers() {
        let mut section = field(
            "adult",
            Kind::Section {
                children: vec![number("years_driving")],
            },
        );
        section.show_if = Some("$age >= 18".into());
        let f = Form {
            fields: vec![
                number("age"),
                section,
                field(
                    "total",
                    Kind::Calculated {
                        expression: "if($years_driving > 0, $years_driving, 0)".into(),
                    },
                ),
            ],
        };
        let e = evaluate(
            &f,
            &answers(&[("age", "10"), ("years_driving", "3")]),
            now(),
        );
        assert!(e.hidden.contains("years_driving"));
        assert_eq!(e.calculated.get("total").map(String::as_str), Some("0"));
    }

    #[test]
    fn answers_are_read_by_type() {
        assert_eq!(answer(&Kind::YesNo, "yes"), Value::Bool(true));
        assert_eq!(
            answer(&Kind::Date, "2026-11-23"),
            Value::Date(NaiveDate::from_ymd_opt(2026, 11, 23).expect("date"))
        );
        assert_eq!(answer(&Kind::Date, "23/11/2026"), Value::Empty);
        assert_eq!(
            answer(&Kind::MultipleChoice { options: vec![] }, "a\nb\n"),
            Value::Choices(vec!["a".into(), "b".into()])
        );
    }

    fn visits_form() -> Form {
        let mut reason = field("reason", Kind::ShortText { max_length: None });
        reason.show_if = Some("$duration > 30".into());
        reason.required = true;
        let minutes = field(
            "minutes_left",
            Kind::Calculated {
                expression: "$budget - $duration".into(),
            },
        );
        Form {
            fields: vec![
                number("budget"),
                field(
                    "visits",
                    Kind::Repeat {
                        children: vec![number("duration"), reason, minutes],
                        min: 1,
                        max: Some(3),
                    },
                ),
                field(
                    "total",
                    Kind::Calculated {
                        expression: "sum($visits.duration)".into(),
                    },
                ),
                field(
                    "count",
                    Kind::Calculated {
                        expression: "count($visits)".into(),
                    },
                ),
            ],
        }
    }

    fn document(json: &str) -> Document {
        serde_json::from_str(json).expect("a document")
    }

    #[test]
    fn conditions_and_calculations_in_a_row_see_that_row() {
        let e = evaluate_document(
            &visits_form(),
            &document(r#"{"budget":"100","visits":[{"duration":"20"},{"duration":"45"}]}"#),
            now(),
        );
        assert!(e.hidden.contains("visits.0.reason"));
        assert!(!e.hidden.contains("visits.1.reason"));
        assert_eq!(
            e.messages.get("visits.1.reason").map(String::as_str),
            Some("This question needs an answer.")
        );
        assert_eq!(e.messages.get("visits.0.reason"), None);
        assert_eq!(
            e.calculated
                .get("visits.0.minutes_left")
                .map(String::as_str),
            Some("80")
        );
        assert_eq!(
            e.calculated
                .get("visits.1.minutes_left")
                .map(String::as_str),
            Some("55")
        );
        assert_eq!(e.calculated.get("total").map(String::as_str), Some("65"));
        assert_eq!(e.calculated.get("count").map(String::as_str), Some("2"));
    }

    #[test]
    fn a_row_answer_is_checked_where_it_is() {
        let e = evaluate_document(
            &visits_form(),
            &document(r#"{"visits":[{"duration":"20"},{"duration":"200"}]}"#),
            now(),
        );
        assert_eq!(
            e.messages.get("visits.1.duration").map(String::as_str),
            Some("Enter 120 or less.")
        );
        assert_eq!(e.messages.get("visits.0.duration"), None);
    }

    #[test]
    fn repeat_groups_keep_their_row_counts() {
        let none = evaluate_document(&visits_form(), &document("{}"), now());
        assert_eq!(
            none.messages.get("visits").map(String::as_str),
            Some("Add at least one row.")
        );
        let rows =
            r#"{"visits":[{"duration":"1"},{"duration":"2"},{"duration":"3"},{"duration":"4"}]}"#;
        let many = evaluate_document(&visits_form(), &document(rows), now());
        assert_eq!(
            many.messages.get("visits").map(String::as_str),
            Some("Keep at most 3 rows.")
        );
        // The preview always shows one row: it never complains about the count.
        let preview = evaluate(&visits_form(), &Answers::new(), now());
        assert_eq!(preview.messages.get("visits"), None);
    }

    #[test]
    fn a_hidden_group_hides_every_row() {
        let mut f = visits_form();
        f.fields[1].show_if = Some("$budget > 0".into());
        let e = evaluate_document(&f, &document(r#"{"visits":[{"duration":"200"}]}"#), now());
        assert!(e.hidden.contains("visits") && e.hidden.contains("visits.0.duration"));
        assert!(e.messages.is_empty(), "{:?}", e.messages);
        assert_eq!(e.calculated.get("total").map(String::as_str), Some("0"));
    }

    #[test]
    fn locations_are_read_and_their_accuracy_is_enforced() {
        let kind = Kind::Location {
            accuracy_m: Some(20.0),
        };
        assert_eq!(
            Location::parse("52.370216 4.895168 12"),
            Some(Location {
                latitude: 52.370216,
                longitude: 4.895168,
                accuracy_m: Some(12.0)
            })
        );
        assert_eq!(Location::parse("91 0"), None);
        assert_eq!(Location::parse("52.3 abc"), None);
        assert_eq!(Location::parse("52.3 4.8 -1"), None);
        let f = Form {
            fields: vec![field("spot", kind)],
        };
        let at = |raw: &str| {
            evaluate(&f, &answers(&[("spot", raw)]), now())
                .messages
                .get("spot")
                .cloned()
        };
        assert_eq!(at("52.370216 4.895168 12"), None);
        assert_eq!(
            at("52.370216 4.895168 35"),
            Some("This location is accurate to 35 m; this question needs 20 m or better. Try again in the open, or wait for a better fix.".into())
        );
        assert_eq!(at("52.37 4.89"), None, "typed by hand");
        assert_eq!(
            at("north"),
            Some("Enter the latitude (-90 to 90) and longitude (-180 to 180) in degrees.".into())
        );
        let fix = Location::parse("52.3702159 4.8951679 11.6").expect("a fix");
        assert_eq!(fix.to_answer(), "52.370216 4.895168 12");
    }
}
