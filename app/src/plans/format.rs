//! How plan pages write times: in the project's zone (from the plan's `ZoneWindow`), so
//! the server's page and the browser's agree to the letter.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use muster_domain::plans::zone::ZoneWindow;

/// `Mon 04 May 08:30`
pub fn day_and_time(zone: &ZoneWindow, instant: DateTime<Utc>) -> String {
    zone.to_local(instant).format("%a %d %b %H:%M").to_string()
}

/// `08:30`
pub fn time(zone: &ZoneWindow, instant: DateTime<Utc>) -> String {
    zone.to_local(instant).format("%H:%M").to_string()
}

/// The local day an instant falls on.
pub fn day(zone: &ZoneWindow, instant: DateTime<Utc>) -> NaiveDate {
    zone.to_local(instant).date()
}

/// `Monday 4 May 2026`
pub fn long_day(day: NaiveDate) -> String {
    day.format("%A %-d %B %Y").to_string()
}

/// What `<input type="datetime-local">` shows for an instant.
pub fn input_value(zone: &ZoneWindow, instant: DateTime<Utc>) -> String {
    zone.to_local(instant).format("%Y-%m-%dT%H:%M").to_string()
}

/// `1 h 30 min`, `45 min`, `2 d 3 h`
pub fn duration(minutes: i64) -> String {
    let span = Duration::minutes(minutes);
    let (days, hours, mins) = (span.num_days(), span.num_hours() % 24, minutes % 60);
    let mut parts = Vec::new();
    if days > 0 {
        parts.push(format!("{days} d"));
    }
    if hours > 0 {
        parts.push(format!("{hours} h"));
    }
    if mins > 0 || parts.is_empty() {
        parts.push(format!("{mins} min"));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(45), "45 min");
        assert_eq!(duration(90), "1 h 30 min");
        assert_eq!(duration(120), "2 h");
        assert_eq!(duration(3 * 1440 + 60), "3 d 1 h");
        assert_eq!(duration(0), "0 min");
    }
}
