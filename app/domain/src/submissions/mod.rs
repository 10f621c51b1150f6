//! Submissions as they cross between the runner and the server: what the runner sends,
//! what the server answers, and what builders see of what arrived. The document itself
//! and its checks are [`crate::forms::submission`].

pub mod columns;
pub mod query;
pub mod spreadsheet;
pub mod views;
