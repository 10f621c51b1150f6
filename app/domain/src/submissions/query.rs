//! The question a submissions table, map or export asks: which submissions (a
//! [`Filter`]), in which order, from where (a [`Cursor`]), showing which columns. It
//! lives in the address (`?status=approved&from=2026-12-01&field=site&value=North`),
//! so a filtered table can be bookmarked and shared; it is read here, the same way in
//! the browser and on the server, and every malformed part gets its own message.
//!
//! Pages are reached by keyset (`after` = the last row seen), never by offset: the
//! thousandth page costs what the first does.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::forms::schema::FieldId;

/// What a builder may set a submission's status to; every submission starts `New`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReviewStatus {
    New,
    InReview,
    Approved,
    Rejected,
}

impl ReviewStatus {
    pub const ALL: [ReviewStatus; 4] = [
        ReviewStatus::New,
        ReviewStatus::InReview,
        ReviewStatus::Approved,
        ReviewStatus::Rejected,
    ];

    /// As stored, in addresses and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ReviewStatus::New => "new",
            ReviewStatus::InReview => "in_review",
            ReviewStatus::Approved => "approved",
            ReviewStatus::Rejected => "rejected",
        }
    }

    /// As people read it.
    pub fn label(self) -> &'static str {
        match self {
            ReviewStatus::New => "New",
            ReviewStatus::InReview => "In review",
            ReviewStatus::Approved => "Approved",
            ReviewStatus::Rejected => "Rejected",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}

/// Which submissions. Every part is optional; all that are set must hold.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Filter {
    /// Received on or after this day (UTC).
    pub from: Option<NaiveDate>,
    /// Received on or before this day (UTC).
    pub to: Option<NaiveDate>,
    /// The submitter's user id.
    pub submitter: Option<String>,
    pub status: Option<ReviewStatus>,
    pub version: Option<i32>,
    /// A question's answer is exactly this text.
    pub field: Option<FieldMatch>,
    /// Words that appear in the text answers (all of them, in any order).
    pub text: Option<String>,
    /// Made in this part of the map.
    pub area: Option<Area>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldMatch {
    pub field: FieldId,
    pub value: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Order {
    #[default]
    NewestFirst,
    OldestFirst,
}

/// A part of the map: submissions made there (by their location).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Area {
    /// Inside a latitude/longitude box (what a map shows).
    Within {
        west: f64,
        south: f64,
        east: f64,
        north: f64,
    },
    /// At most `radius_m` metres from a point.
    Near {
        latitude: f64,
        longitude: f64,
        radius_m: f64,
    },
}

/// The widest "near" search: a larger circle is a box.
pub const MAX_RADIUS_M: f64 = 500_000.0;

impl Area {
    /// `bbox=west,south,east,north` or `near=latitude,longitude,radius_m`.
    fn parse(key: &str, text: &str) -> Result<Self, QueryError> {
        let numbers: Vec<f64> = text
            .split(',')
            .map(|n| n.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .ok()
            .filter(|n: &Vec<f64>| {
                n.len() == 4 - usize::from(key == "near") && n.iter().all(|x| x.is_finite())
            })
            .ok_or_else(|| match key {
                "near" => refuse(
                    key,
                    "Write a point and a distance as latitude,longitude,metres.",
                ),
                _ => refuse(key, "Write a box as west,south,east,north in degrees."),
            })?;
        let latitude_ok = |lat: f64| (-90.0..=90.0).contains(&lat);
        let longitude_ok = |lon: f64| (-180.0..=180.0).contains(&lon);
        match key {
            "near" => {
                let (latitude, longitude, radius_m) = (numbers[0], numbers[1], numbers[2]);
                if !latitude_ok(latitude) || !longitude_ok(longitude) {
                    return Err(refuse(key, "That point is not on the globe."));
                }
                if !(radius_m > 0.0 && radius_m <= MAX_RADIUS_M) {
                    return Err(refuse(
                        key,
                        "The distance must be more than 0 and at most 500 km.",
                    ));
                }
                Ok(Area::Near {
                    latitude,
                    longitude,
                    radius_m,
                })
            }
            _ => {
                let (west, south, east, north) = (numbers[0], numbers[1], numbers[2], numbers[3]);
                if !longitude_ok(west)
                    || !longitude_ok(east)
                    || !latitude_ok(south)
                    || !latitude_ok(north)
                {
                    return Err(refuse(key, "That box is not on the globe."));
                }
                if west >= east || south >= north {
                    return Err(refuse(
                        key,
                        "The box's west must be left of its east, its south below its north.",
                    ));
                }
                Ok(Area::Within {
                    west,
                    south,
                    east,
                    north,
                })
            }
        }
    }

    /// A latitude/longitude box that holds the whole area (west, south, east, north):
    /// what a spatial index can look up before the exact distance is checked.
    pub fn bounding_box(self) -> (f64, f64, f64, f64) {
        match self {
            Area::Within {
                west,
                south,
                east,
                north,
            } => (west, south, east, north),
            Area::Near {
                latitude,
                longitude,
                radius_m,
            } => {
                // A degree of latitude is at least 110.5 km; one of longitude shrinks
                // with the cosine of the latitude (a margin covers the earth's shape).
                let margin = 1.01;
                let dlat = radius_m / 110_500.0 * margin;
                let cos = latitude.to_radians().cos();
                let dlon = if cos < 1e-6 {
                    180.0
                } else {
                    (dlat / cos).min(180.0)
                };
                (
                    (longitude - dlon).max(-180.0),
                    (latitude - dlat).max(-90.0),
                    (longitude + dlon).min(180.0),
                    (latitude + dlat).min(90.0),
                )
            }
        }
    }

    fn to_pair(self) -> (&'static str, String) {
        match self {
            Area::Within {
                west,
                south,
                east,
                north,
            } => ("bbox", format!("{west},{south},{east},{north}")),
            Area::Near {
                latitude,
                longitude,
                radius_m,
            } => ("near", format!("{latitude},{longitude},{radius_m}")),
        }
    }
}

/// Where the next page starts: just past the last row of the page before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub received_at: DateTime<Utc>,
    /// The row's id (a UUID); ties of `received_at` are ordered by it.
    pub id: String,
}

impl Cursor {
    /// `{microseconds since 1970}.{id}`: opaque to people, exact to the microsecond
    /// Postgres keeps.
    pub fn encode(&self) -> String {
        format!("{}.{}", self.received_at.timestamp_micros(), self.id)
    }

    pub fn decode(text: &str) -> Option<Self> {
        let (micros, id) = text.split_once('.')?;
        let received_at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
        is_uuid(id).then(|| Cursor {
            received_at,
            id: id.to_owned(),
        })
    }
}

/// The whole question of one table page.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TableQuery {
    pub filter: Filter,
    pub order: Order,
    pub after: Option<Cursor>,
    /// The questions shown as columns, in order; `None`: the first few of the newest
    /// version.
    pub columns: Option<Vec<FieldId>>,
}

/// A part of the address that cannot be read, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[error("{message}")]
pub struct QueryError {
    /// The address parameter (`from`, `after`, …).
    pub parameter: String,
    pub message: String,
}

fn refuse(parameter: &str, message: impl Into<String>) -> QueryError {
    QueryError {
        parameter: parameter.to_owned(),
        message: message.into(),
    }
}

/// The longest free text searched for: a whole paragraph is not a search.
pub const MAX_TEXT: usize = 200;
/// The most columns one table shows.
pub const MAX_COLUMNS: usize = 100;

impl TableQuery {
    /// Reads `?from=…&to=…` (without the `?`). Unknown parameters are ignored (a link
    /// may carry others); empty values mean "not set".
    pub fn parse(query: &str) -> Result<Self, QueryError> {
        let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.trim().to_owned()))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        Self::from_pairs(&pairs)
    }

    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Self, QueryError> {
        let get = |key: &str| {
            pairs
                .iter()
                .find(|(k, v)| k == key && !v.trim().is_empty())
                .map(|(_, v)| v.trim())
        };
        let date = |key: &str| -> Result<Option<NaiveDate>, QueryError> {
            get(key)
                .map(|text| {
                    NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| {
                        refuse(
                            key,
                            format!("“{text}” is not a date: write it as 2026-12-31."),
                        )
                    })
                })
                .transpose()
        };
        let from = date("from")?;
        let to = date("to")?;
        if let (Some(from), Some(to)) = (from, to) {
            if to < from {
                return Err(refuse(
                    "to",
                    "The end of the date range is before its start.",
                ));
            }
        }
        let submitter = get("by")
            .map(|id| {
                if is_uuid(id) {
                    Ok(id.to_owned())
                } else {
                    Err(refuse("by", "The submitter is not a member's id."))
                }
            })
            .transpose()?;
        let status = get("status")
            .map(|text| {
                ReviewStatus::parse(text).ok_or_else(|| {
                    refuse(
                        "status",
                        format!(
                            "“{text}” is not a status; use one of: {}.",
                            ReviewStatus::ALL.map(ReviewStatus::as_str).join(", ")
                        ),
                    )
                })
            })
            .transpose()?;
        let version = get("version")
            .map(|text| match text.parse::<i32>() {
                Ok(v) if v >= 1 => Ok(v),
                _ => Err(refuse(
                    "version",
                    format!("“{text}” is not a version number."),
                )),
            })
            .transpose()?;
        let field = match (get("field"), get("value")) {
            (None, None) => None,
            (Some(field), Some(value)) => {
                let field = FieldId(field.to_owned());
                if !field.is_valid() {
                    return Err(refuse("field", "That is not a question of this app."));
                }
                Some(FieldMatch {
                    field,
                    value: value.to_owned(),
                })
            }
            (Some(_), None) => return Err(refuse("value", "Say which answer to look for.")),
            (None, Some(_)) => return Err(refuse("field", "Say which question to look in.")),
        };
        let text = get("q")
            .map(|text| {
                if text.chars().count() > MAX_TEXT {
                    Err(refuse(
                        "q",
                        format!("Search for at most {MAX_TEXT} characters."),
                    ))
                } else {
                    Ok(text.to_owned())
                }
            })
            .transpose()?;
        let area = match (get("bbox"), get("near")) {
            (Some(_), Some(_)) => {
                return Err(refuse(
                    "near",
                    "Search either a box or near a point, not both.",
                ))
            }
            (Some(text), None) => Some(Area::parse("bbox", text)?),
            (None, Some(text)) => Some(Area::parse("near", text)?),
            (None, None) => None,
        };
        let order = match get("order") {
            None | Some("newest") => Order::NewestFirst,
            Some("oldest") => Order::OldestFirst,
            Some(other) => {
                return Err(refuse(
                    "order",
                    format!("“{other}” is not an order; use newest or oldest."),
                ))
            }
        };
        let after = get("after")
            .map(|text| {
                Cursor::decode(text).ok_or_else(|| {
                    refuse(
                        "after",
                        "This page link is damaged: go back to the first page.",
                    )
                })
            })
            .transpose()?;
        // A column chooser's checkboxes send `columns=a&columns=b`; a link `columns=a,b`.
        let chosen: Vec<&str> = pairs
            .iter()
            .filter(|(k, _)| k == "columns")
            .map(|(_, v)| v.as_str())
            .collect();
        let columns = (!chosen.is_empty())
            .then(|| chosen.join(","))
            .map(|text| {
                let ids: Vec<FieldId> = text
                    .split(',')
                    .map(str::trim)
                    .filter(|id| !id.is_empty())
                    .map(|id| FieldId(id.to_owned()))
                    .collect();
                if ids.len() > MAX_COLUMNS {
                    Err(refuse(
                        "columns",
                        format!("Show at most {MAX_COLUMNS} columns."),
                    ))
                } else if ids.iter().any(|id| !id.is_valid()) {
                    Err(refuse("columns", "A column names no question of this app."))
                } else {
                    Ok(ids)
                }
            })
            .transpose()?;
        Ok(TableQuery {
            filter: Filter {
                from,
                to,
                submitter,
                status,
                version,
                field,
                text,
                area,
            },
            order,
            after,
            columns,
        })
    }

    /// The address query (without `?`) that [`TableQuery::parse`] reads back as this.
    pub fn to_query(&self) -> String {
        let mut out = form_urlencoded::Serializer::new(String::new());
        let filter = &self.filter;
        if let Some(from) = filter.from {
            out.append_pair("from", &from.to_string());
        }
        if let Some(to) = filter.to {
            out.append_pair("to", &to.to_string());
        }
        if let Some(by) = &filter.submitter {
            out.append_pair("by", by);
        }
        if let Some(status) = filter.status {
            out.append_pair("status", status.as_str());
        }
        if let Some(version) = filter.version {
            out.append_pair("version", &version.to_string());
        }
        if let Some(m) = &filter.field {
            out.append_pair("field", &m.field.0);
            out.append_pair("value", &m.value);
        }
        if let Some(text) = &filter.text {
            out.append_pair("q", text);
        }
        if let Some(area) = filter.area {
            let (key, value) = area.to_pair();
            out.append_pair(key, &value);
        }
        if self.order == Order::OldestFirst {
            out.append_pair("order", "oldest");
        }
        if let Some(columns) = &self.columns {
            let ids: Vec<&str> = columns.iter().map(|c| c.0.as_str()).collect();
            out.append_pair("columns", &ids.join(","));
        }
        if let Some(after) = &self.after {
            out.append_pair("after", &after.encode());
        }
        out.finish()
    }

    /// The same question from its first page.
    pub fn first_page(&self) -> Self {
        Self {
            after: None,
            ..self.clone()
        }
    }
}

/// `8-4-4-4-12` hexadecimal digits: the ids Muster gives everything.
pub fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "6a1f4e52-1c1d-4a8e-9d3e-2f0c8b7a5d41";

    #[test]
    fn an_address_reads_back_as_the_query_it_was_made_from() {
        let query = TableQuery {
            filter: Filter {
                from: NaiveDate::from_ymd_opt(2026, 12, 1),
                to: NaiveDate::from_ymd_opt(2026, 12, 31),
                submitter: Some(ID.to_owned()),
                status: Some(ReviewStatus::InReview),
                version: Some(3),
                field: Some(FieldMatch {
                    field: FieldId("site".into()),
                    value: "North gate & more=1".into(),
                }),
                text: Some("broken fence".into()),
                area: Some(Area::Within {
                    west: 4.8,
                    south: 52.3,
                    east: 4.95,
                    north: 52.4,
                }),
            },
            order: Order::OldestFirst,
            after: Some(Cursor {
                received_at: DateTime::from_timestamp_micros(1_765_000_000_123_456).expect("time"),
                id: ID.to_owned(),
            }),
            columns: Some(vec![FieldId("site".into()), FieldId("visits".into())]),
        };
        assert_eq!(TableQuery::parse(&query.to_query()), Ok(query));
    }

    #[test]
    fn an_empty_address_is_every_submission_newest_first() {
        let query = TableQuery::parse("").expect("empty");
        assert_eq!(query, TableQuery::default());
        assert_eq!(query.to_query(), "");
        // Empty values are "not set", unknown parameters are someone else's.
        assert_eq!(
            TableQuery::parse("status=&q=&utm_source=mail"),
            Ok(TableQuery::default())
        );
    }

    #[test]
    fn each_malformed_part_is_named_with_what_to_do() {
        let refused = |query: &str| TableQuery::parse(query).expect_err(query);
        assert_eq!(refused("from=yesterday").parameter, "from");
        assert!(refused("from=2026-13-01").message.contains("2026-12-31"));
        assert_eq!(refused("from=2026-12-02&to=2026-12-01").parameter, "to");
        assert_eq!(refused("status=done").parameter, "status");
        assert!(refused("status=done").message.contains("approved"));
        assert_eq!(refused("version=0").parameter, "version");
        assert_eq!(refused("version=two").parameter, "version");
        assert_eq!(refused("field=site").parameter, "value");
        assert_eq!(refused("value=x").parameter, "field");
        assert_eq!(refused("field=no%20such&value=x").parameter, "field");
        assert_eq!(refused("order=random").parameter, "order");
        assert_eq!(refused("after=12.not-an-id").parameter, "after");
        assert_eq!(refused("after=garbage").parameter, "after");
        assert_eq!(refused("by=1%20OR%201=1").parameter, "by");
        assert_eq!(
            refused(&format!("q={}", "x".repeat(MAX_TEXT + 1))).parameter,
            "q"
        );
        assert_eq!(refused("columns=site,a%20b").parameter, "columns");
        assert_eq!(refused("bbox=1,2,3").parameter, "bbox");
        assert_eq!(refused("bbox=5,0,4,1").parameter, "bbox");
        assert_eq!(refused("bbox=0,0,200,1").parameter, "bbox");
        assert_eq!(refused("bbox=0,0,NaN,1").parameter, "bbox");
        assert_eq!(refused("near=52,4,0").parameter, "near");
        assert_eq!(refused("near=95,4,10").parameter, "near");
        assert_eq!(refused("near=52,4,10&bbox=0,0,1,1").parameter, "near");
        assert_eq!(
            TableQuery::parse("near=52.37,4.89,250").map(|q| q.filter.area),
            Ok(Some(Area::Near {
                latitude: 52.37,
                longitude: 4.89,
                radius_m: 250.0
            }))
        );
        let both = TableQuery::parse("columns=site&columns=count,notes").expect("columns");
        assert_eq!(both.columns.map(|c| c.len()), Some(3));
    }

    #[test]
    fn the_box_around_a_point_holds_the_circle() {
        // 1 km around Amsterdam: about 0.009° of latitude, 0.015° of longitude.
        let (west, south, east, north) = Area::Near {
            latitude: 52.37,
            longitude: 4.89,
            radius_m: 1000.0,
        }
        .bounding_box();
        assert!(
            (north - 52.37) > 0.00899 && (north - 52.37) < 0.0093,
            "{north}"
        );
        assert!((4.89 - west) > 0.0147 && (4.89 - west) < 0.0155, "{west}");
        assert!((south + north) / 2.0 - 52.37 < 1e-9 && (east + west) / 2.0 - 4.89 < 1e-9);
        // At the pole every longitude is near.
        let (west, _, east, north) = Area::Near {
            latitude: 90.0,
            longitude: 0.0,
            radius_m: 1000.0,
        }
        .bounding_box();
        assert_eq!((west, east, north), (-180.0, 180.0, 90.0));
    }

    #[test]
    fn a_cursor_keeps_the_microsecond_and_the_id() {
        let cursor = Cursor {
            received_at: DateTime::from_timestamp_micros(-1).expect("time"),
            id: ID.to_owned(),
        };
        assert_eq!(Cursor::decode(&cursor.encode()), Some(cursor));
        assert_eq!(Cursor::decode(&format!("99999999999999999999.{ID}")), None);
    }
}
