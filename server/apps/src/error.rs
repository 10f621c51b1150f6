use muster_accounts::AccountsError;
use muster_domain::{accounts::FieldErrors, forms::validate::Problem};
use muster_platform::db::DbError;

/// What can go wrong with apps; the web layer maps each to a status and message once.
#[derive(Debug, thiserror::Error)]
pub enum AppsError {
    #[error("invalid input: {0:?}")]
    Invalid(FieldErrors),
    /// The form cannot be published; every problem is listed.
    #[error("{} problem(s) stop publishing", .0.len())]
    Problems(Vec<Problem>),
    #[error("{0}")]
    TooLarge(String),
    /// Someone saved the draft since the caller loaded it.
    #[error("the draft changed (now revision {current_revision})")]
    Conflict { current_revision: i64 },
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Accounts(#[from] AccountsError),
    #[error(transparent)]
    Database(#[from] DbError),
    #[error("{0}")]
    Internal(String),
}

impl From<sqlx::Error> for AppsError {
    fn from(error: sqlx::Error) -> Self {
        AppsError::Database(error.into())
    }
}
