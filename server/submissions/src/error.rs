use muster_accounts::AccountsError;
use muster_domain::accounts::FieldErrors;
use muster_platform::db::DbError;

/// What can go wrong with submissions; the web layer maps each to a status and message
/// once.
#[derive(Debug, thiserror::Error)]
pub enum SubmissionsError {
    /// Answers the person can correct, by path (`visits.1.duration`), with the messages
    /// the runner shows.
    #[error("invalid answers: {0:?}")]
    Invalid(FieldErrors),
    /// Not a submission of this form at all (made for another version, or not by the
    /// runner); the text says what is wrong.
    #[error("{0}")]
    Malformed(String),
    /// This device-made id was stored before with other answers.
    #[error("the submission id was used before with other answers")]
    Conflict,
    #[error("not found")]
    NotFound,
    /// A download whose time is up.
    #[error("expired")]
    Expired,
    /// A filter, sort or page link that cannot be read; says which and why.
    #[error("{0}")]
    BadQuery(muster_domain::submissions::query::QueryError),
    #[error(transparent)]
    Accounts(#[from] AccountsError),
    #[error(transparent)]
    Apps(#[from] muster_apps::AppsError),
    #[error(transparent)]
    Media(#[from] muster_media::MediaError),
    #[error(transparent)]
    Database(#[from] DbError),
    /// The webhook service failed (not a refused URL: that is `Invalid`).
    #[error("webhooks: {0}")]
    Webhook(String),
    /// An export could not be written (a temporary file, the encoder).
    #[error("the export failed: {0}")]
    Export(String),
    /// The background job could not be enqueued: nothing was stored.
    #[error("could not enqueue the submission's processing: {0}")]
    Queue(String),
}

impl From<sqlx::Error> for SubmissionsError {
    fn from(error: sqlx::Error) -> Self {
        SubmissionsError::Database(error.into())
    }
}
