use muster_accounts::AccountsError;
use muster_platform::{db::DbError, storage::StorageError};

/// What can go wrong with an upload or a stored file; the web layer maps each to a
/// status and message once.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// Not a file Muster takes (its type or its content); the text says what is wrong.
    #[error("{0}")]
    Unsupported(String),
    /// Larger than allowed (the declaration, or a chunk); the text says the limit.
    #[error("{0}")]
    TooLarge(String),
    /// A request that does not make sense for this upload; the text says why.
    #[error("{0}")]
    Malformed(String),
    /// The chunk does not start where the upload stands: the device resumes from
    /// `received`.
    #[error("this upload stands at byte {received}")]
    WrongOffset { received: u64 },
    /// This id was declared before for another file.
    #[error("the file id was used before for another file")]
    Conflict,
    /// Files a submission names that have not (fully) arrived, or are not the caller's.
    #[error("{0}")]
    Missing(String),
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Accounts(#[from] AccountsError),
    #[error(transparent)]
    Database(#[from] DbError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("could not enqueue: {0}")]
    Queue(String),
}

impl From<sqlx::Error> for MediaError {
    fn from(error: sqlx::Error) -> Self {
        MediaError::Database(error.into())
    }
}
