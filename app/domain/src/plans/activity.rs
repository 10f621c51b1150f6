//! What makes an activity, a task and a summoning-plan line acceptable: the checks the
//! pages run as people type and the server runs before it stores anything. Times are
//! typed in the project's zone and stored in UTC.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

use super::zone::ZoneWindow;
use crate::accounts::FieldErrors;

/// The longest activity: a month. Longer "activities" are phases, better planned as
/// several.
pub const MAX_DURATION_MINUTES: i64 = 31 * 24 * 60;
/// The earliest call-in: thirty days before the activity starts.
pub const MAX_CALL_IN_MINUTES: i64 = 30 * 24 * 60;
/// The most people one line of the summoning plan may ask for.
pub const MAX_COUNT: i32 = 500;
pub const MAX_NAME_CHARS: usize = 200;

/// The days a project runs, in its own zone; every activity lies within them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectSpan {
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

impl ProjectSpan {
    /// The first instant of the first day and the end of the last, in `zone`.
    pub fn bounds(&self, zone: &ZoneWindow) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = self.starts_on.and_hms_opt(0, 0, 0).unwrap_or_default();
        let end = (self.ends_on + Duration::days(1))
            .and_hms_opt(0, 0, 0)
            .unwrap_or_default();
        (first_instant(zone, start), first_instant(zone, end))
    }
}

/// Midnight can be skipped by a jump (some zones change at 00:00): then the day starts
/// when the clocks resume.
fn first_instant(zone: &ZoneWindow, local: NaiveDateTime) -> DateTime<Utc> {
    match zone.from_local(local) {
        super::zone::LocalTime::One(at) | super::zone::LocalTime::Twice { earlier: at, .. } => at,
        super::zone::LocalTime::Skipped { resumes } => zone
            .resolve(resumes)
            .unwrap_or_else(|_| DateTime::<Utc>::from_naive_utc_and_offset(local, Utc)),
    }
}

/// An activity as a page sends it: the start as typed in the project's zone
/// (`2026-05-04T08:30`, what `<input type="datetime-local">` gives).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityInput {
    pub name: String,
    /// A location of the project's account, or none yet.
    #[serde(default)]
    pub location_id: Option<String>,
    pub starts_local: String,
    pub duration_minutes: i64,
}

/// An activity that passed [`check_activity`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedActivity {
    pub name: String,
    pub starts_at: DateTime<Utc>,
    pub duration_minutes: i64,
}

/// Parses what `<input type="datetime-local">` sends (seconds optional).
pub fn parse_local(text: &str) -> Option<NaiveDateTime> {
    let text = text.trim();
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S"))
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M"))
        .ok()
}

/// Every problem of `input` at once, by field name (`name`, `starts_local`,
/// `duration_minutes`).
pub fn check_activity(
    input: &ActivityInput,
    span: &ProjectSpan,
    zone: &ZoneWindow,
) -> Result<CheckedActivity, FieldErrors> {
    let mut errors = FieldErrors::new();
    let name = input.name.trim();
    errors.check("name", check_name(name, "activity"));
    errors.check("duration_minutes", check_duration(input.duration_minutes));
    let starts_at = match parse_local(&input.starts_local) {
        None => {
            errors.add("starts_local", "Enter a start date and time.");
            None
        }
        Some(local) => match zone.resolve(local) {
            Ok(at) => Some(at),
            Err(error) => {
                errors.add("starts_local", error.to_string());
                None
            }
        },
    };
    if let Some(starts_at) = starts_at {
        let (first, last) = span.bounds(zone);
        let ends_at = starts_at + Duration::minutes(input.duration_minutes.max(0));
        if starts_at < first {
            errors.add(
                "starts_local",
                format!(
                    "The project starts on {}: start the activity then or later.",
                    span.starts_on.format("%Y-%m-%d")
                ),
            );
        } else if errors.get("duration_minutes").is_none() && ends_at > last {
            errors.add(
                "duration_minutes",
                format!(
                    "The project ends on {}: the activity would end at {}. Shorten it or start it earlier.",
                    span.ends_on.format("%Y-%m-%d"),
                    zone.format(ends_at)
                ),
            );
        }
    }
    match (errors.is_empty(), starts_at) {
        (true, Some(starts_at)) => Ok(CheckedActivity {
            name: name.to_owned(),
            starts_at,
            duration_minutes: input.duration_minutes,
        }),
        _ => Err(errors),
    }
}

pub fn check_name(name: &str, what: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        Err(format!("Give the {what} a name."))
    } else if name.chars().count() > MAX_NAME_CHARS {
        Err(format!("Keep the name to {MAX_NAME_CHARS} characters."))
    } else {
        Ok(())
    }
}

pub fn check_duration(minutes: i64) -> Result<(), String> {
    if minutes <= 0 {
        Err("An activity takes some time: enter a duration of at least one minute.".to_owned())
    } else if minutes > MAX_DURATION_MINUTES {
        Err("An activity can last at most 31 days: split longer work into several.".to_owned())
    } else {
        Ok(())
    }
}

/// One line of the summoning plan: `count` people holding `role_id` for an activity,
/// called in `call_in_minutes` before it starts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NeedInput {
    pub role_id: String,
    pub count: i32,
    pub call_in_minutes: i64,
}

/// Every problem of one summoning-plan line, by field name (`count`,
/// `call_in_minutes`).
pub fn check_need(need: &NeedInput) -> Result<(), FieldErrors> {
    let mut errors = FieldErrors::new();
    if need.role_id.trim().is_empty() {
        errors.add("role_id", "Choose a role.");
    }
    if need.count < 1 {
        errors.add("count", "Ask for at least one person.");
    } else if need.count > MAX_COUNT {
        errors.add(
            "count",
            format!("Ask for at most {MAX_COUNT} people per line."),
        );
    }
    if need.call_in_minutes < 0 {
        errors.add(
            "call_in_minutes",
            "A call-in comes before the activity: the time before it cannot be negative.",
        );
    } else if need.call_in_minutes > MAX_CALL_IN_MINUTES {
        errors.add("call_in_minutes", "Call people in at most 30 days ahead.");
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// When the people of a line are called in for an activity starting at `starts_at`.
pub fn summon_at(starts_at: DateTime<Utc>, call_in_minutes: i64) -> DateTime<Utc> {
    starts_at - Duration::minutes(call_in_minutes)
}

/// A project's dates as typed.
pub fn check_span(starts_on: &str, ends_on: &str) -> Result<ProjectSpan, FieldErrors> {
    let mut errors = FieldErrors::new();
    let parse = |text: &str| NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok();
    let (start, end) = (parse(starts_on), parse(ends_on));
    if start.is_none() {
        errors.add("starts_on", "Enter the date the project starts.");
    }
    if end.is_none() {
        errors.add("ends_on", "Enter the date the project ends.");
    }
    match (start, end) {
        (Some(start), Some(end)) if end < start => {
            errors.add("ends_on", "The project cannot end before it starts.");
            Err(errors)
        }
        (Some(start), Some(end)) if (end - start).num_days() > 5 * 366 => {
            errors.add("ends_on", "Plan at most five years at a time.");
            Err(errors)
        }
        (Some(starts_on), Some(ends_on)) => Ok(ProjectSpan { starts_on, ends_on }),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plans::zone::OffsetSpan;
    use chrono::TimeZone;

    fn span() -> ProjectSpan {
        check_span("2026-03-28", "2026-04-03").unwrap()
    }

    fn amsterdam() -> ZoneWindow {
        ZoneWindow {
            name: "Europe/Amsterdam".into(),
            spans: vec![
                OffsetSpan {
                    from: Utc.with_ymd_and_hms(2025, 10, 26, 1, 0, 0).unwrap(),
                    offset_s: 3600,
                    abbreviation: "CET".into(),
                },
                OffsetSpan {
                    from: Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap(),
                    offset_s: 7200,
                    abbreviation: "CEST".into(),
                },
            ],
        }
    }

    fn input(starts: &str, minutes: i64) -> ActivityInput {
        ActivityInput {
            name: "Survey north field".into(),
            location_id: None,
            starts_local: starts.into(),
            duration_minutes: minutes,
        }
    }

    #[test]
    fn a_local_start_is_stored_in_utc_across_the_clock_change() {
        let zone = amsterdam();
        let before = check_activity(&input("2026-03-28T09:00", 60), &span(), &zone).unwrap();
        let after = check_activity(&input("2026-03-30T09:00", 60), &span(), &zone).unwrap();
        assert_eq!(
            before.starts_at,
            Utc.with_ymd_and_hms(2026, 3, 28, 8, 0, 0).unwrap()
        );
        assert_eq!(
            after.starts_at,
            Utc.with_ymd_and_hms(2026, 3, 30, 7, 0, 0).unwrap()
        );
    }

    #[test]
    fn impossible_values_are_refused_each_with_its_own_message() {
        let zone = amsterdam();
        let errors = check_activity(
            &ActivityInput {
                name: " ".into(),
                location_id: None,
                starts_local: "tomorrow".into(),
                duration_minutes: 0,
            },
            &span(),
            &zone,
        )
        .unwrap_err();
        assert_eq!(errors.get("name"), Some("Give the activity a name."));
        assert_eq!(
            errors.get("starts_local"),
            Some("Enter a start date and time.")
        );
        assert!(errors
            .get("duration_minutes")
            .unwrap()
            .contains("at least one minute"));
        let negative = check_activity(&input("2026-03-28T09:00", -30), &span(), &zone).unwrap_err();
        assert!(negative.get("duration_minutes").is_some());
        let skipped = check_activity(&input("2026-03-29T02:30", 30), &span(), &zone).unwrap_err();
        assert!(skipped
            .get("starts_local")
            .unwrap()
            .contains("does not exist"));
    }

    #[test]
    fn an_activity_must_lie_within_the_project_days() {
        let zone = amsterdam();
        let early = check_activity(&input("2026-03-27T23:59", 30), &span(), &zone).unwrap_err();
        assert_eq!(
            early.get("starts_local"),
            Some("The project starts on 2026-03-28: start the activity then or later.")
        );
        let late = check_activity(&input("2026-04-03T23:00", 61), &span(), &zone).unwrap_err();
        assert!(late
            .get("duration_minutes")
            .unwrap()
            .starts_with("The project ends on 2026-04-03"));
        // Ending exactly at midnight after the last day is within it.
        assert!(check_activity(&input("2026-04-03T23:00", 60), &span(), &zone).is_ok());
        assert!(check_activity(&input("2026-03-28T00:00", 60), &span(), &zone).is_ok());
    }

    #[test]
    fn summoning_lines_need_a_role_a_count_and_a_time_before() {
        let good = NeedInput {
            role_id: "r".into(),
            count: 2,
            call_in_minutes: 90,
        };
        assert!(check_need(&good).is_ok());
        let bad = check_need(&NeedInput {
            role_id: "".into(),
            count: 0,
            call_in_minutes: -5,
        })
        .unwrap_err();
        assert_eq!(bad.get("role_id"), Some("Choose a role."));
        assert_eq!(bad.get("count"), Some("Ask for at least one person."));
        assert!(bad
            .get("call_in_minutes")
            .unwrap()
            .contains("cannot be negative"));
        let start = Utc.with_ymd_and_hms(2026, 5, 4, 8, 0, 0).unwrap();
        assert_eq!(
            summon_at(start, 90),
            Utc.with_ymd_and_hms(2026, 5, 4, 6, 30, 0).unwrap()
        );
    }

    #[test]
    fn project_dates_must_be_in_order() {
        let errors = check_span("2026-05-04", "2026-05-01").unwrap_err();
        assert_eq!(
            errors.get("ends_on"),
            Some("The project cannot end before it starts.")
        );
        assert!(check_span("", "x").unwrap_err().get("starts_on").is_some());
        assert!(check_span("2026-05-04", "2026-05-04").is_ok());
    }
}
