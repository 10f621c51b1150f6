//! Property tests: no input makes the parser, checker or evaluator panic, and printing a
//! tree then parsing it gives the same tree.

use chrono::{NaiveDate, NaiveDateTime};
use proptest::prelude::*;

use super::{
    ast::{BinaryOp, Expr, ExprKind, UnaryOp},
    check, eval, parse, FieldType, Scope, Span, Type, TypeEnv, Value,
};

struct Anything;

impl TypeEnv for Anything {
    fn field(&self, path: &[String]) -> Option<FieldType> {
        match path.len() {
            1 if path[0].starts_with('n') => Some(Type::Number),
            1 if path[0].starts_with('g') => Some(Type::Group),
            1 => Some(Type::Text),
            _ => Some(Type::Many(Box::new(Type::Number))),
        }
    }
}

impl Scope for Anything {
    fn value(&self, path: &[String]) -> Value {
        match path.len() {
            1 if path[0].starts_with('n') => Value::Number(path[0].len() as f64),
            1 if path[0].starts_with('g') => Value::Rows(2),
            1 => Value::Text(path[0].clone()),
            _ => Value::Many(vec![Value::Number(1.0), Value::Empty]),
        }
    }
    fn today(&self) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).expect("date")
    }
    fn now(&self) -> NaiveDateTime {
        self.today().and_hms_opt(0, 0, 0).expect("time")
    }
}

/// Text that looks like expressions often enough to reach deep into the parser.
fn expression_like() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("$n1".to_owned()),
            Just("$g.n".to_owned()),
            Just("$t".to_owned()),
            Just(" and ".to_owned()),
            Just(" or ".to_owned()),
            Just("not ".to_owned()),
            Just("(".to_owned()),
            Just(")".to_owned()),
            Just(",".to_owned()),
            Just("if(".to_owned()),
            Just("sum(".to_owned()),
            Just("count(".to_owned()),
            Just("today()".to_owned()),
            Just("\"x\"".to_owned()),
            Just("'".to_owned()),
            "[-+*/<>=!]{1,2}",
            "[0-9]{1,3}(\\.[0-9])?",
            "[a-z_$.]{1,4}",
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

fn leaf() -> impl Strategy<Value = Expr> {
    let span = Span::new(0, 0);
    prop_oneof![
        (0u32..1000).prop_map(move |n| Expr {
            kind: ExprKind::Number(f64::from(n) / 4.0),
            span
        }),
        "[a-z \"\\\\é]{0,6}".prop_map(move |t| Expr {
            kind: ExprKind::Text(t),
            span
        }),
        any::<bool>().prop_map(move |b| Expr {
            kind: ExprKind::Bool(b),
            span
        }),
        (
            "[a-z_][a-z0-9_]{0,5}",
            proptest::option::of("[a-z][a-z0-9]{0,3}")
        )
            .prop_map(move |(a, b)| {
                // Field ids may be anything an identifier may, keywords included: `$` marks them.
                let mut path = vec![a];
                path.extend(b);
                Expr {
                    kind: ExprKind::Field(path),
                    span,
                }
            }),
    ]
}

const KEYWORDS: [&str; 5] = ["and", "or", "not", "true", "false"];

fn tree() -> impl Strategy<Value = Expr> {
    let span = Span::new(0, 0);
    let ops = [
        BinaryOp::Add,
        BinaryOp::Sub,
        BinaryOp::Mul,
        BinaryOp::Div,
        BinaryOp::Eq,
        BinaryOp::Ne,
        BinaryOp::Lt,
        BinaryOp::Le,
        BinaryOp::Gt,
        BinaryOp::Ge,
        BinaryOp::And,
        BinaryOp::Or,
    ];
    leaf().prop_recursive(6, 48, 3, move |inner| {
        prop_oneof![
            (inner.clone(), any::<bool>()).prop_map(move |(e, neg)| Expr {
                kind: ExprKind::Unary(if neg { UnaryOp::Neg } else { UnaryOp::Not }, Box::new(e)),
                span,
            }),
            (
                inner.clone(),
                inner.clone(),
                proptest::sample::select(ops.to_vec())
            )
                .prop_map(move |(l, r, op)| Expr {
                    kind: ExprKind::Binary(op, Box::new(l), Box::new(r)),
                    span,
                }),
            (
                "[a-z]{1,6}".prop_filter("keywords are not names", |n| !KEYWORDS
                    .contains(&n.as_str())),
                proptest::collection::vec(inner, 0..3)
            )
                .prop_map(move |(name, args)| Expr {
                    kind: ExprKind::Call(name, args),
                    span,
                }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn arbitrary_text_never_panics(source in "\\PC{0,200}") {
        let _ = parse(&source);
    }

    #[test]
    fn expression_like_text_never_panics_anywhere(source in expression_like()) {
        if let Ok(expr) = parse(&source) {
            let _ = check(&expr, &Anything);
            let _ = eval(&expr, &Anything);
            // Errors and spans stay inside the source.
        } else if let Err(error) = parse(&source) {
            prop_assert!(error.span.start <= error.span.end);
            prop_assert!(error.span.end <= source.chars().count().max(1));
        }
    }

    #[test]
    fn printing_then_parsing_gives_the_same_tree(expr in tree()) {
        let printed = expr.to_string();
        let reparsed = parse(&printed).map_err(|e| TestCaseError::fail(format!("{printed}: {e}")))?;
        prop_assert_eq!(reparsed.without_spans(), expr.without_spans(), "{}", printed);
    }
}
