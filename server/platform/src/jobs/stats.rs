//! What an administrator sees of the queue.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::PgPool;

use super::QUEUE_SCHEMA;

/// Counts per job kind, plus the dead and failing jobs with their errors.
#[derive(Debug, Clone, Serialize)]
pub struct QueueStats {
    pub kinds: Vec<KindStats>,
    /// Jobs that will not be retried again, newest first (at most 50).
    pub dead: Vec<DeadJob>,
    /// Jobs whose last attempt failed and that will be retried, newest first (at most 50).
    pub retrying: Vec<DeadJob>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct KindStats {
    pub kind: String,
    /// Due now and waiting for a worker.
    pub waiting: i64,
    /// Due later (scheduled, or backing off after a failure).
    pub scheduled: i64,
    pub running: i64,
    /// Failed at least once, will be retried.
    pub retrying: i64,
    pub dead: i64,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct DeadJob {
    pub id: i64,
    pub kind: String,
    pub attempts: i16,
    pub max_attempts: i16,
    pub last_error: Option<String>,
    pub run_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl QueueStats {
    /// Read from the primary: an administrator retrying a job must see it move at once.
    /// The three reads share one snapshot, so the counts and the lists describe the same
    /// moment (a job dying between two reads would otherwise be listed dead but not
    /// counted).
    pub async fn load(primary: &PgPool) -> Result<Self, sqlx::Error> {
        let mut tx = crate::db::transaction::begin(primary, Some(crate::db::BEGIN_READ)).await?;
        let kinds = sqlx::query_as::<_, KindStats>(sqlx::AssertSqlSafe(format!(
            "SELECT task_identifier AS kind,
                count(*) FILTER (WHERE locked_at IS NULL AND attempts < max_attempts AND run_at <= now()) AS waiting,
                count(*) FILTER (WHERE locked_at IS NULL AND attempts < max_attempts AND run_at > now()) AS scheduled,
                count(*) FILTER (WHERE locked_at IS NOT NULL) AS running,
                count(*) FILTER (WHERE locked_at IS NULL AND attempts < max_attempts AND last_error IS NOT NULL) AS retrying,
                count(*) FILTER (WHERE locked_at IS NULL AND attempts >= max_attempts) AS dead
             FROM {QUEUE_SCHEMA}.jobs
             GROUP BY task_identifier
             ORDER BY task_identifier"
        )))
        .fetch_all(&mut *tx)
        .await?;
        let listed = |condition: &str| {
            format!(
                "SELECT id, task_identifier AS kind, attempts, max_attempts, last_error,
                        run_at, created_at, updated_at
                 FROM {QUEUE_SCHEMA}.jobs
                 WHERE locked_at IS NULL AND {condition}
                 ORDER BY updated_at DESC, id DESC
                 LIMIT 50"
            )
        };
        let dead =
            sqlx::query_as::<_, DeadJob>(sqlx::AssertSqlSafe(listed("attempts >= max_attempts")))
                .fetch_all(&mut *tx)
                .await?;
        let retrying = sqlx::query_as::<_, DeadJob>(sqlx::AssertSqlSafe(listed(
            "attempts < max_attempts AND last_error IS NOT NULL",
        )))
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Self {
            kinds,
            dead: dead.into_iter().map(DeadJob::readable).collect(),
            retrying: retrying.into_iter().map(DeadJob::readable).collect(),
        })
    }
}

impl DeadJob {
    fn readable(mut self) -> Self {
        self.last_error = self.last_error.map(|stored| handler_message(&stored));
        self
    }
}

/// The queue library stores a handler's error as `TaskError("…")` (Rust debug
/// formatting); administrators want the handler's own words.
fn handler_message(stored: &str) -> String {
    stored
        .strip_prefix("TaskError(")
        .and_then(|rest| rest.strip_suffix(')'))
        // A debug-quoted string is a JSON string as long as it holds no `\u{…}` escapes.
        .and_then(|quoted| serde_json::from_str::<String>(quoted).ok())
        .unwrap_or_else(|| stored.to_owned())
}

#[cfg(test)]
mod tests {
    use super::handler_message;

    #[test]
    fn handler_errors_are_shown_in_their_own_words() {
        assert_eq!(
            handler_message(r#"TaskError("attempt 3 failed")"#),
            "attempt 3 failed"
        );
        assert_eq!(
            handler_message(r#"TaskError("payload: missing field `token` at \"x\"\nline 2")"#),
            "payload: missing field `token` at \"x\"\nline 2"
        );
    }

    #[test]
    fn other_errors_are_kept_as_stored() {
        assert_eq!(
            handler_message("Job recovered after worker interruption"),
            "Job recovered after worker interruption"
        );
        assert_eq!(
            handler_message("TaskPanic(\"boom\")"),
            "TaskPanic(\"boom\")"
        );
    }
}
