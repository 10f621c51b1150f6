//! Type checking against the form's fields: references to unknown fields, and values
//! used where they make no sense (`$name > 3` for a text field), are found when the
//! form is edited or published, not when someone fills it in.

use serde::{Deserialize, Serialize};

use super::{
    ast::{BinaryOp, Expr, ExprKind, UnaryOp},
    functions, ExprError,
};

/// The type of a value in an expression.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Type {
    Number,
    Text,
    Bool,
    Date,
    Time,
    DateTime,
    /// The ticked options of a multiple-choice field.
    Choices,
    /// A repeat group itself (`$visits`): its rows can be counted.
    Group,
    /// One field across the rows of a repeat group (`$visits.duration`).
    Many(Box<Type>),
}

impl Type {
    pub fn describe(&self) -> String {
        match self {
            Type::Number => "a number".into(),
            Type::Text => "text".into(),
            Type::Bool => "yes/no".into(),
            Type::Date => "a date".into(),
            Type::Time => "a time".into(),
            Type::DateTime => "a date and time".into(),
            Type::Choices => "a set of choices".into(),
            Type::Group => "a repeat group".into(),
            Type::Many(inner) => format!("the values of a repeat ({} each)", inner.describe()),
        }
    }
}

/// What a field reference means for the checker.
pub type FieldType = Type;

/// The fields an expression may refer to. `$a` asks for `["a"]`; `$g.a` for `["g", "a"]`
/// and must answer `Type::Many`.
pub trait TypeEnv {
    fn field(&self, path: &[String]) -> Option<FieldType>;
}

/// The type of `expr`, or every problem found in it.
pub fn check(expr: &Expr, env: &impl TypeEnv) -> Result<Type, Vec<ExprError>> {
    let mut errors = Vec::new();
    let ty = infer(expr, env, &mut errors);
    match ty {
        Some(ty) if errors.is_empty() => Ok(ty),
        _ => Err(errors),
    }
}

fn infer(expr: &Expr, env: &impl TypeEnv, errors: &mut Vec<ExprError>) -> Option<Type> {
    let fail = |errors: &mut Vec<ExprError>, message: String| {
        errors.push(ExprError::new(message, expr.span));
        None
    };
    match &expr.kind {
        ExprKind::Number(_) => Some(Type::Number),
        ExprKind::Text(_) => Some(Type::Text),
        ExprKind::Bool(_) => Some(Type::Bool),
        ExprKind::Field(path) => match env.field(path) {
            Some(ty) => Some(ty),
            None => fail(
                errors,
                format!(
                    "There is no field ${} (it may have been deleted or renamed).",
                    path.join(".")
                ),
            ),
        },
        ExprKind::Unary(op, inner) => {
            let ty = infer(inner, env, errors)?;
            match (op, &ty) {
                (UnaryOp::Neg, Type::Number) => Some(Type::Number),
                (UnaryOp::Not, Type::Bool) => Some(Type::Bool),
                (UnaryOp::Neg, other) => fail(
                    errors,
                    format!("Only numbers can be negated, not {}.", other.describe()),
                ),
                (UnaryOp::Not, other) => fail(
                    errors,
                    format!("`not` needs yes/no, not {}.", other.describe()),
                ),
            }
        }
        ExprKind::Binary(op, lhs, rhs) => {
            let (left, right) = (infer(lhs, env, errors), infer(rhs, env, errors));
            let (left, right) = (left?, right?);
            binary(*op, &left, &right).or_else(|| {
                fail(
                    errors,
                    format!(
                        "`{}` cannot combine {} with {}.",
                        op.symbol(),
                        left.describe(),
                        right.describe()
                    ),
                )
            })
        }
        ExprKind::Call(name, args) => call(expr, name, args, env, errors),
    }
}

fn binary(op: BinaryOp, left: &Type, right: &Type) -> Option<Type> {
    use Type::*;
    match op {
        BinaryOp::And | BinaryOp::Or => (left == &Bool && right == &Bool).then_some(Bool),
        BinaryOp::Add => match (left, right) {
            (Number, Number) => Some(Number),
            (Date, Number) => Some(Date),
            _ => None,
        },
        BinaryOp::Sub => match (left, right) {
            (Number, Number) | (Date, Date) => Some(Number),
            (Date, Number) => Some(Date),
            _ => None,
        },
        BinaryOp::Mul | BinaryOp::Div => (left == &Number && right == &Number).then_some(Number),
        BinaryOp::Eq | BinaryOp::Ne => {
            (left == right && !matches!(left, Group | Many(_))).then_some(Bool)
        }
        BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge => (left == right
            && matches!(left, Number | Text | Date | Time | DateTime))
        .then_some(Bool),
    }
}

fn call(
    expr: &Expr,
    name: &str,
    args: &[Expr],
    env: &impl TypeEnv,
    errors: &mut Vec<ExprError>,
) -> Option<Type> {
    let Some(signature) = functions::lookup(name) else {
        let known: Vec<&str> = functions::FUNCTIONS.iter().map(|f| f.name).collect();
        errors.push(ExprError::new(
            format!(
                "There is no function {name}(); known are {}.",
                known.join(", ")
            ),
            expr.span,
        ));
        return None;
    };
    let types: Vec<Option<Type>> = args.iter().map(|arg| infer(arg, env, errors)).collect();
    let arity = |errors: &mut Vec<ExprError>, wanted: usize| {
        if args.len() == wanted {
            true
        } else {
            errors.push(ExprError::new(
                usage(signature, wanted).to_string(),
                expr.span,
            ));
            false
        }
    };
    let mismatch = |errors: &mut Vec<ExprError>, index: usize, wanted: &str, got: &Type| {
        errors.push(ExprError::new(
            format!("{name}() needs {wanted} here, not {}.", got.describe()),
            args[index].span,
        ));
        None
    };
    if types.iter().any(Option::is_none) {
        return None;
    }
    let types: Vec<Type> = types.into_iter().flatten().collect();
    match (name, signature.params) {
        (_, Some(params)) => {
            if !arity(errors, params.len()) {
                return None;
            }
            for (index, (want, got)) in params.iter().zip(&types).enumerate() {
                if want != got {
                    return mismatch(errors, index, &want.describe(), got);
                }
            }
            Some(signature.returns.clone())
        }
        ("if", None) => {
            if !arity(errors, 3) {
                return None;
            }
            if types[0] != Type::Bool {
                return mismatch(errors, 0, "a yes/no condition", &types[0]);
            }
            if types[1] != types[2] {
                return mismatch(errors, 2, &types[1].describe(), &types[2]);
            }
            Some(types[1].clone())
        }
        ("count", None) => {
            if !arity(errors, 1) {
                return None;
            }
            match &types[0] {
                Type::Group | Type::Many(_) => Some(Type::Number),
                other => mismatch(errors, 0, "a repeat group or a field in one", other),
            }
        }
        ("sum" | "min" | "max", None) => {
            if !arity(errors, 1) {
                return None;
            }
            match &types[0] {
                Type::Many(inner) if **inner == Type::Number => Some(Type::Number),
                other => mismatch(
                    errors,
                    0,
                    "a number field in a repeat group ($group.field)",
                    other,
                ),
            }
        }
        ("concat", None) => {
            if args.is_empty() {
                errors.push(ExprError::new(
                    "concat() needs at least one value.",
                    expr.span,
                ));
                return None;
            }
            for (index, ty) in types.iter().enumerate() {
                if matches!(ty, Type::Group | Type::Many(_)) {
                    return mismatch(errors, index, "a single value", ty);
                }
            }
            Some(Type::Text)
        }
        _ => None,
    }
}

fn usage(signature: &functions::Signature, wanted: usize) -> String {
    let plural = if wanted == 1 { "value" } else { "values" };
    format!(
        "{}() takes {wanted} {plural}: {}.",
        signature.name, signature.summary
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::forms::expr::{parse, Span};

    struct Fields;

    impl TypeEnv for Fields {
        fn field(&self, path: &[String]) -> Option<FieldType> {
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            Some(match path.as_slice() {
                ["age"] => Type::Number,
                ["name"] => Type::Text,
                ["born"] => Type::Date,
                ["consent"] => Type::Bool,
                ["crops"] => Type::Choices,
                ["visits"] => Type::Group,
                ["visits", "hours"] => Type::Many(Box::new(Type::Number)),
                ["visits", "note"] => Type::Many(Box::new(Type::Text)),
                _ => return None,
            })
        }
    }

    fn type_of(source: &str) -> Result<Type, Vec<ExprError>> {
        check(&parse(source).expect(source), &Fields)
    }

    #[test]
    fn well_typed_expressions() {
        let cases = [
            ("$age >= 18 and $consent", Type::Bool),
            ("if($age > 65, \"senior\", $name)", Type::Text),
            ("sum($visits.hours) / count($visits)", Type::Number),
            ("count($visits.note)", Type::Number),
            ("selected($crops, \"maize\") or not $consent", Type::Bool),
            ("days_between($born, today()) / 365", Type::Number),
            ("$born + 30 < today()", Type::Bool),
            ("concat($name, \" (\", $age, \")\")", Type::Text),
            ("round(-$age * 1.5, 0)", Type::Number),
        ];
        for (source, expected) in cases {
            assert_eq!(type_of(source), Ok(expected), "{source}");
        }
    }

    #[test]
    fn problems_name_the_field_or_value_and_point_at_it() {
        let cases: [(&str, &str, (usize, usize)); 8] = [
            ("$gone > 1", "no field $gone", (0, 5)),
            ("$name > 3", "cannot combine text with a number", (0, 9)),
            ("$age and true", "cannot combine", (0, 13)),
            ("sum($visits.note)", "number field in a repeat", (4, 16)),
            ("if($age, 1, 2)", "yes/no condition", (3, 7)),
            ("if($consent, 1, \"x\")", "needs a number here", (16, 19)),
            ("today(1)", "takes 0 values", (0, 8)),
            ("median($visits.hours)", "no function median()", (0, 21)),
        ];
        for (source, words, (start, end)) in cases {
            let errors = type_of(source).expect_err(source);
            assert!(
                errors[0].message.contains(words),
                "{source}: {}",
                errors[0].message
            );
            assert_eq!(errors[0].span, Span::new(start, end), "{source}");
        }
        assert_eq!(
            type_of("$a + $b").expect_err("two unknown").len(),
            2,
            "every problem is listed"
        );
    }
}
