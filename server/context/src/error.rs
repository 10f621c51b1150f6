use muster_accounts::AccountsError;
use muster_platform::db::DbError;

/// Why the request context could not say who is asking.
#[derive(Debug, thiserror::Error)]
pub enum ContextError {
    #[error("not signed in")]
    SignInRequired,
    /// Signed in, but a member of no account.
    #[error("the user belongs to no account")]
    NoAccount,
    #[error(transparent)]
    Accounts(#[from] AccountsError),
    #[error(transparent)]
    Database(#[from] DbError),
    /// The session store failed (the session is kept in Postgres).
    #[error("session store: {0}")]
    Session(#[from] tower_sessions::session::Error),
    /// The middleware did not run for this request: a wiring mistake, not the user's.
    #[error("no request context: the `muster_context::provide` middleware is missing")]
    Missing,
}
