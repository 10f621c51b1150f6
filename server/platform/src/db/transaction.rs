//! Starting a transaction that an abandoned caller cannot leave open.
//!
//! sqlx's `begin` is not safe to drop half-way: dropped after `BEGIN` went out but before
//! its answer, it returns the connection to the pool *inside* the transaction (its
//! rollback guard only acts on a transaction it has already counted). The next caller's
//! `BEGIN` is then ignored with a warning, and its work runs in the abandoned transaction:
//! a write fails as read-only, a read sees an old snapshot. Axum drops a request's future
//! whenever the client goes away (a browser navigating off a page does), so `BEGIN` runs
//! on a task of its own: an abandoned caller leaves it to finish, and the finished
//! transaction is dropped there, which rolls it back before the connection is reused.

use sqlx::{PgPool, Postgres, Transaction};

/// Begins a transaction on `pool` with `statement` (`BEGIN` when `None`).
pub(crate) async fn begin(
    pool: &PgPool,
    statement: Option<&'static str>,
) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
    let pool = pool.clone();
    let begun = tokio::spawn(async move {
        match statement {
            Some(statement) => pool.begin_with(statement).await,
            None => pool.begin().await,
        }
    })
    .await;
    match begun {
        Ok(result) => result,
        Err(join) if join.is_panic() => std::panic::resume_unwind(join.into_panic()),
        // Only a runtime shutting down cancels the task.
        Err(_) => Err(sqlx::Error::PoolClosed),
    }
}
