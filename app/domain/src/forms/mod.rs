//! Forms: the shared schema of a data-capture app, the expression language its rules are
//! written in, and the checks a form must pass to be published. The builder, the runner
//! and the server all use these same modules.

pub mod diff;
pub mod expr;
pub mod schema;
pub mod validate;
pub mod views;
