//! A project's time zone as pages and rules use it. Times are stored in UTC and shown
//! in the project's zone. The server knows the whole tz database; the browser gets a
//! [`ZoneWindow`] instead: the UTC offsets in force over the project's span, with the
//! instants at which they change (daylight saving). That is all it takes to turn
//! instants into wall-clock times and back, and it is a few bytes instead of a
//! database in every bundle.

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// The offsets of one zone over a window of time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoneWindow {
    /// The IANA name, e.g. `Europe/Amsterdam`.
    pub name: String,
    /// Sorted by `from`; the first applies to everything before the second too.
    pub spans: Vec<OffsetSpan>,
}

/// From `from` on (until the next span), local time is UTC + `offset_s` seconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetSpan {
    pub from: DateTime<Utc>,
    pub offset_s: i32,
    /// What the zone calls itself then (`CET`, `CEST`), for labels.
    pub abbreviation: String,
}

/// What a wall-clock time is in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LocalTime {
    One(DateTime<Utc>),
    /// The clocks went back: this wall-clock time happened twice.
    Twice {
        earlier: DateTime<Utc>,
        later: DateTime<Utc>,
    },
    /// The clocks jumped forward over it: it never happened. `resumes` is the first
    /// wall-clock time after the jump.
    Skipped {
        resumes: NaiveDateTime,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ZoneError {
    #[error("{time} does not exist in {zone}: the clocks jump forward then (to {resumes}).")]
    Skipped {
        time: String,
        zone: String,
        resumes: String,
    },
}

impl ZoneWindow {
    /// A zone that never changes its offset (UTC, or a test's fixed zone).
    pub fn fixed(name: &str, offset_s: i32, abbreviation: &str) -> Self {
        Self {
            name: name.to_owned(),
            spans: vec![OffsetSpan {
                from: DateTime::<Utc>::MIN_UTC,
                offset_s,
                abbreviation: abbreviation.to_owned(),
            }],
        }
    }

    pub fn utc() -> Self {
        Self::fixed("UTC", 0, "UTC")
    }

    fn span_at(&self, instant: DateTime<Utc>) -> Option<&OffsetSpan> {
        let after = self.spans.partition_point(|span| span.from <= instant);
        self.spans.get(after.saturating_sub(1))
    }

    /// Seconds east of UTC at `instant`.
    pub fn offset_at(&self, instant: DateTime<Utc>) -> i32 {
        self.span_at(instant).map_or(0, |span| span.offset_s)
    }

    pub fn abbreviation_at(&self, instant: DateTime<Utc>) -> &str {
        self.span_at(instant)
            .map_or("UTC", |span| span.abbreviation.as_str())
    }

    /// The wall-clock time at `instant`.
    pub fn to_local(&self, instant: DateTime<Utc>) -> NaiveDateTime {
        instant.naive_utc() + Duration::seconds(i64::from(self.offset_at(instant)))
    }

    /// Every instant whose wall-clock time is `local`.
    pub fn from_local(&self, local: NaiveDateTime) -> LocalTime {
        // Each span's offset proposes one instant; it counts if that span is in force
        // then. At most two spans can claim a wall-clock time (an overlap).
        let mut found: Vec<DateTime<Utc>> = Vec::with_capacity(2);
        for (index, span) in self.spans.iter().enumerate() {
            let candidate =
                Utc.from_utc_datetime(&(local - Duration::seconds(i64::from(span.offset_s))));
            let starts = index == 0 || candidate >= span.from;
            let ends = self
                .spans
                .get(index + 1)
                .is_none_or(|next| candidate < next.from);
            if starts && ends && !found.contains(&candidate) {
                found.push(candidate);
            }
        }
        found.sort();
        match found.as_slice() {
            [one] => LocalTime::One(*one),
            [earlier, later, ..] => LocalTime::Twice {
                earlier: *earlier,
                later: *later,
            },
            [] => {
                // In a gap: the jump is the first span change after the wall-clock time
                // read with the offset before it.
                let resumes = self
                    .spans
                    .iter()
                    .find(|span| self.to_local(span.from) > local)
                    .map_or(local, |span| self.to_local(span.from));
                LocalTime::Skipped { resumes }
            }
        }
    }

    /// The instant a person means by `local`: when the clocks went back it is the
    /// first of the two; a time the clocks skipped is refused with what to do.
    pub fn resolve(&self, local: NaiveDateTime) -> Result<DateTime<Utc>, ZoneError> {
        match self.from_local(local) {
            LocalTime::One(instant)
            | LocalTime::Twice {
                earlier: instant, ..
            } => Ok(instant),
            LocalTime::Skipped { resumes } => Err(ZoneError::Skipped {
                time: local.format("%Y-%m-%d %H:%M").to_string(),
                zone: self.name.clone(),
                resumes: resumes.format("%H:%M").to_string(),
            }),
        }
    }

    /// `instant` as the project shows it: `2026-03-29 14:30`.
    pub fn format(&self, instant: DateTime<Utc>) -> String {
        self.to_local(instant).format("%Y-%m-%d %H:%M").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    /// Europe/Amsterdam around the 2026 changes: CEST from 29 March 01:00 UTC, CET
    /// again from 25 October 01:00 UTC.
    fn amsterdam() -> ZoneWindow {
        let at = |y, m, d, h| Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap();
        ZoneWindow {
            name: "Europe/Amsterdam".into(),
            spans: vec![
                OffsetSpan {
                    from: at(2025, 10, 26, 1),
                    offset_s: 3600,
                    abbreviation: "CET".into(),
                },
                OffsetSpan {
                    from: at(2026, 3, 29, 1),
                    offset_s: 7200,
                    abbreviation: "CEST".into(),
                },
                OffsetSpan {
                    from: at(2026, 10, 25, 1),
                    offset_s: 3600,
                    abbreviation: "CET".into(),
                },
            ],
        }
    }

    fn local(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
        NaiveDate::from_ymd_opt(y, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    }

    #[test]
    fn instants_show_in_the_offset_in_force_then() {
        let zone = amsterdam();
        let winter = Utc.with_ymd_and_hms(2026, 1, 10, 12, 0, 0).unwrap();
        let summer = Utc.with_ymd_and_hms(2026, 7, 10, 12, 0, 0).unwrap();
        assert_eq!(zone.to_local(winter), local(2026, 1, 10, 13, 0));
        assert_eq!(zone.to_local(summer), local(2026, 7, 10, 14, 0));
        assert_eq!(zone.abbreviation_at(summer), "CEST");
        // Before the first span: its offset still applies.
        let early = Utc.with_ymd_and_hms(2020, 1, 1, 0, 0, 0).unwrap();
        assert_eq!(zone.offset_at(early), 3600);
    }

    #[test]
    fn a_wall_clock_time_skipped_in_spring_is_refused_with_when_clocks_resume() {
        let zone = amsterdam();
        assert_eq!(
            zone.from_local(local(2026, 3, 29, 2, 30)),
            LocalTime::Skipped {
                resumes: local(2026, 3, 29, 3, 0)
            }
        );
        let error = zone.resolve(local(2026, 3, 29, 2, 30)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "2026-03-29 02:30 does not exist in Europe/Amsterdam: the clocks jump forward then (to 03:00)."
        );
        // Just before and after the jump are fine.
        assert_eq!(
            zone.resolve(local(2026, 3, 29, 1, 59)).unwrap(),
            Utc.with_ymd_and_hms(2026, 3, 29, 0, 59, 0).unwrap()
        );
        assert_eq!(
            zone.resolve(local(2026, 3, 29, 3, 0)).unwrap(),
            Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap()
        );
    }

    #[test]
    fn a_wall_clock_time_repeated_in_autumn_means_the_first() {
        let zone = amsterdam();
        let first = Utc.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap();
        let second = Utc.with_ymd_and_hms(2026, 10, 25, 1, 30, 0).unwrap();
        assert_eq!(
            zone.from_local(local(2026, 10, 25, 2, 30)),
            LocalTime::Twice {
                earlier: first,
                later: second
            }
        );
        assert_eq!(zone.resolve(local(2026, 10, 25, 2, 30)).unwrap(), first);
        assert_eq!(zone.to_local(first), zone.to_local(second));
    }

    #[test]
    fn every_instant_comes_back_from_its_wall_clock_time() {
        let zone = amsterdam();
        let mut instant = Utc.with_ymd_and_hms(2026, 3, 28, 0, 0, 0).unwrap();
        while instant < Utc.with_ymd_and_hms(2026, 10, 27, 0, 0, 0).unwrap() {
            match zone.from_local(zone.to_local(instant)) {
                LocalTime::One(back) => assert_eq!(back, instant),
                LocalTime::Twice { earlier, later } => {
                    assert!(instant == earlier || instant == later)
                }
                LocalTime::Skipped { .. } => panic!("{instant} shows as a skipped time"),
            }
            instant += Duration::minutes(15);
        }
    }
}
