//! Accounts: who may do what in an organisation, and which sign-up and profile values
//! are acceptable. The browser uses these rules to show only what a role allows; the
//! server enforces the very same rules.

pub mod fields;
pub mod role;
pub mod views;

pub use fields::{FieldErrors, Limits};
pub use role::{Capability, Role, RoleChangeRefusal};
