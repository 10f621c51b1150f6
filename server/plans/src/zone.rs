//! Project time zones from the tz database (chrono-tz): which names exist, and the
//! offsets in force over a project's span, which is all a page needs
//! ([`ZoneWindow`]).

use chrono::{DateTime, Duration, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::{OffsetName, Tz};
use muster_domain::plans::zone::{OffsetSpan, ZoneWindow};

/// The zone called `name`, if the tz database knows it.
pub fn parse(name: &str) -> Option<Tz> {
    name.trim().parse().ok()
}

/// Every zone name, for the project form's suggestions.
pub fn names() -> Vec<&'static str> {
    chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name()).collect()
}

/// The offsets of `tz` from a week before `from` to a week after `to` (margins for
/// timelines scrolled past the project's ends).
pub fn window(tz: Tz, from: NaiveDate, to: NaiveDate) -> ZoneWindow {
    let start =
        Utc.from_utc_datetime(&from.and_hms_opt(0, 0, 0).unwrap_or_default()) - Duration::days(8);
    let end =
        Utc.from_utc_datetime(&to.and_hms_opt(0, 0, 0).unwrap_or_default()) + Duration::days(9);
    let describe = |instant: DateTime<Utc>| {
        let offset = tz.offset_from_utc_datetime(&instant.naive_utc());
        let seconds = offset.fix().local_minus_utc();
        let abbreviation = offset.abbreviation().unwrap_or_default().to_owned();
        (seconds, abbreviation)
    };
    let (offset_s, abbreviation) = describe(start);
    let mut spans = vec![OffsetSpan {
        from: start,
        offset_s,
        abbreviation,
    }];
    // Offsets change on the hour or half hour (a few zones at :45); stepping by 15
    // minutes finds every change, then the exact second is searched for.
    let mut previous = start;
    let mut at = start + Duration::minutes(15);
    while at <= end {
        let here = describe(at);
        let last = spans.last().map(|s| (s.offset_s, s.abbreviation.clone()));
        if last.as_ref() != Some(&here) {
            let (mut low, mut high) = (previous, at);
            while high - low > Duration::seconds(1) {
                let middle = low + (high - low) / 2;
                if describe(middle) == here {
                    high = middle;
                } else {
                    low = middle;
                }
            }
            spans.push(OffsetSpan {
                from: high,
                offset_s: here.0,
                abbreviation: here.1,
            });
        }
        previous = at;
        at += Duration::minutes(15);
    }
    ZoneWindow {
        name: tz.name().to_owned(),
        spans,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_has_each_daylight_saving_change_to_the_second() {
        let tz = parse("Europe/Amsterdam").expect("known zone");
        let span = window(
            tz,
            NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
        );
        let changes: Vec<(String, i32, &str)> = span
            .spans
            .iter()
            .map(|s| (s.from.to_rfc3339(), s.offset_s, s.abbreviation.as_str()))
            .skip(1)
            .collect();
        assert_eq!(
            changes,
            vec![
                ("2026-03-29T01:00:00+00:00".to_owned(), 7200, "CEST"),
                ("2026-10-25T01:00:00+00:00".to_owned(), 3600, "CET"),
            ]
        );
        assert_eq!(span.spans[0].offset_s, 3600);
        assert!(parse("Mars/Olympus_Mons").is_none());
        assert!(names().contains(&"Asia/Kolkata"));
    }
}
