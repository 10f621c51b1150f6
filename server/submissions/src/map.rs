//! An app's submissions on a map: the table's filters, and the part of the map in
//! view (or near a point), answered from the spatial indexes. At most [`MAX_PINS`]
//! pins: the map clusters them, and asks again as the person zooms in.

use chrono::{DateTime, Utc};
use muster_accounts::Actor;
use muster_domain::{
    accounts::Capability,
    maps::MapTiles,
    submissions::{
        query::Filter,
        views::{SubmissionPin, SubmissionPins},
    },
};
use muster_platform::Work;
use sqlx::{Postgres, QueryBuilder};
use uuid::Uuid;

use crate::{selection::Selection, table::layout, SubmissionsError, BUILDERS_ONLY};

/// The most pins one answer carries.
pub const MAX_PINS: i64 = 5_000;

fn pins_query(selection: &Selection, prefix: &str) -> QueryBuilder<Postgres> {
    let mut sql = QueryBuilder::<Postgres>::new(format!(
        "{prefix}SELECT s.id, ST_Y(s.location::geometry), ST_X(s.location::geometry), s.received_at
           FROM submissions s"
    ));
    selection.push_where(&mut sql);
    sql.push(" AND s.location IS NOT NULL LIMIT ")
        .push_bind(MAX_PINS + 1);
    sql
}

/// The plan Postgres makes for the pins of `filter` (`EXPLAIN`): which index answers
/// it. For benchmarks and tests, which must show the spatial index at work.
pub async fn explain(
    work: &Work,
    actor: &Actor,
    app: Uuid,
    filter: &Filter,
) -> Result<String, SubmissionsError> {
    actor.require(Capability::Build, BUILDERS_ONLY)?;
    let layout = layout(work, actor, app).await?;
    let selection = Selection::new(app, filter, &layout.columns)?;
    let lines: Vec<String> = work
        .read(&actor.scope(), |conn, _| {
            let selection = &selection;
            Box::pin(async move {
                pins_query(selection, "EXPLAIN ")
                    .build_query_scalar()
                    .fetch_all(conn)
                    .await
            })
        })
        .await?;
    Ok(lines.join("\n"))
}

pub async fn pins(
    work: &Work,
    actor: &Actor,
    app: Uuid,
    filter: &Filter,
) -> Result<SubmissionPins, SubmissionsError> {
    actor.require(Capability::Build, BUILDERS_ONLY)?;
    let layout = layout(work, actor, app).await?;
    let selection = Selection::new(app, filter, &layout.columns)?;
    let mut rows: Vec<(Uuid, f64, f64, DateTime<Utc>)> = work
        .read(&actor.scope(), |conn, _| {
            let selection = &selection;
            Box::pin(async move {
                pins_query(selection, "")
                    .build_query_as()
                    .persistent(false)
                    .fetch_all(conn)
                    .await
            })
        })
        .await?;
    let more = rows.len() as i64 > MAX_PINS;
    rows.truncate(MAX_PINS as usize);
    Ok(SubmissionPins {
        app_name: layout.name,
        pins: rows
            .into_iter()
            .map(|(id, latitude, longitude, received_at)| SubmissionPin {
                id: id.to_string(),
                latitude,
                longitude,
                received_at,
            })
            .collect(),
        more,
        map: MapTiles {
            url: work.config.map.tile_url.clone(),
            attribution: work.config.map.attribution.clone(),
            max_zoom: work.config.map.max_zoom,
        },
    })
}
