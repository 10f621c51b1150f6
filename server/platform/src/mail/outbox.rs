//! The development outbox: mail stored in Postgres instead of sent, listed at
//! `/dev/mail`. Only for installations that enable it (`MUSTER_DEV_OUTBOX=1`): the mails
//! hold sign-in links.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

use super::OutgoingMail;

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredMail {
    pub message_id: Uuid,
    pub to_address: String,
    pub to_name: Option<String>,
    pub subject: String,
    pub body_text: String,
    pub stored_at: DateTime<Utc>,
}

/// Stores `mail` once, however often it is delivered.
pub async fn store(primary: &PgPool, mail: &OutgoingMail) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO dev_outbox (message_id, to_address, to_name, subject, body_text)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (message_id) DO NOTHING",
    )
    .bind(mail.message_id)
    .bind(&mail.to_address)
    .bind(&mail.to_name)
    .bind(&mail.subject)
    .bind(&mail.body_text)
    .execute(primary)
    .await?;
    Ok(())
}

/// The newest mails first.
pub async fn recent(
    conn: &mut sqlx::PgConnection,
    limit: i64,
) -> Result<Vec<StoredMail>, sqlx::Error> {
    sqlx::query_as(
        "SELECT message_id, to_address, to_name, subject, body_text, stored_at
         FROM dev_outbox ORDER BY stored_at DESC, message_id LIMIT $1",
    )
    .bind(limit)
    .fetch_all(conn)
    .await
}
