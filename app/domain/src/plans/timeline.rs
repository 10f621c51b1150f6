//! The geometry of the plan's timeline: activities as bars on a time axis, in lanes (one
//! per location or role), stacked on tracks where they overlap; what a drag or a key
//! press does to an activity; which bars are on screen (the rest are not drawn, so a
//! plan of thousands of activities scrolls as fast as one of ten); the tick marks in
//! the project's zone. Pure arithmetic, shared by the page and its tests.

use std::ops::Range;

use chrono::{DateTime, Duration, Timelike, Utc};
use serde::{Deserialize, Serialize};

use super::zone::ZoneWindow;

/// How much time the screen shows, from hours to weeks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Zoom {
    /// An hour is 240 px.
    Hours,
    /// A day is 480 px.
    Day,
    /// A day is 160 px: about a week on a laptop.
    Week,
    /// A day is 40 px: a month or more.
    Weeks,
}

impl Zoom {
    pub const ALL: [Zoom; 4] = [Zoom::Hours, Zoom::Day, Zoom::Week, Zoom::Weeks];

    pub fn minutes_per_px(self) -> f64 {
        match self {
            Zoom::Hours => 0.25,
            Zoom::Day => 3.0,
            Zoom::Week => 9.0,
            Zoom::Weeks => 36.0,
        }
    }

    /// Drags and keys move activities in steps of this many minutes.
    pub fn step_minutes(self) -> i64 {
        match self {
            Zoom::Hours => 5,
            Zoom::Day => 15,
            Zoom::Week => 60,
            Zoom::Weeks => 240,
        }
    }

    /// Minutes between two labelled ticks.
    fn tick_minutes(self) -> i64 {
        match self {
            Zoom::Hours => 60,
            Zoom::Day => 120,
            Zoom::Week => 360,
            Zoom::Weeks => 1440,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Zoom::Hours => "Hours",
            Zoom::Day => "Day",
            Zoom::Week => "Week",
            Zoom::Weeks => "Weeks",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Zoom::Hours => "hours",
            Zoom::Day => "day",
            Zoom::Week => "week",
            Zoom::Weeks => "weeks",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|zoom| zoom.as_str() == text)
    }

    pub fn closer(self) -> Self {
        match self {
            Zoom::Weeks => Zoom::Week,
            Zoom::Week => Zoom::Day,
            _ => Zoom::Hours,
        }
    }

    pub fn farther(self) -> Self {
        match self {
            Zoom::Hours => Zoom::Day,
            Zoom::Day => Zoom::Week,
            _ => Zoom::Weeks,
        }
    }
}

/// Time to pixels and back: `origin` is at x = 0.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Axis {
    pub origin: DateTime<Utc>,
    pub zoom: Zoom,
}

impl Axis {
    pub fn x(&self, instant: DateTime<Utc>) -> f64 {
        (instant - self.origin).num_seconds() as f64 / 60.0 / self.zoom.minutes_per_px()
    }

    pub fn width(&self, minutes: i64) -> f64 {
        minutes as f64 / self.zoom.minutes_per_px()
    }

    pub fn at(&self, x: f64) -> DateTime<Utc> {
        self.origin + Duration::seconds((x * self.zoom.minutes_per_px() * 60.0).round() as i64)
    }

    /// Minutes that `dx` pixels stand for, rounded to the zoom's step.
    pub fn snapped_minutes(&self, dx: f64) -> i64 {
        let step = self.zoom.step_minutes();
        let minutes = dx * self.zoom.minutes_per_px();
        (minutes / step as f64).round() as i64 * step
    }
}

/// What a pointer drag does to a bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DragMode {
    Move,
    /// The left edge: the start moves, the end stays.
    ResizeStart,
    /// The right edge: the end moves, the start stays.
    ResizeEnd,
}

/// An activity's start and duration after dragging it `dx` pixels as `mode` says.
/// Nothing gets shorter than one step.
pub fn dragged(
    starts_at: DateTime<Utc>,
    duration_minutes: i64,
    mode: DragMode,
    dx: f64,
    axis: &Axis,
) -> (DateTime<Utc>, i64) {
    let delta = axis.snapped_minutes(dx);
    let least = axis.zoom.step_minutes().min(duration_minutes.max(1));
    match mode {
        DragMode::Move => (starts_at + Duration::minutes(delta), duration_minutes),
        DragMode::ResizeEnd => (starts_at, (duration_minutes + delta).max(least)),
        DragMode::ResizeStart => {
            let delta = delta.min(duration_minutes - least);
            (
                starts_at + Duration::minutes(delta),
                duration_minutes - delta,
            )
        }
    }
}

/// The keyboard alternative to dragging: arrows move by a step, shift + arrows change
/// the duration by a step.
pub fn nudged(
    starts_at: DateTime<Utc>,
    duration_minutes: i64,
    key: &str,
    shift: bool,
    zoom: Zoom,
) -> Option<(DateTime<Utc>, i64)> {
    let step = zoom.step_minutes();
    let sign = match key {
        "ArrowLeft" => -1,
        "ArrowRight" => 1,
        _ => return None,
    };
    Some(if shift {
        (
            starts_at,
            (duration_minutes + sign * step).max(step.min(duration_minutes)),
        )
    } else {
        (starts_at + Duration::minutes(sign * step), duration_minutes)
    })
}

/// A bar's place in its lane.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Placed {
    pub activity_id: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// Overlapping bars of a lane go on separate tracks, 0 at the top.
    pub track: usize,
}

/// One row group of the timeline (a location or a role) with its bars sorted by start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lane {
    pub key: String,
    pub label: String,
    pub bars: Vec<Placed>,
    pub tracks: usize,
    /// `reach[i]`: the latest end among `bars[..=i]`, to find visible bars quickly.
    reach: Vec<DateTime<Utc>>,
}

impl Lane {
    /// `bars` as (activity id, start, end), in any order.
    pub fn new(
        key: String,
        label: String,
        bars: impl IntoIterator<Item = (String, DateTime<Utc>, DateTime<Utc>)>,
    ) -> Self {
        let mut bars: Vec<Placed> = bars
            .into_iter()
            .map(|(activity_id, starts_at, ends_at)| Placed {
                activity_id,
                starts_at,
                ends_at,
                track: 0,
            })
            .collect();
        bars.sort_by(|a, b| {
            a.starts_at
                .cmp(&b.starts_at)
                .then(a.activity_id.cmp(&b.activity_id))
        });
        // Greedy interval colouring: each bar takes the first track free at its start.
        let mut track_ends: Vec<DateTime<Utc>> = Vec::new();
        for bar in &mut bars {
            match track_ends.iter().position(|end| *end <= bar.starts_at) {
                Some(track) => {
                    bar.track = track;
                    track_ends[track] = bar.ends_at;
                }
                None => {
                    bar.track = track_ends.len();
                    track_ends.push(bar.ends_at);
                }
            }
        }
        let mut reach = Vec::with_capacity(bars.len());
        let mut latest = DateTime::<Utc>::MIN_UTC;
        for bar in &bars {
            latest = latest.max(bar.ends_at);
            reach.push(latest);
        }
        Self {
            key,
            label,
            tracks: track_ends.len().max(1),
            bars,
            reach,
        }
    }

    /// The indexes of the bars that overlap [from, to): what must be drawn.
    pub fn visible(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Range<usize> {
        let end = self.bars.partition_point(|bar| bar.starts_at < to);
        let start = self.reach[..end].partition_point(|reach| *reach <= from);
        start..end
    }
}

/// Which lanes are on screen when the timeline is scrolled `scroll_top` pixels down a
/// viewport `height` high, each track `track_px` high plus `lane_gap_px` per lane.
pub fn visible_lanes(
    lanes: &[Lane],
    scroll_top: f64,
    height: f64,
    track_px: f64,
    lane_gap_px: f64,
) -> Range<usize> {
    let mut top = 0.0;
    let mut first = None;
    for (index, lane) in lanes.iter().enumerate() {
        let bottom = top + lane.tracks as f64 * track_px + lane_gap_px;
        if first.is_none() && bottom > scroll_top {
            first = Some(index);
        }
        if top >= scroll_top + height {
            return first.unwrap_or(index)..index;
        }
        top = bottom;
    }
    first.unwrap_or(lanes.len())..lanes.len()
}

/// A mark on the time axis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tick {
    pub x: f64,
    pub label: String,
    /// Midnight in the project's zone: the day's label.
    pub day: bool,
}

/// The ticks between `from` and `to`, at wall-clock boundaries in `zone`.
pub fn ticks(axis: &Axis, from: DateTime<Utc>, to: DateTime<Utc>, zone: &ZoneWindow) -> Vec<Tick> {
    let every = axis.zoom.tick_minutes();
    let local = zone.to_local(from);
    let minute_of_day = i64::from(local.hour() * 60 + local.minute());
    let first_local = local.date().and_hms_opt(0, 0, 0).unwrap_or(local)
        + Duration::minutes((minute_of_day + every - 1) / every * every);
    let mut ticks = Vec::new();
    let mut wall = first_local;
    while let Ok(instant) = zone.resolve(wall) {
        if instant >= to || ticks.len() > 2000 {
            break;
        }
        let day = wall.hour() == 0 && wall.minute() == 0;
        let label = if day {
            wall.format("%a %d %b").to_string()
        } else {
            wall.format("%H:%M").to_string()
        };
        ticks.push(Tick {
            x: axis.x(instant),
            label,
            day,
        });
        wall += Duration::minutes(every);
    }
    ticks
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, day, hour, minute, 0).unwrap()
    }

    #[test]
    fn pixels_and_times_convert_both_ways() {
        let axis = Axis {
            origin: at(4, 0, 0),
            zoom: Zoom::Day,
        };
        assert_eq!(axis.x(at(4, 3, 0)), 60.0);
        assert_eq!(axis.at(60.0), at(4, 3, 0));
        assert_eq!(axis.width(90), 30.0);
        for zoom in Zoom::ALL {
            assert_eq!(Zoom::parse(zoom.as_str()), Some(zoom));
            let axis = Axis {
                origin: at(4, 0, 0),
                zoom,
            };
            assert_eq!(axis.at(axis.x(at(5, 7, 0))), at(5, 7, 0));
        }
    }

    #[test]
    fn drags_snap_to_the_zoom_step_and_never_make_an_activity_vanish() {
        let axis = Axis {
            origin: at(4, 0, 0),
            zoom: Zoom::Day,
        }; // 3 min/px, 15-minute steps
        let start = at(4, 8, 0);
        // 11 px is 33 minutes: two steps.
        assert_eq!(
            dragged(start, 60, DragMode::Move, 11.0, &axis),
            (at(4, 8, 30), 60)
        );
        assert_eq!(
            dragged(start, 60, DragMode::ResizeEnd, 11.0, &axis),
            (start, 90)
        );
        assert_eq!(
            dragged(start, 60, DragMode::ResizeStart, 11.0, &axis),
            (at(4, 8, 30), 30)
        );
        assert_eq!(
            dragged(start, 60, DragMode::ResizeEnd, -1000.0, &axis),
            (start, 15)
        );
        assert_eq!(
            dragged(start, 60, DragMode::ResizeStart, 1000.0, &axis),
            (at(4, 8, 45), 15)
        );
        assert_eq!(
            dragged(start, 60, DragMode::Move, -20.0, &axis),
            (at(4, 7, 0), 60)
        );
    }

    #[test]
    fn keys_move_and_resize_by_a_step() {
        let start = at(4, 8, 0);
        assert_eq!(
            nudged(start, 60, "ArrowRight", false, Zoom::Day),
            Some((at(4, 8, 15), 60))
        );
        assert_eq!(
            nudged(start, 60, "ArrowLeft", true, Zoom::Day),
            Some((start, 45))
        );
        assert_eq!(
            nudged(start, 15, "ArrowLeft", true, Zoom::Day),
            Some((start, 15))
        );
        assert_eq!(nudged(start, 60, "Enter", false, Zoom::Day), None);
    }

    #[test]
    fn overlapping_bars_go_on_separate_tracks() {
        let lane = Lane::new(
            "loc".into(),
            "North".into(),
            [
                ("c".to_owned(), at(4, 11, 0), at(4, 12, 0)),
                ("a".to_owned(), at(4, 8, 0), at(4, 10, 0)),
                ("b".to_owned(), at(4, 9, 0), at(4, 11, 0)),
            ],
        );
        let tracks: Vec<(&str, usize)> = lane
            .bars
            .iter()
            .map(|b| (b.activity_id.as_str(), b.track))
            .collect();
        assert_eq!(tracks, vec![("a", 0), ("b", 1), ("c", 0)]);
        assert_eq!(lane.tracks, 2);
    }

    #[test]
    fn only_bars_overlapping_the_window_are_visible() {
        // A long bar early on stays visible while it spans the window.
        let lane = Lane::new(
            "loc".into(),
            "North".into(),
            [
                ("long".to_owned(), at(4, 0, 0), at(6, 0, 0)),
                ("early".to_owned(), at(4, 1, 0), at(4, 2, 0)),
                ("mid".to_owned(), at(5, 10, 0), at(5, 11, 0)),
                ("late".to_owned(), at(7, 10, 0), at(7, 11, 0)),
            ],
        );
        let shown = |from, to| -> Vec<&str> {
            let range = lane.visible(from, to);
            lane.bars[range]
                .iter()
                .map(|b| b.activity_id.as_str())
                .filter(|id| {
                    let bar = lane.bars.iter().find(|b| b.activity_id == *id).unwrap();
                    bar.ends_at > from && bar.starts_at < to
                })
                .collect()
        };
        assert_eq!(shown(at(5, 9, 0), at(5, 12, 0)), vec!["long", "mid"]);
        assert_eq!(shown(at(7, 0, 0), at(8, 0, 0)), vec!["late"]);
        // The range itself never leaves out a visible bar and is tight at the end.
        let range = lane.visible(at(7, 0, 0), at(8, 0, 0));
        assert_eq!(range.end, 4);
    }

    #[test]
    fn lanes_below_and_above_the_viewport_are_skipped() {
        let lane = |n: usize| Lane::new(format!("l{n}"), format!("Lane {n}"), std::iter::empty());
        let lanes: Vec<Lane> = (0..100).map(lane).collect();
        // Each lane is one 30 px track plus 10 px: 40 px.
        assert_eq!(visible_lanes(&lanes, 0.0, 100.0, 30.0, 10.0), 0..3);
        assert_eq!(visible_lanes(&lanes, 400.0, 100.0, 30.0, 10.0), 10..13);
        assert_eq!(visible_lanes(&lanes, 10_000.0, 100.0, 30.0, 10.0), 100..100);
    }

    #[test]
    fn ticks_fall_on_wall_clock_hours_of_the_project_zone() {
        let zone = ZoneWindow::fixed("Asia/Kolkata", 5 * 3600 + 1800, "IST");
        let axis = Axis {
            origin: at(4, 0, 0),
            zoom: Zoom::Day,
        };
        let ticks = ticks(&axis, at(4, 0, 0), at(4, 6, 0), &zone);
        // 00:00 UTC is 05:30 local: the first two-hourly tick is 06:00 local, 00:30 UTC.
        assert_eq!(ticks[0].label, "06:00");
        assert_eq!(ticks[0].x, 10.0);
        assert!(ticks.iter().all(|t| !t.day));
        let days = super::ticks(
            &Axis {
                origin: at(4, 0, 0),
                zoom: Zoom::Weeks,
            },
            at(4, 0, 0),
            at(7, 0, 0),
            &zone,
        );
        assert_eq!(
            days.iter().map(|t| t.label.as_str()).collect::<Vec<_>>(),
            vec!["Tue 05 May", "Wed 06 May", "Thu 07 May"]
        );
    }
}
