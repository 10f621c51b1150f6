//! Maps as pages receive them: where the background tiles come from (configured by the
//! operator, `MUSTER_MAP_TILES_URL`) and the pins to show.

use serde::{Deserialize, Serialize};

/// The background of a map. Without a tile URL a map shows its pins on a plain
/// background (and says so).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapTiles {
    /// `https://tile.example.org/{z}/{x}/{y}.png`
    pub url: Option<String>,
    pub attribution: String,
    pub max_zoom: u8,
}

/// One place on a map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pin {
    pub latitude: f64,
    pub longitude: f64,
    /// What the pin is, for its tooltip and for screen readers.
    pub label: String,
    /// How far off the position may be, drawn as a circle around the pin.
    pub accuracy_m: Option<f64>,
}
