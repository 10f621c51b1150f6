//! The expression language of forms: show-if conditions, validation constraints and
//! calculated fields. Parsed, type-checked and evaluated by the same code in the
//! builder's live preview (WASM), the runner, and the server.
//!
//! ```text
//! $age >= 18 and not $consent = false
//! if($visits > 0, sum($visits_group.duration) / count($visits_group), 0)
//! $end_date > today() or $status = "open"
//! ```
//!
//! - Fields are referenced by id: `$id`; a field inside a repeat group by `$group.id`
//!   (inside aggregate functions only).
//! - Numbers, text in double or single quotes, `true`/`false`; `+ - * /`; `= != < <= > >=`;
//!   `and`, `or`, `not`; parentheses; function calls (see [`functions`]).
//! - Every error carries the span (in characters) of the text it is about, so the builder
//!   can point at it.
//! - No input panics the parser (property-tested): nesting and length are bounded.

pub mod ast;
pub mod check;
pub mod eval;
pub mod functions;
mod lexer;
mod parser;
#[cfg(test)]
mod properties;

pub use ast::{BinaryOp, Expr, ExprKind, UnaryOp};
pub use check::{check, FieldType, Type, TypeEnv};
pub use eval::{eval, Scope, Value};
pub use parser::parse;

use serde::{Deserialize, Serialize};

/// A range of characters (not bytes) in the expression's source: what a text box counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// A problem with an expression, where it is, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{message} (at {}–{})", span.start, span.end)]
pub struct ExprError {
    pub message: String,
    pub span: Span,
}

impl ExprError {
    pub fn new(message: impl Into<String>, span: Span) -> Self {
        Self {
            message: message.into(),
            span,
        }
    }
}

/// Longest expression accepted, in characters.
pub const MAX_LENGTH: usize = 2_000;
/// Deepest nesting of parentheses, calls and operators accepted.
pub const MAX_DEPTH: usize = 64;
