use chrono::{DateTime, Utc};
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusReport {
    /// "primary" or the replica's name, e.g. "replica-1".
    pub served_by: String,
    pub schema_version: Option<i64>,
    pub installed_at: Option<DateTime<Utc>>,
    pub cache_reachable: bool,
    pub checked_at: DateTime<Utc>,
}

#[server(prefix = "/api", endpoint = "load_status")]
pub async fn load_status() -> Result<StatusReport, AppError> {
    use muster_platform::{db::ReadSource, tenancy::Scope};

    let context = crate::request::context().await?;
    let work = context.work().await?;
    let muster_platform::db::Read {
        value: (schema_version, installed_at),
        source,
        ..
    } = work
        .read_with_source(&Scope::none(), |conn, _| Box::pin(read_status_row(conn)))
        .await?;
    let cache_reachable = work.redis.ping().await.is_ok();

    Ok(StatusReport {
        served_by: match source {
            ReadSource::Primary => "primary".to_owned(),
            ReadSource::Replica(name) => name,
        },
        schema_version,
        installed_at,
        cache_reachable,
        checked_at: Utc::now(),
    })
}

#[cfg(feature = "ssr")]
async fn read_status_row(
    conn: &mut sqlx::PgConnection,
) -> Result<(Option<i64>, Option<DateTime<Utc>>), sqlx::Error> {
    sqlx::query_as(
        "SELECT (SELECT max(version) FROM _sqlx_migrations WHERE success),
                (SELECT installed_at FROM muster_instance)",
    )
    .fetch_one(conn)
    .await
}
