//! The functions expressions may call, with their signatures. One table serves the type
//! checker, the evaluator and the builder's help.

use super::check::Type;

/// What a function accepts and returns.
pub struct Signature {
    pub name: &'static str,
    pub summary: &'static str,
    /// `None` for functions whose typing is special (`if`, `count`, `concat`).
    pub params: Option<&'static [Type]>,
    pub returns: Type,
}

pub const FUNCTIONS: &[Signature] = &[
    Signature {
        name: "today",
        summary: "today's date",
        params: Some(&[]),
        returns: Type::Date,
    },
    Signature {
        name: "now",
        summary: "the current date and time",
        params: Some(&[]),
        returns: Type::DateTime,
    },
    Signature {
        name: "if",
        summary: "if(condition, value when true, value when false)",
        params: None,
        returns: Type::Bool,
    },
    Signature {
        name: "count",
        summary: "count($group) rows, or count($group.field) filled-in values",
        params: None,
        returns: Type::Number,
    },
    Signature {
        name: "sum",
        summary: "sum($group.number) over the rows of a repeat",
        params: None,
        returns: Type::Number,
    },
    Signature {
        name: "min",
        summary: "min($group.number): the smallest",
        params: None,
        returns: Type::Number,
    },
    Signature {
        name: "max",
        summary: "max($group.number): the largest",
        params: None,
        returns: Type::Number,
    },
    Signature {
        name: "selected",
        summary: "selected($choices, \"value\"): whether an option is ticked",
        params: Some(&[Type::Choices, Type::Text]),
        returns: Type::Bool,
    },
    Signature {
        name: "length",
        summary: "length($text): the number of characters",
        params: Some(&[Type::Text]),
        returns: Type::Number,
    },
    Signature {
        name: "round",
        summary: "round($number, digits)",
        params: Some(&[Type::Number, Type::Number]),
        returns: Type::Number,
    },
    Signature {
        name: "days_between",
        summary: "days_between($from, $to): whole days",
        params: Some(&[Type::Date, Type::Date]),
        returns: Type::Number,
    },
    Signature {
        name: "concat",
        summary: "concat(a, b, …): text joined together",
        params: None,
        returns: Type::Text,
    },
];

pub fn lookup(name: &str) -> Option<&'static Signature> {
    FUNCTIONS.iter().find(|f| f.name == name)
}
