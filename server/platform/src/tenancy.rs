//! Tenant scoping of database work. Row level security on every tenant-owned table
//! shows a transaction only the rows of the account named by `muster.account_id` (and
//! the user's own memberships, and an invitation whose secret it presents). These
//! settings are set with `set_config(…, true)`: they end with the transaction, so a
//! pooled connection never carries one request's tenant into the next.
//!
//! Only the database layer applies a scope ([`crate::db::Database::read`] and
//! [`crate::db::Database::write`]); features name the scope and never set it by hand.

use sqlx::{postgres::PgArguments, query::Query, PgConnection, Postgres, Row};
use uuid::Uuid;

use crate::db::Lsn;

/// Whose rows a transaction may see and change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub account_id: Option<Uuid>,
    pub user_id: Option<Uuid>,
    /// The SHA-256 (hex) of an invitation secret the user presented.
    pub invitation_token_hash: Option<String>,
}

impl Scope {
    /// Nothing tenant-owned is visible: for users, sessions and e-mail links.
    pub fn none() -> Self {
        Self::default()
    }

    pub fn account(account_id: Uuid) -> Self {
        Self {
            account_id: Some(account_id),
            ..Self::default()
        }
    }

    pub fn user(user_id: Uuid) -> Self {
        Self {
            user_id: Some(user_id),
            ..Self::default()
        }
    }

    pub fn with_user(mut self, user_id: Uuid) -> Self {
        self.user_id = Some(user_id);
        self
    }

    pub fn with_invitation(mut self, token_hash: String) -> Self {
        self.invitation_token_hash = Some(token_hash);
        self
    }
}

/// Applies `scope` to the transaction `conn` is in (replacing any earlier scope).
pub(crate) async fn enter(conn: &mut PgConnection, scope: &Scope) -> Result<(), sqlx::Error> {
    scoped_statement(scope).execute(conn).await?;
    Ok(())
}

/// [`enter`], in the same round trip reading the WAL position the transaction's
/// snapshot includes: how far a replica has replayed, or the primary's insert position.
pub(crate) async fn enter_reporting_position(
    conn: &mut PgConnection,
    scope: &Scope,
) -> Result<Option<Lsn>, sqlx::Error> {
    let row = scoped_statement(scope).fetch_one(conn).await?;
    let position: Option<String> = row.try_get("position")?;
    Ok(position.and_then(|text| text.parse().ok()))
}

fn scoped_statement(scope: &Scope) -> Query<'_, Postgres, PgArguments> {
    sqlx::query(
        "SELECT set_config('muster.account_id', COALESCE($1::text, ''), true),
                set_config('muster.user_id', COALESCE($2::text, ''), true),
                set_config('muster.invitation_token_hash', COALESCE($3, ''), true),
                (CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()
                      ELSE pg_current_wal_insert_lsn() END)::text AS position",
    )
    .bind(scope.account_id.map(|id| id.to_string()))
    .bind(scope.user_id.map(|id| id.to_string()))
    .bind(scope.invitation_token_hash.as_deref())
}
