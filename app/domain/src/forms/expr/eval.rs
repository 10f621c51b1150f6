//! Evaluation. Expressions are type-checked before they run, so evaluation never fails:
//! anything that cannot be computed (an empty field, division by zero) is `Empty`, and
//! `Empty` spreads through arithmetic, makes comparisons false, and counts as "no".

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};

use super::ast::{BinaryOp, Expr, ExprKind, UnaryOp};

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Empty,
    Number(f64),
    Text(String),
    Bool(bool),
    Date(NaiveDate),
    Time(NaiveTime),
    DateTime(NaiveDateTime),
    Choices(Vec<String>),
    /// A repeat group's rows (counted by `count`).
    Rows(usize),
    /// One field across a repeat group's rows.
    Many(Vec<Value>),
}

impl Value {
    /// Whether a show-if condition holds: only a definite yes does.
    pub fn is_true(&self) -> bool {
        matches!(self, Value::Bool(true))
    }

    pub fn is_empty(&self) -> bool {
        match self {
            Value::Empty => true,
            Value::Text(text) => text.is_empty(),
            Value::Choices(choices) => choices.is_empty(),
            _ => false,
        }
    }

    /// The value as a person reads it (and as `concat` joins it).
    pub fn as_text(&self) -> String {
        match self {
            Value::Empty => String::new(),
            Value::Number(n) => format_number(*n),
            Value::Text(text) => text.clone(),
            Value::Bool(true) => "yes".into(),
            Value::Bool(false) => "no".into(),
            Value::Date(d) => d.format("%Y-%m-%d").to_string(),
            Value::Time(t) => t.format("%H:%M").to_string(),
            Value::DateTime(dt) => dt.format("%Y-%m-%d %H:%M").to_string(),
            Value::Choices(choices) => choices.join(", "),
            Value::Rows(n) => n.to_string(),
            Value::Many(values) => values
                .iter()
                .map(Value::as_text)
                .collect::<Vec<_>>()
                .join(", "),
        }
    }
}

/// Whole numbers without ".0"; others with up to 10 significant decimals.
pub fn format_number(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        let text = format!("{n:.10}");
        text.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

/// The values an expression reads: the form's current answers and the clock.
pub trait Scope {
    /// `$a` → `["a"]`: the answer (`Empty` if unanswered). `$g` → `Rows`; `$g.a` → `Many`.
    fn value(&self, path: &[String]) -> Value;
    fn today(&self) -> NaiveDate;
    fn now(&self) -> NaiveDateTime;
}

pub fn eval(expr: &Expr, scope: &impl Scope) -> Value {
    match &expr.kind {
        ExprKind::Number(n) => Value::Number(*n),
        ExprKind::Text(text) => Value::Text(text.clone()),
        ExprKind::Bool(b) => Value::Bool(*b),
        ExprKind::Field(path) => scope.value(path),
        ExprKind::Unary(UnaryOp::Neg, inner) => match eval(inner, scope) {
            Value::Number(n) => Value::Number(-n),
            _ => Value::Empty,
        },
        ExprKind::Unary(UnaryOp::Not, inner) => Value::Bool(!eval(inner, scope).is_true()),
        ExprKind::Binary(BinaryOp::And, lhs, rhs) => {
            Value::Bool(eval(lhs, scope).is_true() && eval(rhs, scope).is_true())
        }
        ExprKind::Binary(BinaryOp::Or, lhs, rhs) => {
            Value::Bool(eval(lhs, scope).is_true() || eval(rhs, scope).is_true())
        }
        ExprKind::Binary(op, lhs, rhs) => binary(*op, eval(lhs, scope), eval(rhs, scope)),
        ExprKind::Call(name, args) => call(name, args, scope),
    }
}

fn number(value: f64) -> Value {
    if value.is_finite() {
        Value::Number(value)
    } else {
        Value::Empty
    }
}

fn binary(op: BinaryOp, left: Value, right: Value) -> Value {
    use Value::*;
    match op {
        BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div => match (op, left, right) {
            (BinaryOp::Add, Number(a), Number(b)) => number(a + b),
            (BinaryOp::Sub, Number(a), Number(b)) => number(a - b),
            (BinaryOp::Mul, Number(a), Number(b)) => number(a * b),
            (BinaryOp::Div, Number(a), Number(b)) if b != 0.0 => number(a / b),
            (BinaryOp::Add, Date(d), Number(days)) => shift(d, days),
            (BinaryOp::Sub, Date(d), Number(days)) => shift(d, -days),
            (BinaryOp::Sub, Date(a), Date(b)) => Number((a - b).num_days() as f64),
            _ => Empty,
        },
        BinaryOp::Eq => Bool(equal(&left, &right)),
        BinaryOp::Ne => Bool(!equal(&left, &right)),
        _ => {
            let ordering = match (&left, &right) {
                (Number(a), Number(b)) => a.partial_cmp(b),
                (Text(a), Text(b)) => Some(a.cmp(b)),
                (Date(a), Date(b)) => Some(a.cmp(b)),
                (Time(a), Time(b)) => Some(a.cmp(b)),
                (DateTime(a), DateTime(b)) => Some(a.cmp(b)),
                _ => None,
            };
            let Some(ordering) = ordering else {
                return Bool(false);
            };
            Bool(match op {
                BinaryOp::Lt => ordering.is_lt(),
                BinaryOp::Le => ordering.is_le(),
                BinaryOp::Gt => ordering.is_gt(),
                _ => ordering.is_ge(),
            })
        }
    }
}

/// An unanswered field equals empty text; otherwise values equal when they are equal.
fn equal(left: &Value, right: &Value) -> bool {
    if left.is_empty() || right.is_empty() {
        return left.is_empty() && right.is_empty();
    }
    left == right
}

fn shift(date: NaiveDate, days: f64) -> Value {
    if !days.is_finite() || days.abs() > 1e6 {
        return Value::Empty;
    }
    date.checked_add_signed(chrono::Duration::days(days.trunc() as i64))
        .map_or(Value::Empty, Value::Date)
}

fn numbers(value: &Value) -> Vec<f64> {
    match value {
        Value::Many(values) => values
            .iter()
            .filter_map(|v| match v {
                Value::Number(n) => Some(*n),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

fn call(name: &str, args: &[Expr], scope: &impl Scope) -> Value {
    // `if` evaluates only the branch it takes.
    if name == "if" {
        return match args {
            [condition, yes, no] => {
                if eval(condition, scope).is_true() {
                    eval(yes, scope)
                } else {
                    eval(no, scope)
                }
            }
            _ => Value::Empty,
        };
    }
    let values: Vec<Value> = args.iter().map(|arg| eval(arg, scope)).collect();
    match (name, values.as_slice()) {
        ("today", []) => Value::Date(scope.today()),
        ("now", []) => Value::DateTime(scope.now()),
        ("count", [Value::Rows(n)]) => Value::Number(*n as f64),
        ("count", [Value::Many(values)]) => {
            Value::Number(values.iter().filter(|v| !v.is_empty()).count() as f64)
        }
        ("sum", [many]) => number(numbers(many).iter().sum()),
        ("min", [many]) => numbers(many)
            .into_iter()
            .reduce(f64::min)
            .map_or(Value::Empty, Value::Number),
        ("max", [many]) => numbers(many)
            .into_iter()
            .reduce(f64::max)
            .map_or(Value::Empty, Value::Number),
        ("selected", [Value::Choices(choices), Value::Text(option)]) => {
            Value::Bool(choices.iter().any(|c| c == option))
        }
        ("selected", [Value::Empty, _]) => Value::Bool(false),
        ("length", [Value::Text(text)]) => Value::Number(text.chars().count() as f64),
        ("length", [Value::Empty]) => Value::Number(0.0),
        ("round", [Value::Number(n), Value::Number(digits)]) => {
            let factor = 10f64.powi(digits.clamp(0.0, 10.0) as i32);
            number((n * factor).round() / factor)
        }
        ("days_between", [Value::Date(from), Value::Date(to)]) => {
            Value::Number((*to - *from).num_days() as f64)
        }
        ("concat", values) => Value::Text(values.iter().map(Value::as_text).collect()),
        _ => Value::Empty,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;
    use crate::forms::expr::parse;

    struct Answers(HashMap<&'static str, Value>);

    impl Scope for Answers {
        fn value(&self, path: &[String]) -> Value {
            self.0
                .get(path.join(".").as_str())
                .cloned()
                .unwrap_or(Value::Empty)
        }
        fn today(&self) -> NaiveDate {
            NaiveDate::from_ymd_opt(2026, 11, 23).expect("date")
        }
        fn now(&self) -> NaiveDateTime {
            self.today().and_hms_opt(12, 0, 0).expect("time")
        }
    }

    fn answers() -> Answers {
        Answers(HashMap::from([
            ("age", Value::Number(70.0)),
            ("name", Value::Text("Ann".into())),
            (
                "born",
                Value::Date(NaiveDate::from_ymd_opt(1956, 1, 2).expect("date")),
            ),
            (
                "crops",
                Value::Choices(vec!["maize".into(), "beans".into()]),
            ),
            ("visits", Value::Rows(3)),
            (
                "visits.hours",
                Value::Many(vec![Value::Number(1.5), Value::Empty, Value::Number(2.5)]),
            ),
        ]))
    }

    fn run(source: &str) -> Value {
        eval(&parse(source).expect(source), &answers())
    }

    #[test]
    fn evaluates_like_a_person_would_expect() {
        let cases = [
            ("$age >= 18 and $name = \"Ann\"", Value::Bool(true)),
            (
                "if($age > 65, \"senior\", \"adult\")",
                Value::Text("senior".into()),
            ),
            (
                "sum($visits.hours) / count($visits)",
                Value::Number(4.0 / 3.0),
            ),
            ("count($visits.hours)", Value::Number(2.0)),
            (
                "max($visits.hours) - min($visits.hours)",
                Value::Number(1.0),
            ),
            ("selected($crops, \"beans\")", Value::Bool(true)),
            ("selected($crops, \"rice\")", Value::Bool(false)),
            (
                "today() + 8",
                Value::Date(NaiveDate::from_ymd_opt(2026, 12, 1).expect("date")),
            ),
            ("days_between($born, today()) > 365 * 70", Value::Bool(true)),
            ("round(2 / 3, 2)", Value::Number(0.67)),
            (
                "concat($name, \" is \", $age)",
                Value::Text("Ann is 70".into()),
            ),
            ("length($name)", Value::Number(3.0)),
        ];
        for (source, expected) in cases {
            assert_eq!(run(source), expected, "{source}");
        }
    }

    #[test]
    fn empty_answers_and_impossible_arithmetic_are_empty_not_errors() {
        assert_eq!(run("$missing + 1"), Value::Empty);
        assert_eq!(run("1 / 0"), Value::Empty);
        assert_eq!(run("$missing > 3"), Value::Bool(false));
        assert_eq!(
            run("$missing = \"\""),
            Value::Bool(true),
            "unanswered equals empty text"
        );
        assert_eq!(run("not ($missing > 3)"), Value::Bool(true));
        assert!(
            !run("$missing").is_true(),
            "an unanswered condition does not show a field"
        );
        assert_eq!(run("length($missing)"), Value::Number(0.0));
        assert_eq!(run("sum($nothing.here)"), Value::Number(0.0));
    }

    #[test]
    fn numbers_print_without_noise() {
        assert_eq!(format_number(3.0), "3");
        assert_eq!(format_number(0.1 + 0.2), "0.3");
        assert_eq!(format_number(-2.5), "-2.5");
    }
}
