//! A write transaction on the primary that reports where its commit landed in the WAL.

use std::ops::{Deref, DerefMut};

use sqlx::{PgConnection, Postgres, Transaction};

use super::{Database, DbError, Lsn};
use crate::tenancy::{self, Scope};

/// A tenant-scoped transaction on the primary (from [`Database::write`]). Dereferences
/// to the connection, so queries run on it with `&mut *tx`. Dropped uncommitted, it
/// rolls back.
pub struct WriteTx {
    tx: Transaction<'static, Postgres>,
    db: Database,
}

impl WriteTx {
    pub(super) fn new(tx: Transaction<'static, Postgres>, db: Database) -> Self {
        Self { tx, db }
    }

    pub(crate) async fn enter(&mut self, scope: &Scope) -> Result<(), DbError> {
        Ok(tenancy::enter(&mut self.tx, scope).await?)
    }

    /// Undoes everything (as dropping it does, but waiting for the server to confirm).
    pub async fn rollback(self) -> Result<(), DbError> {
        Ok(self.tx.rollback().await?)
    }

    /// Commits and returns a WAL position at or past the commit record: every read that
    /// requires it sees this transaction's changes.
    ///
    /// If the position cannot be read after a successful commit, the write still
    /// happened: the answer is then [`Lsn::UNKNOWN`], which sends the caller's reads to
    /// the primary until their next write.
    pub async fn commit(self) -> Result<Lsn, DbError> {
        self.tx.commit().await?;
        match self.db.primary_lsn().await {
            Ok(lsn) => Ok(lsn),
            Err(error) => {
                tracing::warn!(%error, "committed, but the WAL position could not be read; this caller reads from the primary until its next write");
                Ok(Lsn::UNKNOWN)
            }
        }
    }
}

impl Deref for WriteTx {
    type Target = PgConnection;

    fn deref(&self) -> &PgConnection {
        &self.tx
    }
}

impl DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.tx
    }
}
