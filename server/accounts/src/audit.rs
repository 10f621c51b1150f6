//! The per-account audit log: who did what, when, from where. Written in the same
//! transaction as the change it records, so it can neither miss nor invent one.

use muster_domain::accounts::{views::AuditEventView, Capability};
use muster_platform::{client_ip::ClientIp, Work};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{members::Actor, AccountsError};

/// What happened. Stored by its `as_str` name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    AccountCreated,
    SignedIn,
    SignInFailed,
    PasswordReset,
    InvitationSent,
    InvitationRevoked,
    InvitationAccepted,
    RoleChanged,
    MemberRemoved,
    MemberLeft,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::AccountCreated => "account.created",
            Action::SignedIn => "user.signed_in",
            Action::SignInFailed => "user.sign_in_failed",
            Action::PasswordReset => "user.password_reset",
            Action::InvitationSent => "invitation.sent",
            Action::InvitationRevoked => "invitation.revoked",
            Action::InvitationAccepted => "invitation.accepted",
            Action::RoleChanged => "member.role_changed",
            Action::MemberRemoved => "member.removed",
            Action::MemberLeft => "member.left",
        }
    }
}

/// One entry, recorded in the account the transaction is scoped to.
pub struct Entry<'a> {
    pub account_id: Uuid,
    pub actor: Option<(Uuid, &'a str)>,
    pub action: Action,
    pub subject: Option<&'a str>,
    pub detail: Option<String>,
    pub client_ip: Option<ClientIp>,
}

impl<'a> Entry<'a> {
    /// Something `actor` did in their current account.
    pub fn by(
        actor: &'a Actor,
        action: Action,
        subject: Option<&'a str>,
        detail: Option<String>,
        client_ip: ClientIp,
    ) -> Self {
        Self {
            account_id: actor.account_id,
            actor: Some((actor.user_id, &actor.email)),
            action,
            subject,
            detail,
            client_ip: Some(client_ip),
        }
    }
}

pub async fn record(conn: &mut PgConnection, entry: Entry<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO audit_events (account_id, actor_user_id, actor_email, action, subject, detail, client_ip)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(entry.account_id)
    .bind(entry.actor.map(|(id, _)| id))
    .bind(entry.actor.map(|(_, email)| email))
    .bind(entry.action.as_str())
    .bind(entry.subject)
    .bind(entry.detail)
    .bind(entry.client_ip.map(|ip| ip.to_string()))
    .execute(conn)
    .await?;
    Ok(())
}

/// The newest 200 entries of the actor's account; owners and admins only.
pub async fn recent(work: &Work, actor: &Actor) -> Result<Vec<AuditEventView>, AccountsError> {
    actor.require(
        Capability::ViewAuditLog,
        "Only owners and admins can read the audit log.",
    )?;
    type Row = (
        chrono::DateTime<chrono::Utc>,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<Row> = work
        .read(&actor.scope(), |conn, _| Box::pin(async move {
            sqlx::query_as(
                "SELECT occurred_at, actor_email, action, subject, detail, client_ip FROM audit_events
                  ORDER BY occurred_at DESC, id DESC LIMIT 200",
            )
            .fetch_all(conn)
            .await
        }))
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(occurred_at, actor, action, subject, detail, client_ip)| AuditEventView {
                occurred_at,
                actor,
                action,
                subject,
                detail,
                client_ip,
            },
        )
        .collect())
}
