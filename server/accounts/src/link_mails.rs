//! Mails that carry a link (confirm the address, reset the password, accept an
//! invitation). The request that asks for one enqueues only *which* mail to send; the
//! [`MailLink`] job makes the secret when it delivers the mail, stores its hash, and
//! puts the link in the mail. No job payload (queued, retried or dead) and no log line
//! ever holds a usable link.
//!
//! A retried job makes a new secret each attempt; the mail keeps one message id, so it
//! is delivered once, and secrets of attempts whose mail never went out are useless to
//! everyone (only their hash exists) and expire.

use muster_platform::{
    jobs::{Job, JobContext, JobError, JobOptions},
    mail::OutgoingMail,
    tenancy::Scope,
    Work,
};
use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{
    mails,
    tokens::{self, Secret},
    AccountsError,
};

/// Which link mail to send, and to whom: ids only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mail", rename_all = "snake_case")]
pub enum LinkMail {
    Verification {
        user_id: Uuid,
    },
    PasswordReset {
        user_id: Uuid,
    },
    Invitation {
        invitation_id: Uuid,
        account_id: Uuid,
    },
}

/// The job that makes the link and delivers its mail.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailLink {
    /// Fixed when enqueued, so a mail delivered by a retried job goes out once.
    pub message_id: Uuid,
    #[serde(flatten)]
    pub mail: LinkMail,
}

/// Enqueues `mail` in the caller's transaction: sent if and only if it commits.
pub(crate) async fn enqueue(
    work: &Work,
    conn: &mut PgConnection,
    mail: LinkMail,
) -> Result<(), AccountsError> {
    let job = MailLink {
        message_id: Uuid::new_v4(),
        mail,
    };
    work.jobs.enqueue(conn, &job, JobOptions::default()).await?;
    Ok(())
}

impl Job for MailLink {
    const KIND: &'static str = "accounts.mail_link";

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        let work = &ctx.work;
        let mail = match self.compose(work).await {
            Ok(Some(mail)) => mail.with_message_id(self.message_id),
            // Nothing to send any more (confirmed meanwhile, invitation withdrawn…).
            Ok(None) => return Ok(()),
            Err(error) => return Err(retry_or_fatal(error)),
        };
        work.mailer.deliver(&work.db, &mail).await
    }
}

fn retry_or_fatal(error: AccountsError) -> JobError {
    match error {
        AccountsError::Database(_) | AccountsError::Internal(_) => {
            JobError::Retry(error.to_string())
        }
        other => JobError::Fatal(other.to_string()),
    }
}

impl MailLink {
    /// The mail with a fresh link whose hash is stored, or `None` if it is no longer
    /// wanted.
    async fn compose(&self, work: &Work) -> Result<Option<OutgoingMail>, AccountsError> {
        let config = &work.config.accounts;
        let invalid_address =
            |e: muster_platform::mail::MailError| AccountsError::Internal(e.to_string());
        match self.mail {
            LinkMail::Verification { user_id } => {
                let Some((email, name, verified)) = person(work, user_id).await? else {
                    return Ok(None);
                };
                if verified {
                    return Ok(None);
                }
                let secret = store_user_token(
                    work,
                    user_id,
                    "verify_email",
                    tokens::VERIFY_EMAIL_VALID_FOR,
                )
                .await?;
                mails::verification(config, &email, &name, &secret.token)
                    .map(Some)
                    .map_err(invalid_address)
            }
            LinkMail::PasswordReset { user_id } => {
                let Some((email, name, _)) = person(work, user_id).await? else {
                    return Ok(None);
                };
                let secret = store_user_token(
                    work,
                    user_id,
                    "reset_password",
                    tokens::RESET_PASSWORD_VALID_FOR,
                )
                .await?;
                mails::password_reset(config, &email, &name, &secret.token)
                    .map(Some)
                    .map_err(invalid_address)
            }
            LinkMail::Invitation {
                invitation_id,
                account_id,
            } => {
                let secret = Secret::generate()?;
                let mut tx = work.write(&Scope::account(account_id)).await?;
                // Only an invitation still open gets its link; the new hash replaces the
                // unusable one it was created with (or a previous attempt's).
                let open: Option<(String, String, Option<String>, String)> = sqlx::query_as(
                    "UPDATE invitations i SET token_hash = $2
                       FROM accounts a
                      WHERE i.id = $1 AND a.id = i.account_id
                        AND i.accepted_at IS NULL AND i.revoked_at IS NULL AND i.expires_at > now()
                  RETURNING i.email_normalized, i.role,
                            (SELECT u.name FROM users u WHERE u.id = i.invited_by), a.name",
                )
                .bind(invitation_id)
                .bind(&secret.hash)
                .fetch_optional(&mut *tx)
                .await?;
                tx.commit().await?;
                let Some((email, role, inviter, account)) = open else {
                    return Ok(None);
                };
                let role = role
                    .parse()
                    .map_err(|e| AccountsError::Internal(format!("{e}")))?;
                let inviter = inviter.unwrap_or_else(|| "Someone".to_owned());
                mails::invitation(config, &email, &inviter, &account, role, &secret.token)
                    .map(Some)
                    .map_err(invalid_address)
            }
        }
    }
}

/// The person's address, name and whether it is confirmed; `None` if they are gone.
async fn person(
    work: &Work,
    user_id: Uuid,
) -> Result<Option<(String, String, bool)>, AccountsError> {
    Ok(work
        .read(&Scope::none(), |conn, _| {
            Box::pin(
                sqlx::query_as(
                    "SELECT email_normalized, name, email_verified_at IS NOT NULL FROM users WHERE id = $1",
                )
                .bind(user_id)
                .fetch_optional(conn),
            )
        })
        .await?)
}

async fn store_user_token(
    work: &Work,
    user_id: Uuid,
    purpose: &str,
    valid_for: std::time::Duration,
) -> Result<Secret, AccountsError> {
    let secret = Secret::generate()?;
    let mut tx = work.write(&Scope::none()).await?;
    sqlx::query("INSERT INTO user_tokens (token_hash, user_id, purpose, expires_at) VALUES ($1, $2, $3, $4)")
        .bind(&secret.hash)
        .bind(user_id)
        .bind(purpose)
        .bind(tokens::expiry(valid_for))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(secret)
}
