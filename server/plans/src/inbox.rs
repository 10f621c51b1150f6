//! A person's inbox: the notices Muster left them (through
//! [`muster_platform::notices`]), newest first.

use muster_platform::Work;
use uuid::Uuid;

use crate::PlansError;

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
