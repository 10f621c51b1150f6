//! Telling a person something: a notice in the app (the `notifications` table, and a
//! poke on their inbox topic once committed) and the same by e-mail with a link. Both
//! are written in the caller's transaction: a notice exists, and its mail is sent,
//! exactly when the change it reports is stored.

use muster_platform::{mail::OutgoingMail, Work};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::PlansError;

pub(crate) struct Notice {
    pub user: Uuid,
    pub kind: &'static str,
    pub title: String,
    pub body: String,
    /// A path in Muster (`/call-ins/…`), made absolute for the mail.
    pub link: String,
}

/// Stores `notice` and enqueues its mail, in `tx`. Returns the user to poke once the
/// transaction commits.
pub(crate) async fn notify(
    work: &Work,
    tx: &mut PgConnection,
    account: Uuid,
    notice: Notice,
) -> Result<Uuid, PlansError> {
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
                muster_platform::mail::send(&work.jobs, tx, mail).await?;
            }
            // The in-app notice stands; a broken address is the account's to fix.
            Err(error) => {
                tracing::warn!(%error, user = %notice.user, "call-in mail not sent: bad address")
            }
        }
    }
    Ok(notice.user)
}

/// The in-app notices of the signed-in user, newest first.
pub async fn notices(
    work: &Work,
    actor: &muster_accounts::Actor,
) -> Result<Vec<muster_domain::plans::views::Notice>, PlansError> {
    let user = actor.user_id;
    type Row = (
        Uuid,
        String,
        String,
        String,
        Option<String>,
        chrono::DateTime<chrono::Utc>,
        bool,
    );
    let rows: Vec<Row> = work
        .read(&actor.scope(), |conn, _| {
            Box::pin(async move {
                sqlx::query_as(
                    "SELECT id, kind, title, body, link, created_at, read_at IS NOT NULL
                       FROM notifications WHERE user_id = $1 ORDER BY created_at DESC, id LIMIT 50",
                )
                .bind(user)
                .fetch_all(conn)
                .await
            })
        })
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, kind, title, body, link, created_at, read)| {
            muster_domain::plans::views::Notice {
                id: id.to_string(),
                kind,
                title,
                body,
                link,
                created_at,
                read,
            }
        })
        .collect())
}
