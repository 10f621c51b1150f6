use std::time::Duration;

use muster_domain::accounts::{FieldErrors, RoleChangeRefusal};
use muster_platform::{
    db::DbError, jobs::EnqueueError, passwords::PasswordError, rate_limit::Limited,
};

/// Everything that can go wrong in account operations. The app maps each variant once
/// to an HTTP status and a message the user can act on.
#[derive(Debug, thiserror::Error)]
pub enum AccountsError {
    /// Input the user can correct, with a message per field.
    #[error("invalid input: {0:?}")]
    Invalid(FieldErrors),
    #[error("not signed in")]
    NotSignedIn,
    /// Signed in, but not (or no longer) a member of the account in question.
    #[error("not a member of this account")]
    NotAMember,
    /// A member whose role or state does not allow this; the text says why.
    #[error("{0}")]
    Forbidden(String),
    /// Nothing with this id in the caller's account (which is also the answer for ids
    /// of other accounts: their existence is not revealed).
    #[error("not found")]
    NotFound,
    #[error("rate limited for {0:?}")]
    RateLimited(Duration),
    #[error("password hashing is saturated")]
    Busy,
    #[error(transparent)]
    Database(#[from] DbError),
    #[error("could not enqueue mail: {0}")]
    Enqueue(#[from] EnqueueError),
    #[error("{0}")]
    Internal(String),
}

impl From<sqlx::Error> for AccountsError {
    fn from(error: sqlx::Error) -> Self {
        AccountsError::Database(error.into())
    }
}

impl From<PasswordError> for AccountsError {
    fn from(error: PasswordError) -> Self {
        match error {
            PasswordError::Busy => AccountsError::Busy,
            PasswordError::Hashing(message) => AccountsError::Internal(message),
        }
    }
}

impl From<Limited> for AccountsError {
    fn from(limited: Limited) -> Self {
        AccountsError::RateLimited(limited.retry_after)
    }
}

impl From<RoleChangeRefusal> for AccountsError {
    fn from(refusal: RoleChangeRefusal) -> Self {
        AccountsError::Forbidden(refusal.to_string())
    }
}

impl From<FieldErrors> for AccountsError {
    fn from(errors: FieldErrors) -> Self {
        AccountsError::Invalid(errors)
    }
}
