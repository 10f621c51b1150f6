//! GeoJSON (RFC 7946): a FeatureCollection with a Point feature per submission (no
//! geometry when it has no location), its answers as properties by question id.

use muster_domain::submissions::columns::Column;
use serde_json::{json, Map, Value};

use super::{export_error, Encoder, Ending, Record};
use crate::SubmissionsError;

#[derive(Default)]
pub(crate) struct GeoJsonEncoder {
    first: bool,
}

impl Encoder for GeoJsonEncoder {
    fn begin(&mut self, _columns: &[Column]) -> Result<Vec<u8>, SubmissionsError> {
        self.first = true;
        Ok(br#"{"type":"FeatureCollection","features":["#.to_vec())
    }

    fn rows(&mut self, columns: &[Column], rows: &[Record]) -> Result<Vec<u8>, SubmissionsError> {
        let mut out = Vec::with_capacity(rows.len() * 256);
        for row in rows {
            let mut properties = Map::new();
            properties.insert("submission".into(), json!(row.id));
            properties.insert("received_at".into(), json!(row.received_at));
            properties.insert("submitted_by".into(), json!(row.submitted_by));
            properties.insert("version".into(), json!(row.version));
            properties.insert("status".into(), json!(row.review));
            for column in columns {
                let cell = column.cell(&row.document);
                if !cell.is_empty() {
                    properties.insert(column.field.0.clone(), Value::String(cell));
                }
            }
            // GeoJSON positions are longitude first.
            let geometry = row
                .location
                .map(|(lat, lon)| json!({ "type": "Point", "coordinates": [lon, lat] }))
                .unwrap_or(Value::Null);
            let feature = json!({
                "type": "Feature",
                "id": row.id,
                "geometry": geometry,
                "properties": properties,
            });
            if !std::mem::take(&mut self.first) {
                out.push(b',');
            }
            serde_json::to_writer(&mut out, &feature).map_err(export_error)?;
        }
        Ok(out)
    }

    fn end(&mut self) -> Result<Ending, SubmissionsError> {
        Ok(Ending::Bytes(b"]}".to_vec()))
    }
}
