//! Everything wrong with a form, found at once: the builder lists these before
//! publishing, and the server refuses a schema that has any. Expressions are parsed and
//! type-checked against the form's own fields, so a reference to a deleted field, or to
//! one whose type changed, is caught here.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};

use super::{
    diff::diff,
    expr::{self, ExprError, Span, Type, TypeEnv},
    schema::{Field, FieldId, Form, Kind, Label},
};

/// Size limits: a form beyond them is refused with a message saying which.
pub struct Limits;

impl Limits {
    pub const FIELDS: usize = 1_000;
    /// Sections and repeat groups inside each other.
    pub const NESTING: usize = 5;
    pub const LABEL: usize = 500;
    pub const HELP: usize = 2_000;
    pub const OPTIONS: usize = 500;
    pub const OPTION_VALUE: usize = 100;
    pub const PHOTOS: u32 = 20;
    pub const PHOTO_KIB: u32 = 20 * 1024;
    pub const REPEATS: u32 = 1_000;
}

/// One problem: the field (if any), the property, what is wrong, and where in an
/// expression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub field: Option<FieldId>,
    pub property: String,
    pub message: String,
    pub span: Option<Span>,
}

struct Problems(Vec<Problem>);

impl Problems {
    fn add(&mut self, field: &Field, property: &str, message: impl Into<String>) {
        self.0.push(Problem {
            field: Some(field.id.clone()),
            property: property.to_owned(),
            message: message.into(),
            span: None,
        });
    }

    fn expression(&mut self, field: &Field, property: &str, error: ExprError) {
        self.0.push(Problem {
            field: Some(field.id.clone()),
            property: property.to_owned(),
            message: error.message,
            span: Some(error.span),
        });
    }
}

/// Why a draft is too large to store, if it is: drafts may be unfinished (problems are
/// fine until publishing) but never beyond the size limits.
pub fn oversized(form: &Form) -> Option<String> {
    let all = form.walk();
    if all.len() > Limits::FIELDS {
        return Some(format!(
            "A form can have at most {} fields; this one has {}.",
            Limits::FIELDS,
            all.len()
        ));
    }
    fn depth(fields: &[Field]) -> usize {
        fields
            .iter()
            .map(|f| 1 + depth(f.kind.children()))
            .max()
            .unwrap_or(0)
    }
    if depth(&form.fields) > Limits::NESTING + 1 {
        return Some(format!(
            "Sections and repeat groups can be nested at most {} deep.",
            Limits::NESTING
        ));
    }
    for (field, _) in all {
        let texts = std::iter::once(&field.label.text)
            .chain(field.label.translations.values())
            .chain(field.help.iter().map(|h| &h.text));
        if texts.into_iter().any(|t| t.chars().count() > Limits::HELP) {
            return Some(format!(
                "A text of field `{}` is longer than {} characters.",
                field.id,
                Limits::HELP
            ));
        }
        let expressions = [
            field.show_if.as_deref(),
            field.constraint.as_ref().map(|c| c.expression.as_str()),
        ];
        let calculated = match &field.kind {
            Kind::Calculated { expression } => Some(expression.as_str()),
            _ => None,
        };
        if expressions
            .into_iter()
            .chain([calculated])
            .flatten()
            .any(|e| e.chars().count() > expr::MAX_LENGTH)
        {
            return Some(format!(
                "An expression of field `{}` is longer than {} characters.",
                field.id,
                expr::MAX_LENGTH
            ));
        }
        if let Kind::SingleChoice { options } | Kind::MultipleChoice { options } = &field.kind {
            if options.len() > Limits::OPTIONS {
                return Some(format!(
                    "Field `{}` has more than {} options.",
                    field.id,
                    Limits::OPTIONS
                ));
            }
        }
    }
    None
}

pub fn validate(form: &Form) -> Vec<Problem> {
    let mut problems = Problems(Vec::new());
    let all = form.walk();
    if all.len() > Limits::FIELDS {
        problems.0.push(Problem {
            field: None,
            property: "fields".into(),
            message: format!(
                "A form can have at most {} fields; this one has {}.",
                Limits::FIELDS,
                all.len()
            ),
            span: None,
        });
    }
    check_structure(&form.fields, 1, &mut problems);
    let mut seen = HashSet::new();
    for (field, _) in &all {
        if !field.id.is_valid() {
            problems.add(field, "id", format!("`{}` is not a valid id: start with a letter, then letters, digits or _ (at most {}).", field.id, FieldId::MAX_LENGTH));
        }
        if !seen.insert(&field.id) {
            problems.add(
                field,
                "id",
                format!("Two fields have the id `{}`.", field.id),
            );
        }
        check_field(field, &mut problems);
    }
    check_expressions(&all, &mut problems);
    problems.0
}

fn check_structure(fields: &[Field], depth: usize, problems: &mut Problems) {
    for field in fields {
        if let Kind::Section { children } | Kind::Repeat { children, .. } = &field.kind {
            if depth >= Limits::NESTING {
                problems.add(
                    field,
                    "children",
                    format!(
                        "Sections and repeat groups can be nested at most {} deep.",
                        Limits::NESTING
                    ),
                );
                continue;
            }
            if children.is_empty() {
                problems.add(
                    field,
                    "children",
                    format!(
                        "This {} is empty: add fields to it or delete it.",
                        field.kind.name()
                    ),
                );
            }
            check_structure(children, depth + 1, problems);
        }
    }
}

fn check_text(
    field: &Field,
    property: &str,
    text: &str,
    max: usize,
    required: bool,
    problems: &mut Problems,
) {
    if required && text.trim().is_empty() {
        problems.add(field, property, "Enter a text here.");
    } else if text.chars().count() > max {
        problems.add(field, property, format!("Use at most {max} characters."));
    }
}

fn check_field(field: &Field, problems: &mut Problems) {
    let labelled = !matches!(field.kind, Kind::PageBreak);
    check_text(
        field,
        "label",
        &field.label.text,
        Limits::LABEL,
        labelled,
        problems,
    );
    for (language, text) in &field.label.translations {
        if !Label::is_language_tag(language) {
            problems.add(
                field,
                "label",
                format!("`{language}` is not a language tag such as fr or pt-BR."),
            );
        }
        check_text(field, "label", text, Limits::LABEL, false, problems);
    }
    if let Some(help) = &field.help {
        check_text(field, "help", &help.text, Limits::HELP, false, problems);
    }
    if field.required && !field.kind.holds_an_answer() {
        problems.add(
            field,
            "required",
            format!(
                "A {} has no answer, so it cannot be required.",
                field.kind.name()
            ),
        );
    }
    if let Some(constraint) = &field.constraint {
        check_text(
            field,
            "constraint",
            &constraint.message.text,
            Limits::LABEL,
            true,
            problems,
        );
    }
    match &field.kind {
        Kind::Number { min, max, step, .. } => {
            let finite = [min, max, step]
                .iter()
                .all(|v| v.is_none_or(f64::is_finite));
            if !finite {
                problems.add(
                    field,
                    "min",
                    "Use ordinary numbers for the minimum, maximum and step.",
                );
            }
            if let (Some(min), Some(max)) = (min, max) {
                if min > max {
                    problems.add(field, "max", "The maximum is below the minimum.");
                }
            }
            if step.is_some_and(|s| s <= 0.0) {
                problems.add(field, "step", "The step must be greater than zero.");
            }
        }
        Kind::SingleChoice { options } | Kind::MultipleChoice { options } => {
            if options.is_empty() {
                problems.add(field, "options", "Add at least one option.");
            }
            if options.len() > Limits::OPTIONS {
                problems.add(
                    field,
                    "options",
                    format!("Use at most {} options.", Limits::OPTIONS),
                );
            }
            let mut values = HashSet::new();
            for option in options {
                if option.value.trim().is_empty()
                    || option.value.chars().count() > Limits::OPTION_VALUE
                {
                    problems.add(
                        field,
                        "options",
                        format!(
                            "Every option needs a stored value of 1 to {} characters.",
                            Limits::OPTION_VALUE
                        ),
                    );
                } else if !values.insert(option.value.as_str()) {
                    problems.add(
                        field,
                        "options",
                        format!("Two options store the same value `{}`.", option.value),
                    );
                }
                check_text(
                    field,
                    "options",
                    &option.label.text,
                    Limits::LABEL,
                    true,
                    problems,
                );
            }
        }
        Kind::Photo {
            max_count,
            max_size_kib,
        } => {
            if !(1..=Limits::PHOTOS).contains(max_count) {
                problems.add(
                    field,
                    "max_count",
                    format!("Allow between 1 and {} photos.", Limits::PHOTOS),
                );
            }
            if !(1..=Limits::PHOTO_KIB).contains(max_size_kib) {
                problems.add(
                    field,
                    "max_size_kib",
                    format!("Allow photos of 1 KiB to {} MiB.", Limits::PHOTO_KIB / 1024),
                );
            }
        }
        Kind::Location {
            accuracy_m: Some(accuracy),
        } if !(accuracy.is_finite() && *accuracy > 0.0) => {
            problems.add(
                field,
                "accuracy_m",
                "The required accuracy must be a positive number of metres.",
            );
        }
        Kind::Repeat { min, max, .. } => {
            if max.is_some_and(|max| max < *min) {
                problems.add(
                    field,
                    "max",
                    "The maximum number of repeats is below the minimum.",
                );
            }
            if max.unwrap_or(*min) > Limits::REPEATS || *min > Limits::REPEATS {
                problems.add(
                    field,
                    "max",
                    format!("A group can repeat at most {} times.", Limits::REPEATS),
                );
            }
        }
        _ => {}
    }
}

/// The value type of a field in expressions, if it has one usable there.
fn value_type(kind: &Kind) -> Option<Type> {
    Some(match kind {
        Kind::ShortText { .. }
        | Kind::LongText { .. }
        | Kind::Barcode
        | Kind::SingleChoice { .. } => Type::Text,
        Kind::Number { .. } => Type::Number,
        Kind::Date => Type::Date,
        Kind::Time => Type::Time,
        Kind::DateTime => Type::DateTime,
        Kind::MultipleChoice { .. } => Type::Choices,
        Kind::YesNo => Type::Bool,
        Kind::Repeat { .. } => Type::Group,
        _ => return None,
    })
}

/// Field types as one expression sees them: its own repeat group's fields by plain id,
/// every repeat group's fields as `$group.id` (all rows), the rest by plain id.
struct Env<'a> {
    top: &'a HashMap<String, Type>,
    groups: &'a GroupTypes,
    current: Option<&'a str>,
}

impl TypeEnv for Env<'_> {
    fn field(&self, path: &[String]) -> Option<Type> {
        match path {
            [id] => self
                .current
                .and_then(|group| self.groups.get(group)?.get(id))
                .or_else(|| self.top.get(id))
                .cloned(),
            [group, id] => self
                .groups
                .get(group)?
                .get(id)
                .map(|ty| Type::Many(Box::new(ty.clone()))),
            _ => None,
        }
    }
}

type GroupTypes = HashMap<String, HashMap<String, Type>>;

fn record_type(
    top: &mut HashMap<String, Type>,
    groups: &mut GroupTypes,
    field: &Field,
    group: Option<&FieldId>,
    ty: Type,
) {
    match group {
        Some(group) => {
            groups
                .entry(group.0.clone())
                .or_default()
                .insert(field.id.0.clone(), ty);
        }
        None => {
            top.insert(field.id.0.clone(), ty);
        }
    }
}

fn check_expressions(all: &[(&Field, Option<&FieldId>)], problems: &mut Problems) {
    let mut top = HashMap::new();
    let mut groups: GroupTypes = HashMap::new();
    for (field, group) in all {
        if let Some(ty) = value_type(&field.kind) {
            record_type(&mut top, &mut groups, field, *group, ty);
        }
    }

    // Calculated fields get the type of their expression; one may use another, so they
    // are typed in dependency order, and a cycle is a problem.
    let mut pending: Vec<(&Field, Option<&FieldId>, expr::Expr)> = Vec::new();
    for (field, group) in all {
        if let Kind::Calculated { expression } = &field.kind {
            match expr::parse(expression) {
                Ok(parsed) => pending.push((field, *group, parsed)),
                Err(error) => problems.expression(field, "expression", error),
            }
        }
    }
    let calculated: HashSet<&str> = pending.iter().map(|(f, _, _)| f.id.0.as_str()).collect();
    let mut typed: HashSet<String> = HashSet::new();
    loop {
        let ready = pending.iter().position(|(_, _, parsed)| {
            parsed.fields().iter().all(|path| {
                let id = path.last().map_or("", String::as_str);
                !calculated.contains(id) || typed.contains(id)
            })
        });
        let Some(index) = ready else { break };
        let (field, group, parsed) = pending.remove(index);
        let env = Env {
            top: &top,
            groups: &groups,
            current: group.map(|g| g.0.as_str()),
        };
        match expr::check(&parsed, &env) {
            Ok(Type::Group | Type::Many(_)) => problems.add(
                field,
                "expression",
                "A calculation must give one value: count or sum the repeat group.",
            ),
            Ok(ty) => record_type(&mut top, &mut groups, field, group, ty),
            Err(errors) => errors
                .into_iter()
                .for_each(|e| problems.expression(field, "expression", e)),
        }
        typed.insert(field.id.0.clone());
    }
    for (field, _, _) in pending {
        problems.add(
            field,
            "expression",
            "This calculation depends on itself (directly or through other calculations).",
        );
    }

    for (field, group) in all {
        let env = Env {
            top: &top,
            groups: &groups,
            current: group.map(|g| g.0.as_str()),
        };
        let conditions = [
            ("show_if", field.show_if.as_deref()),
            (
                "constraint",
                field.constraint.as_ref().map(|c| c.expression.as_str()),
            ),
        ];
        for (property, source) in conditions {
            let Some(source) = source else { continue };
            let checked = expr::parse(source)
                .map_err(|e| vec![e])
                .and_then(|parsed| expr::check(&parsed, &env));
            match checked {
                Ok(Type::Bool) => {}
                Ok(other) => problems.expression(
                    field,
                    property,
                    ExprError::new(
                        format!("This must be a yes/no condition, not {}.", other.describe()),
                        Span::new(0, source.chars().count()),
                    ),
                ),
                Err(errors) => errors
                    .into_iter()
                    .for_each(|e| problems.expression(field, property, e)),
            }
        }
    }
}

/// Everything that stops `draft` from being published after `latest` (the newest
/// version's number and form, if any): its [`validate`] problems, no fields at all, or
/// nothing changed since that version. The builder lists exactly these before the click,
/// and the server refuses exactly these.
pub fn publishing_problems(draft: &Form, latest: Option<(i32, &Form)>) -> Vec<Problem> {
    let mut problems = validate(draft);
    let form_problem = |message: String| Problem {
        field: None,
        property: "fields".into(),
        message,
        span: None,
    };
    if draft.fields.is_empty() {
        problems.push(form_problem(
            "Add at least one field before publishing.".into(),
        ));
    } else if let Some((version, published)) = latest {
        if diff(published, draft).is_empty() {
            problems.push(form_problem(format!(
                "Nothing changed since version {version}, the one published last."
            )));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::schema::{Choice, Constraint, Label};

    fn field(id: &str, kind: Kind) -> Field {
        Field::new(FieldId(id.into()), format!("Question {id}"), kind)
    }

    fn choice(value: &str) -> Choice {
        Choice {
            value: value.into(),
            label: Label::new(value),
        }
    }

    fn survey() -> Form {
        let number = Kind::Number {
            integer: true,
            min: Some(0.0),
            max: Some(120.0),
            step: None,
        };
        let mut age = field("age", number.clone());
        age.constraint = Some(Constraint {
            expression: "$age >= 0".into(),
            message: Label::new("No negative ages."),
        });
        let mut consent = field("consent", Kind::YesNo);
        consent.show_if = Some("$age >= 18".into());
        let visits = field(
            "visits",
            Kind::Repeat {
                children: vec![
                    field(
                        "hours",
                        Kind::Number {
                            integer: false,
                            min: None,
                            max: None,
                            step: Some(0.5),
                        },
                    ),
                    {
                        let mut note = field(
                            "note",
                            Kind::ShortText {
                                max_length: Some(200),
                            },
                        );
                        note.show_if = Some("$hours > 2".into());
                        note
                    },
                ],
                min: 0,
                max: Some(10),
            },
        );
        Form {
            fields: vec![
                age,
                consent,
                field(
                    "crops",
                    Kind::MultipleChoice {
                        options: vec![choice("maize"), choice("beans")],
                    },
                ),
                visits,
                field(
                    "total",
                    Kind::Calculated {
                        expression: "sum($visits.hours)".into(),
                    },
                ),
                field(
                    "average",
                    Kind::Calculated {
                        expression: "if(count($visits) > 0, $total / count($visits), 0)".into(),
                    },
                ),
                {
                    let mut long = field("long_visits", Kind::Note);
                    long.show_if = Some("$average > 4 and selected($crops, \"maize\")".into());
                    long
                },
                field("page", Kind::PageBreak),
            ],
        }
    }

    fn problems_of(form: &Form) -> Vec<(String, String, String)> {
        validate(form)
            .into_iter()
            .map(|p| {
                (
                    p.field.map(|f| f.0).unwrap_or_default(),
                    p.property,
                    p.message,
                )
            })
            .collect()
    }

    #[test]
    fn a_translation_needs_a_language_tag() {
        let mut form = survey();
        form.fields[0]
            .label
            .translations
            .insert("fr".into(), "Âge".into());
        assert_eq!(problems_of(&form), Vec::<(String, String, String)>::new());
        form.fields[0]
            .label
            .translations
            .insert("French".into(), "Âge".into());
        let problems = problems_of(&form);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].2.contains("`French` is not a language tag"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_sound_form_has_no_problems() {
        assert_eq!(
            problems_of(&survey()),
            Vec::<(String, String, String)>::new()
        );
    }

    #[test]
    fn a_deleted_field_or_a_changed_type_breaks_the_expressions_that_use_it() {
        let mut form = survey();
        form.fields.remove(0); // age
        let problems = validate(&form);
        let consent = problems
            .iter()
            .find(|p| p.field == Some(FieldId("consent".into())))
            .expect("consent's show-if");
        assert!(consent.message.contains("no field $age"), "{consent:?}");
        assert_eq!(consent.span, Some(Span::new(0, 4)));

        let mut form = survey();
        form.fields[0].kind = Kind::ShortText { max_length: None }; // age becomes text
        let messages: Vec<String> = validate(&form).into_iter().map(|p| p.message).collect();
        assert!(
            messages
                .iter()
                .any(|m| m.contains("cannot combine text with a number")),
            "{messages:?}"
        );
    }

    #[test]
    fn every_structural_problem_is_listed() {
        let form = Form {
            fields: vec![
                field(
                    "a",
                    Kind::SingleChoice {
                        options: vec![choice("x"), choice("x")],
                    },
                ),
                field("a", Kind::MultipleChoice { options: vec![] }),
                field(
                    "9lives",
                    Kind::Number {
                        integer: false,
                        min: Some(5.0),
                        max: Some(1.0),
                        step: Some(0.0),
                    },
                ),
                field(
                    "group",
                    Kind::Repeat {
                        children: vec![],
                        min: 3,
                        max: Some(2),
                    },
                ),
                field(
                    "pic",
                    Kind::Photo {
                        max_count: 0,
                        max_size_kib: 1,
                    },
                ),
                Field {
                    required: true,
                    ..field("note", Kind::Note)
                },
                Field {
                    label: Label::new(" "),
                    ..field("blank", Kind::Date)
                },
            ],
        };
        let problems = problems_of(&form);
        let expected = [
            ("a", "options", "same value `x`"),
            ("a", "id", "Two fields have the id `a`"),
            ("a", "options", "at least one option"),
            ("9lives", "id", "not a valid id"),
            ("9lives", "max", "below the minimum"),
            ("9lives", "step", "greater than zero"),
            ("group", "children", "empty"),
            ("group", "max", "below the minimum"),
            ("pic", "max_count", "between 1 and 20"),
            ("note", "required", "cannot be required"),
            ("blank", "label", "Enter a text"),
        ];
        for (id, property, words) in expected {
            assert!(
                problems
                    .iter()
                    .any(|(f, p, m)| f == id && p == property && m.contains(words)),
                "missing {id}.{property} ~ {words}: {problems:#?}"
            );
        }
    }

    #[test]
    fn calculations_in_a_cycle_and_non_boolean_conditions_are_refused() {
        let mut form = survey();
        form.fields.push(field(
            "x",
            Kind::Calculated {
                expression: "$y + 1".into(),
            },
        ));
        form.fields.push(field(
            "y",
            Kind::Calculated {
                expression: "$x + 1".into(),
            },
        ));
        form.fields[1].show_if = Some("$age + 1".into());
        let problems = problems_of(&form);
        assert!(
            problems
                .iter()
                .any(|(f, _, m)| f == "x" && m.contains("depends on itself")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|(f, _, m)| f == "y" && m.contains("depends on itself")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|(f, p, m)| f == "consent"
                && p == "show_if"
                && m.contains("yes/no condition")),
            "{problems:?}"
        );
    }

    #[test]
    fn repeat_fields_are_seen_per_row_inside_and_as_all_rows_outside() {
        let mut form = survey();
        // Outside the group, a plain reference to a field inside it is an error.
        form.fields[1].show_if = Some("$hours > 1".into());
        let problems = problems_of(&form);
        assert!(
            problems
                .iter()
                .any(|(f, _, m)| f == "consent" && m.contains("no field $hours")),
            "{problems:?}"
        );
    }

    #[test]
    fn drafts_may_be_unfinished_but_not_oversized() {
        let unfinished = Form {
            fields: vec![field("a", Kind::SingleChoice { options: vec![] })],
        };
        assert!(!validate(&unfinished).is_empty());
        assert_eq!(oversized(&unfinished), None);
        let many = Form {
            fields: (0..1001)
                .map(|i| field(&format!("f{i}"), Kind::YesNo))
                .collect(),
        };
        assert!(oversized(&many)
            .expect("too many")
            .contains("at most 1000 fields"));
        let mut long = survey();
        long.fields[0].label = Label::new("x".repeat(2001));
        assert!(oversized(&long)
            .expect("too long")
            .contains("longer than 2000"));
    }

    #[test]
    fn nesting_and_size_limits() {
        let mut inner = field("leaf", Kind::YesNo);
        for depth in 0..6 {
            inner = field(
                &format!("s{depth}"),
                Kind::Section {
                    children: vec![inner],
                },
            );
        }
        let problems = problems_of(&Form {
            fields: vec![inner],
        });
        assert!(
            problems
                .iter()
                .any(|(_, _, m)| m.contains("nested at most 5 deep")),
            "{problems:?}"
        );

        let many = (0..1001)
            .map(|i| field(&format!("f{i}"), Kind::YesNo))
            .collect();
        let problems = validate(&Form { fields: many });
        assert!(problems
            .iter()
            .any(|p| p.field.is_none() && p.message.contains("at most 1000 fields")));
    }

    #[test]
    fn the_schema_round_trips_through_json() {
        let form = survey();
        let json = serde_json::to_string(&form).expect("json");
        assert!(json.contains("\"type\":\"repeat\""), "{json}");
        let back: Form = serde_json::from_str(&json).expect("parse");
        assert_eq!(back, form);
    }

    #[test]
    fn publishing_needs_a_field_and_a_change_since_the_last_version() {
        let empty = Form::default();
        let refused = publishing_problems(&empty, None);
        assert_eq!(refused.len(), 1);
        assert!(
            refused[0].message.contains("at least one field"),
            "{refused:?}"
        );

        let mut form = Form::default();
        form.fields
            .push(field("site", Kind::ShortText { max_length: None }));
        assert!(
            publishing_problems(&form, None).is_empty(),
            "a first version"
        );
        let unchanged = publishing_problems(&form, Some((3, &form)));
        assert_eq!(unchanged.len(), 1);
        assert!(
            unchanged[0].message.contains("since version 3"),
            "{unchanged:?}"
        );

        let mut changed = form.clone();
        changed
            .fields
            .push(field("notes", Kind::ShortText { max_length: None }));
        assert!(publishing_problems(&changed, Some((3, &form))).is_empty());
    }
}
