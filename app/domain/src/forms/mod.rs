//! Forms: the shared schema of a data-capture app and the expression language its rules
//! are written in. Issue 5 builds the builder, versions and co-editing on top.

pub mod expr;
