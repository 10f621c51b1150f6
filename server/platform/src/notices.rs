//! Telling a person something: a notice in the app (the `notifications` table, and a
//! poke on their inbox topic once committed) and the same by e-mail with a link. Both
//! are written in the caller's transaction: a notice exists, and its mail is sent,
//! exactly when the change it reports is stored. Call-ins and webhook endpoints that
//! Muster switched off both tell people through here.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::{db::Lsn, jobs::EnqueueError, mail::OutgoingMail, Work};

/// One notice for one person.
pub struct Notice {
    pub user: Uuid,
    /// What it is about (`call_in`, `webhook_disabled`…): the inbox may show them apart.
    pub kind: &'static str,
    pub title: String,
    pub body: String,
    /// A path in Muster (`/call-ins/…`), made absolute for the mail.
    pub link: String,
}

#[derive(Debug, thiserror::Error)]
pub enum NoticeError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("could not enqueue the notice's mail: {0}")]
    Queue(#[from] EnqueueError),
}

/// The realtime topic on which a person's inbox hears that it changed.
pub fn inbox_topic(user: Uuid) -> String {
    format!("inbox:{user}")
}

/// Stores `notice` and enqueues its mail, in `tx`. Returns the user whose inbox to
/// [`poke`] once the transaction commits.
pub async fn notify(
    work: &Work,
    tx: &mut PgConnection,
    account: Uuid,
    notice: Notice,
) -> Result<Uuid, NoticeError> {
    sqlx::query(
        "INSERT INTO notifications (id, account_id, user_id, kind, title, body, link) VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(Uuid::new_v4())
    .bind(account)
    .bind(notice.user)
    .bind(notice.kind)
    .bind(&notice.title)
    .bind(&notice.body)
    .bind(&notice.link)
    .execute(&mut *tx)
    .await?;
    let person: Option<(String, String)> =
        sqlx::query_as("SELECT email, name FROM users WHERE id = $1")
            .bind(notice.user)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some((email, name)) = person {
        let url = format!(
            "{}{}",
            work.config
                .accounts
                .public_url
                .as_str()
                .trim_end_matches('/'),
            notice.link
        );
        let text = format!(
            "Hello {name},\n\n{}\n\n{}\n\nOpen it in Muster: {url}\n",
            notice.title, notice.body
        );
        match OutgoingMail::new(&email, Some(&name), notice.title.clone(), text) {
            Ok(mail) => {
                crate::mail::send(&work.jobs, tx, mail).await?;
            }
            // The in-app notice stands; a broken address is the account's to fix.
            Err(error) => {
                tracing::warn!(%error, user = %notice.user, kind = notice.kind, "notice mail not sent: bad address")
            }
        }
    }
    Ok(notice.user)
}

/// Tells `user`'s open inboxes to reload, once the notice committed at `position`.
pub async fn poke(work: &Work, user: Uuid, position: Lsn) {
    let payload = serde_json::json!({ "event": "changed" });
    if let Err(error) = work
        .hub
        .publish(&inbox_topic(user), payload, Some(position))
        .await
    {
        tracing::warn!(%error, %user, "inbox event not delivered");
    }
}
