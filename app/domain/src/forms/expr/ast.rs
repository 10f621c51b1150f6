//! The parsed form of an expression.

use std::fmt;

use super::Span;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnaryOp {
    Neg,
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    And,
    Or,
}

impl BinaryOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Eq => "=",
            BinaryOp::Ne => "!=",
            BinaryOp::Lt => "<",
            BinaryOp::Le => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::Ge => ">=",
            BinaryOp::And => "and",
            BinaryOp::Or => "or",
        }
    }

    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    Number(f64),
    Text(String),
    Bool(bool),
    /// `$id` (one part) or `$group.id` (two).
    Field(Vec<String>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>),
}

impl Expr {
    /// Every field reference, in source order (for dependency tracking: a calculation
    /// is recomputed when one of these changes).
    pub fn fields(&self) -> Vec<&[String]> {
        let mut found = Vec::new();
        self.visit(&mut |expr| {
            if let ExprKind::Field(path) = &expr.kind {
                found.push(path.as_slice());
            }
        });
        found
    }

    fn visit<'a>(&'a self, f: &mut impl FnMut(&'a Expr)) {
        f(self);
        match &self.kind {
            ExprKind::Unary(_, inner) => inner.visit(f),
            ExprKind::Binary(_, lhs, rhs) => {
                lhs.visit(f);
                rhs.visit(f);
            }
            ExprKind::Call(_, args) => args.iter().for_each(|arg| arg.visit(f)),
            _ => {}
        }
    }

    /// The same expression without source positions (for comparing two parses).
    pub fn without_spans(&self) -> Expr {
        let span = Span::new(0, 0);
        let kind = match &self.kind {
            ExprKind::Unary(op, inner) => ExprKind::Unary(*op, Box::new(inner.without_spans())),
            ExprKind::Binary(op, lhs, rhs) => ExprKind::Binary(
                *op,
                Box::new(lhs.without_spans()),
                Box::new(rhs.without_spans()),
            ),
            ExprKind::Call(name, args) => {
                ExprKind::Call(name.clone(), args.iter().map(Expr::without_spans).collect())
            }
            other => other.clone(),
        };
        Expr { kind, span }
    }
}

/// Canonical text: binary operations fully parenthesised, so printing and parsing again
/// gives the same tree.
impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Number(n) => write!(f, "{n}"),
            ExprKind::Text(text) => {
                f.write_str("\"")?;
                for c in text.chars() {
                    if c == '"' || c == '\\' {
                        f.write_str("\\")?;
                    }
                    write!(f, "{c}")?;
                }
                f.write_str("\"")
            }
            ExprKind::Bool(b) => write!(f, "{b}"),
            ExprKind::Field(path) => write!(f, "${}", path.join(".")),
            ExprKind::Unary(UnaryOp::Neg, inner) => write!(f, "-({inner})"),
            // `not` binds looser than comparisons and arithmetic: parenthesised whole.
            ExprKind::Unary(UnaryOp::Not, inner) => write!(f, "(not ({inner}))"),
            ExprKind::Binary(op, lhs, rhs) => write!(f, "({lhs} {} {rhs})", op.symbol()),
            ExprKind::Call(name, args) => {
                write!(f, "{name}(")?;
                for (i, arg) in args.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{arg}")?;
                }
                f.write_str(")")
            }
        }
    }
}
