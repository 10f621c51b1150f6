use muster_accounts::AccountsError;
use muster_domain::{accounts::FieldErrors, plans::views::EditConflict};
use muster_platform::db::DbError;

/// What can go wrong with projects and plans; the web layer maps each to a status and a
/// message once.
#[derive(Debug, thiserror::Error)]
pub enum PlansError {
    /// Values the person can correct, by field name.
    #[error("invalid values: {0:?}")]
    Invalid(FieldErrors),
    /// Not theirs to see (another account's, or a project they are not in).
    #[error("not found")]
    NotFound,
    /// They may see it but not do this; the text says why.
    #[error("{0}")]
    Forbidden(String),
    /// Someone saved the activity first: their values, to merge or overwrite.
    #[error("the activity was changed meanwhile (now version {})", .0.current.version)]
    Changed(Box<EditConflict>),
    /// A call-in answer that can no longer be given; the text says why.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Accounts(#[from] AccountsError),
    #[error(transparent)]
    Database(#[from] DbError),
    /// A job could not be enqueued: nothing was stored.
    #[error("could not enqueue a call-in job: {0}")]
    Queue(String),
}

impl From<sqlx::Error> for PlansError {
    fn from(error: sqlx::Error) -> Self {
        PlansError::Database(error.into())
    }
}

impl From<muster_platform::notices::NoticeError> for PlansError {
    fn from(error: muster_platform::notices::NoticeError) -> Self {
        match error {
            muster_platform::notices::NoticeError::Database(error) => error.into(),
            muster_platform::notices::NoticeError::Queue(error) => error.into(),
        }
    }
}

impl From<muster_platform::jobs::EnqueueError> for PlansError {
    fn from(error: muster_platform::jobs::EnqueueError) -> Self {
        PlansError::Queue(error.to_string())
    }
}

pub(crate) fn invalid(field: &str, message: impl Into<String>) -> PlansError {
    PlansError::Invalid(FieldErrors::single(field, message))
}
