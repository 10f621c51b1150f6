//! A form being filled in: from the answers so far, which fields show, what calculated
//! fields come to, and what is wrong with each answer. The builder's live preview runs
//! this; the runner and the server's check of a submission will run the same.
//!
//! Answers are what the inputs hold, as text (a number as typed, a date as
//! `YYYY-MM-DD`, yes/no as `yes`/`no`, the values of ticked options one per line). A
//! repeat group is previewed with one row.

use std::collections::{HashMap, HashSet};

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::{
    expr::{self, eval::format_number, Scope, Value},
    schema::{Field, FieldId, Form, Kind},
};

pub type Answers = HashMap<FieldId, String>;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Evaluation {
    /// Fields whose show-if condition (or their group's) does not hold.
    pub hidden: HashSet<FieldId>,
    /// What calculated fields come to, as shown.
    pub calculated: HashMap<FieldId, String>,
    /// The message for each visible answer that is missing or wrong.
    pub messages: HashMap<FieldId, String>,
}

/// Calculated fields may use each other; this many rounds settle any chain that
/// publishing allows (cycles are refused there).
const CALCULATION_ROUNDS: usize = 8;

pub fn evaluate(form: &Form, answers: &Answers, now: NaiveDateTime) -> Evaluation {
    let all = form.walk();
    let mut scope = Values {
        values: HashMap::new(),
        groups: HashMap::new(),
        now,
    };
    for (field, group) in &all {
        if let Some(group) = group {
            scope
                .groups
                .entry((*group).clone())
                .or_default()
                .push(field.id.clone());
        }
        let raw = answers.get(&field.id).map(String::as_str).unwrap_or("");
        scope
            .values
            .insert(field.id.clone(), answer(&field.kind, raw));
    }
    let calculations: Vec<(&Field, Option<expr::Expr>)> = all
        .iter()
        .filter_map(|(field, _)| match &field.kind {
            Kind::Calculated { expression } => Some((*field, expr::parse(expression).ok())),
            _ => None,
        })
        .collect();
    let conditions: Vec<(&Field, Option<expr::Expr>)> = all
        .iter()
        .filter_map(|(field, _)| {
            let source = field.show_if.as_deref()?.trim();
            (!source.is_empty()).then(|| (*field, expr::parse(source).ok()))
        })
        .collect();

    let mut hidden = HashSet::new();
    // Hidden fields count as unanswered, and hiding can change calculations: settle
    // calculations, then visibility, then calculations again without hidden answers.
    for _ in 0..2 {
        calculate(&calculations, &mut scope);
        hidden = hidden_fields(&form.fields, &conditions, &scope, false);
        for id in &hidden {
            scope.values.insert(id.clone(), Value::Empty);
        }
    }
    calculate(&calculations, &mut scope);

    let mut evaluation = Evaluation {
        hidden,
        ..Evaluation::default()
    };
    for (field, _) in &all {
        if evaluation.hidden.contains(&field.id) {
            continue;
        }
        let value = scope.values.get(&field.id).cloned().unwrap_or(Value::Empty);
        if let Kind::Calculated { .. } = field.kind {
            evaluation
                .calculated
                .insert(field.id.clone(), value.as_text());
            continue;
        }
        let raw = answers.get(&field.id).map(String::as_str).unwrap_or("");
        if let Some(message) = message(field, raw, &value, &scope) {
            evaluation.messages.insert(field.id.clone(), message);
        }
    }
    evaluation
}

fn calculate(calculations: &[(&Field, Option<expr::Expr>)], scope: &mut Values) {
    for _ in 0..CALCULATION_ROUNDS {
        let mut changed = false;
        for (field, expression) in calculations {
            let value = expression
                .as_ref()
                .map_or(Value::Empty, |e| expr::eval(e, &*scope));
            if scope.values.get(&field.id) != Some(&value) {
                scope.values.insert(field.id.clone(), value);
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

fn hidden_fields(
    fields: &[Field],
    conditions: &[(&Field, Option<expr::Expr>)],
    scope: &Values,
    parent_hidden: bool,
) -> HashSet<FieldId> {
    let mut hidden = HashSet::new();
    for field in fields {
        let own = conditions
            .iter()
            .find(|(f, _)| f.id == field.id)
            .is_some_and(|(_, condition)| {
                // A condition that does not parse shows the field: the builder lists
                // the problem, and a field never vanishes by mistake.
                condition
                    .as_ref()
                    .is_some_and(|c| !expr::eval(c, scope).is_true())
            });
        let is_hidden = parent_hidden || own;
        if is_hidden {
            hidden.insert(field.id.clone());
        }
        hidden.extend(hidden_fields(
            field.kind.children(),
            conditions,
            scope,
            is_hidden,
        ));
    }
    hidden
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
        _ => None,
    };
    parsed.unwrap_or(Value::Empty)
}

fn message(field: &Field, raw: &str, value: &Value, scope: &Values) -> Option<String> {
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

struct Values {
    values: HashMap<FieldId, Value>,
    /// Each repeat group's fields: one previewed row.
    groups: HashMap<FieldId, Vec<FieldId>>,
    now: NaiveDateTime,
}

impl Scope for Values {
    fn value(&self, path: &[String]) -> Value {
        let get = |id: &str| {
            self.values
                .get(&FieldId(id.to_owned()))
                .cloned()
                .unwrap_or(Value::Empty)
        };
        match path {
            [id] if self.groups.contains_key(&FieldId(id.clone())) => Value::Rows(1),
            [id] => get(id),
            [_group, id] => Value::Many(vec![get(id)]),
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
        assert!(e.hidden.contains(&id("consent")));
        let e = evaluate(&form(), &answers(&[("age", "30")]), now());
        assert!(!e.hidden.contains(&id("consent")));
        assert_eq!(
            e.messages.get(&id("consent")).map(String::as_str),
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
            e.calculated.get(&id("next_year")).map(String::as_str),
            Some("5.5")
        );
        assert_eq!(
            e.messages.get(&id("age")).map(String::as_str),
            Some("Enter a whole number.")
        );
        assert_eq!(
            e.messages.get(&id("name")).map(String::as_str),
            Some("Use at most 5 characters.")
        );
        let e = evaluate(&form(), &answers(&[("age", "130"), ("name", "Ann")]), now());
        assert_eq!(
            e.messages.get(&id("age")).map(String::as_str),
            Some("Enter 120 or less.")
        );
        assert_eq!(e.messages.get(&id("name")), None);
        let mut f = form();
        f.fields[2].kind = Kind::ShortText { max_length: None };
        let e = evaluate(&f, &answers(&[("name", "nobody")]), now());
        assert_eq!(
            e.messages.get(&id("name")).map(String::as_str),
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
        assert!(e.hidden.contains(&id("years_driving")));
        assert_eq!(
            e.calculated.get(&id("total")).map(String::as_str),
            Some("0")
        );
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
}
