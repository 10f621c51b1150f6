//! Forms: the shared schema of a data-capture app, the expression language its rules are
//! written in, and the checks a form must pass to be published. The builder, the runner
//! and the server all use these same modules.
//!
//! - [`schema`]: the form itself; [`validate`]: what stops it from being published;
//!   [`diff`]: what changed between versions.
//! - [`edit`]: the edits builders make, and how concurrent ones merge; [`replica`]: one
//!   builder's copy of a draft others edit too.
//! - [`arrange`]: the builder's commands (new field, duplicate, keyboard moves).
//! - [`fill`]: a form being filled in (the builder's preview and the runner);
//!   [`submission`]: the answers as sent; [`media`]: the photos and signatures they name.

pub mod arrange;
pub mod diff;
pub mod edit;
pub mod expr;
pub mod fill;
pub mod media;
pub mod replica;
pub mod schema;
pub mod submission;
pub mod validate;
pub mod views;
