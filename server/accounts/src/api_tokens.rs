//! API tokens: admins make them for outside systems, which present them to `/api/v1`.
//! A token is `mst_` and 256 random bits, shown once; the database keeps its SHA-256.
//! It acts for the admin who made it, so it stops working when they are no longer an
//! owner or admin here, and at once when revoked.

use chrono::{DateTime, Utc};
use muster_domain::accounts::{
    views::{ApiScope, ApiTokenView, NewApiToken},
    Capability, FieldErrors, Role,
};
use muster_platform::Work;
use uuid::Uuid;

use crate::{
    members::{self, Actor},
    tokens::{hash, Secret},
    AccountsError,
};

/// What every token starts with: secret scanners (and people) recognise it.
pub const PREFIX: &str = "mst_";
const ADMINS_ONLY: &str = "Only owners and admins can manage API tokens.";

type Row = (
    Uuid,
    String,
    String,
    Option<String>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

fn view((id, name, scope, created_by, created_at, last_used_at, revoked_at): Row) -> ApiTokenView {
    ApiTokenView {
        id: id.to_string(),
        name,
        scope: ApiScope::parse(&scope).unwrap_or(ApiScope::Read),
        created_by,
        created_at,
        last_used_at,
        revoked_at,
    }
}

pub async fn create(
    work: &Work,
    actor: &Actor,
    name: &str,
    scope: ApiScope,
) -> Result<NewApiToken, AccountsError> {
    actor.require(Capability::ManageMembers, ADMINS_ONLY)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AccountsError::Invalid(FieldErrors::single(
            "name",
            "Give the token a name of 1 to 100 characters (what uses it).",
        )));
    }
    let secret = Secret::generate()?;
    let token = format!("{PREFIX}{}", secret.token);
    let id = Uuid::new_v4();
    let mut tx = work.write(&actor.scope()).await?;
    let created_at: DateTime<Utc> = sqlx::query_scalar(
        "INSERT INTO api_tokens (id, account_id, name, secret_hash, scope, created_by)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING created_at",
    )
    .bind(id)
    .bind(actor.account_id)
    .bind(name)
    .bind(hash(&token))
    .bind(scope.as_str())
    .bind(actor.user_id)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(NewApiToken {
        token: ApiTokenView {
            id: id.to_string(),
            name: name.to_owned(),
            scope,
            created_by: Some(actor.name.clone()),
            created_at,
            last_used_at: None,
            revoked_at: None,
        },
        secret: token,
    })
}

pub async fn list(work: &Work, actor: &Actor) -> Result<Vec<ApiTokenView>, AccountsError> {
    actor.require(Capability::ManageMembers, ADMINS_ONLY)?;
    let rows: Vec<Row> = work
        .read(&actor.scope(), |conn, _| {
            Box::pin(async move {
                sqlx::query_as(
                    "SELECT t.id, t.name, t.scope, u.name, t.created_at, t.last_used_at, t.revoked_at
                       FROM api_tokens t LEFT JOIN users u ON u.id = t.created_by
                      ORDER BY t.revoked_at IS NOT NULL, t.created_at DESC",
                )
                .fetch_all(conn)
                .await
            })
        })
        .await?;
    Ok(rows.into_iter().map(view).collect())
}

pub async fn revoke(work: &Work, actor: &Actor, id: Uuid) -> Result<(), AccountsError> {
    actor.require(Capability::ManageMembers, ADMINS_ONLY)?;
    let mut tx = work.write(&actor.scope()).await?;
    let revoked =
        sqlx::query("UPDATE api_tokens SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
    if revoked.rows_affected() == 0 {
        return Err(AccountsError::NotFound);
    }
    tx.commit().await?;
    Ok(())
}

/// Who a presented token acts as, and what it may do.
pub struct TokenCaller {
    pub token_id: Uuid,
    pub actor: Actor,
    pub scope: ApiScope,
}

/// The caller a presented token stands for; `NotSignedIn` for anything that is not a
/// live token (unknown, revoked, or its admin gone). Read on the primary: a revocation
/// holds from the moment it is made.
pub async fn authenticate(work: &Work, presented: &str) -> Result<TokenCaller, AccountsError> {
    if !presented.starts_with(PREFIX) {
        return Err(AccountsError::NotSignedIn);
    }
    let presented_hash = hash(presented);
    type Found = (Uuid, Uuid, Uuid, String, Option<DateTime<Utc>>);
    let found: Option<Found> = work
        .read_latest(&muster_platform::tenancy::Scope::none(), |conn, _| {
            let presented_hash = &presented_hash;
            Box::pin(async move {
                sqlx::query_as(
                    "SELECT id, account_id, created_by, scope, last_used_at FROM muster_api_token($1)",
                )
                    .bind(presented_hash)
                    .fetch_optional(conn)
                    .await
            })
        })
        .await?;
    let (token_id, account_id, created_by, scope, last_used_at) =
        found.ok_or(AccountsError::NotSignedIn)?;
    let actor = match members::actor(work, created_by, account_id).await {
        Ok(actor) if matches!(actor.role, Role::Owner | Role::Admin) => actor,
        Ok(_) | Err(AccountsError::NotAMember) => return Err(AccountsError::NotSignedIn),
        Err(error) => return Err(error),
    };
    // Kept to the minute: a busy integration does not write on every call.
    let stale = last_used_at.is_none_or(|at| Utc::now() - at > chrono::Duration::minutes(1));
    if stale {
        let mut tx = work.write(&actor.scope()).await?;
        sqlx::query("UPDATE api_tokens SET last_used_at = now() WHERE id = $1")
            .bind(token_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
    }
    Ok(TokenCaller {
        token_id,
        actor,
        scope: ApiScope::parse(&scope).unwrap_or(ApiScope::Read),
    })
}
