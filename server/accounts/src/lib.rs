//! Accounts and tenancy on the server.
//!
//! - [`users`]: sign-up (user + first account + verification mail, atomically),
//!   e-mail confirmation, sign-in, password reset.
//! - [`members`]: the [`Actor`] (a user acting in one account, with their role), the
//!   accounts a user can switch to, role changes and removals.
//! - [`invitations`]: inviting by e-mail and joining through the link.
//! - [`audit`]: the per-account audit log.
//!
//! Every query on tenant-owned tables runs in a transaction scoped with
//! `muster_platform::tenancy`, so row level security confines it to one account even if
//! a query here forgot its `WHERE account_id`. Session handling (cookies) is the web
//! layer's business; this crate only answers who someone is and what they may do.

pub mod api_tokens;
pub mod audit;
mod error;
pub mod invitations;
pub mod link_mails;
mod mails;
pub mod members;
mod passwords;
mod tokens;
pub mod users;

pub use error::AccountsError;
pub use link_mails::MailLink;
pub use members::Actor;
pub use users::{SignUp, SignedIn};
