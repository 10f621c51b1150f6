//! Exports of an app's submissions — CSV, XLSX, GeoJSON — of exactly the rows a table
//! filter selects, with one column per question across all versions. Rows are read in
//! keyset batches from the replicas and encoded as they come, so memory stays flat
//! whatever the size: a CSV or GeoJSON starts downloading at once; an XLSX (a zip that
//! is only complete at its end) is built in temporary files and then sent.
//!
//! The work runs on a blocking thread (encoding is CPU work) and hands chunks over a
//! small bounded channel: a slow download slows the reading, and a download given up
//! stops it.

mod csv;
mod geojson;
pub mod prepared;
mod xlsx;

use std::io::Read;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use muster_accounts::Actor;
use muster_domain::{
    accounts::Capability,
    forms::submission::Document,
    submissions::{
        columns::Column,
        query::{Filter, Order},
    },
};
use muster_platform::Work;
use sqlx::{types::Json, Postgres, QueryBuilder};
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::{
    selection::{push_page, Keyset, Selection},
    table::layout,
    SubmissionsError, BUILDERS_ONLY,
};

/// Rows read per batch.
const BATCH: i64 = 5_000;
/// Chunks waiting to be sent: bounds the memory an export holds.
const CHANNEL: usize = 4;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
    GeoJson,
}

impl ExportFormat {
    pub fn parse(extension: &str) -> Option<Self> {
        match extension {
            "csv" => Some(Self::Csv),
            "xlsx" => Some(Self::Xlsx),
            "geojson" => Some(Self::GeoJson),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
            Self::GeoJson => "geojson",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Self::GeoJson => "application/geo+json",
        }
    }
}

/// One exported submission.
pub(crate) struct Record {
    pub id: Uuid,
    pub received_at: DateTime<Utc>,
    pub submitted_by: Option<String>,
    pub version: i32,
    pub review: String,
    pub processing: String,
    /// Latitude, longitude.
    pub location: Option<(f64, f64)>,
    pub document: Document,
}

/// The columns every export starts with, before the questions.
pub(crate) const FIXED: [&str; 8] = [
    "Submission",
    "Received (UTC)",
    "Submitted by",
    "Version",
    "Status",
    "Processing",
    "Latitude",
    "Longitude",
];

impl Record {
    /// The fixed columns' values, as text.
    pub(crate) fn fixed(&self) -> [String; 8] {
        let (latitude, longitude) = self
            .location
            .map(|(lat, lon)| (lat.to_string(), lon.to_string()))
            .unwrap_or_default();
        [
            self.id.to_string(),
            self.received_at
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            self.submitted_by.clone().unwrap_or_default(),
            self.version.to_string(),
            self.review.clone(),
            self.processing.clone(),
            latitude,
            longitude,
        ]
    }
}

/// How rows become bytes in one format.
pub(crate) trait Encoder: Send {
    /// The start of the file (a header row).
    fn begin(&mut self, columns: &[Column]) -> Result<Vec<u8>, SubmissionsError>;
    /// Bytes for `rows`, to send now (XLSX keeps them until the end).
    fn rows(&mut self, columns: &[Column], rows: &[Record]) -> Result<Vec<u8>, SubmissionsError>;
    /// The rest of the file.
    fn end(&mut self) -> Result<Ending, SubmissionsError>;
}

pub(crate) enum Ending {
    Bytes(Vec<u8>),
    /// The whole file, built on disk.
    File(tempfile::NamedTempFile),
}

/// An export, checked and ready to run: the caller may see the app's submissions, the
/// filter is valid.
pub struct Export {
    work: Work,
    actor: Actor,
    selection: Selection,
    order: Order,
    columns: Vec<Column>,
    app_name: String,
    pub format: ExportFormat,
}

/// Checks that `actor` may export `app`'s submissions selected by `filter`.
pub async fn prepare(
    work: &Work,
    actor: &Actor,
    app: Uuid,
    filter: &Filter,
    order: Order,
    format: ExportFormat,
) -> Result<Export, SubmissionsError> {
    actor.require(Capability::Build, BUILDERS_ONLY)?;
    let layout = layout(work, actor, app).await?;
    let selection = Selection::new(app, filter, &layout.columns)?;
    Ok(Export {
        work: work.clone(),
        actor: actor.clone(),
        selection,
        order,
        columns: layout.columns,
        app_name: layout.name,
        format,
    })
}

/// Chunks of an export's file, in order; an `Err` ends it (the file is incomplete).
pub type Chunks = mpsc::Receiver<Result<Bytes, SubmissionsError>>;

impl Export {
    /// `inspections-2026-12-07.csv`: the app's name made safe for a file name.
    pub fn file_name(&self) -> String {
        let stem: String = self
            .app_name
            .chars()
            .map(|c| {
                if c.is_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect::<String>()
            .split('-')
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        let stem = if stem.is_empty() {
            "submissions".to_owned()
        } else {
            stem
        };
        format!(
            "{stem}-{}.{}",
            Utc::now().format("%Y-%m-%d"),
            self.format.extension()
        )
    }

    /// Starts the export; its file arrives on the returned channel. `progress` hears
    /// how many rows are done after each batch.
    pub fn start(self, progress: impl FnMut(u64) + Send + 'static) -> Chunks {
        let (sender, receiver) = mpsc::channel(CHANNEL);
        let runtime = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            if let Err(error) = self.run(&runtime, &sender, progress) {
                tracing::warn!(%error, "export stopped");
                let _ = sender.blocking_send(Err(error));
            }
        });
        receiver
    }

    fn run(
        self,
        runtime: &tokio::runtime::Handle,
        sender: &mpsc::Sender<Result<Bytes, SubmissionsError>>,
        mut progress: impl FnMut(u64),
    ) -> Result<(), SubmissionsError> {
        // The receiver is gone: nobody wants the rest.
        let send = |bytes: Vec<u8>| -> Result<bool, SubmissionsError> {
            if bytes.is_empty() {
                return Ok(true);
            }
            Ok(sender.blocking_send(Ok(Bytes::from(bytes))).is_ok())
        };
        let mut encoder: Box<dyn Encoder> = match self.format {
            ExportFormat::Csv => Box::new(csv::CsvEncoder),
            ExportFormat::GeoJson => Box::new(geojson::GeoJsonEncoder::default()),
            ExportFormat::Xlsx => Box::new(xlsx::XlsxEncoder::new()?),
        };
        if !send(encoder.begin(&self.columns)?)? {
            return Ok(());
        }
        let mut after: Option<Keyset> = None;
        let mut done: u64 = 0;
        loop {
            let batch = runtime.block_on(self.batch(after))?;
            let Some(last) = batch.last() else { break };
            after = Some(Keyset {
                received_at: last.received_at,
                id: last.id,
            });
            done += batch.len() as u64;
            if !send(encoder.rows(&self.columns, &batch)?)? {
                return Ok(());
            }
            progress(done);
            if (batch.len() as i64) < BATCH {
                break;
            }
        }
        match encoder.end()? {
            Ending::Bytes(bytes) => {
                send(bytes)?;
            }
            Ending::File(file) => {
                let mut file = file.reopen().map_err(export_error)?;
                let mut buffer = vec![0; 256 * 1024];
                loop {
                    let read = file.read(&mut buffer).map_err(export_error)?;
                    if read == 0 || !send(buffer[..read].to_vec())? {
                        break;
                    }
                }
            }
        }
        Ok(())
    }

    async fn batch(&self, after: Option<Keyset>) -> Result<Vec<Record>, SubmissionsError> {
        type Row = (
            Uuid,
            i32,
            Option<String>,
            DateTime<Utc>,
            String,
            String,
            Json<Document>,
            Option<f64>,
            Option<f64>,
        );
        let rows: Vec<Row> = self
            .work
            .read(&self.actor.scope(), |conn, _| {
                let selection = &self.selection;
                let order = self.order;
                Box::pin(async move {
                    let mut sql = QueryBuilder::<Postgres>::new(
                        "SELECT s.id, s.version, u.name, s.received_at, s.review_status, s.status, s.document,
                                ST_Y(s.location::geometry), ST_X(s.location::geometry)
                           FROM submissions s LEFT JOIN users u ON u.id = s.submitted_by",
                    );
                    selection.push_where(&mut sql);
                    push_page(&mut sql, order, after, BATCH);
                    sql.build_query_as().persistent(false).fetch_all(conn).await
                })
            })
            .await?;
        Ok(rows
            .into_iter()
            .map(
                |(
                    id,
                    version,
                    submitted_by,
                    received_at,
                    review,
                    processing,
                    Json(document),
                    lat,
                    lon,
                )| {
                    Record {
                        id,
                        received_at,
                        submitted_by,
                        version,
                        review,
                        processing,
                        location: lat.zip(lon),
                        document,
                    }
                },
            )
            .collect())
    }
}

pub(crate) fn export_error(error: impl std::fmt::Display) -> SubmissionsError {
    SubmissionsError::Export(error.to_string())
}
