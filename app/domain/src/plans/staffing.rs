//! Who fills which slot, and what goes wrong: a person called to two activities at once,
//! or to two places too far apart for the time between them; and who is offered a slot
//! next when someone declines or does not answer.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// A place on Earth, in degrees.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Point {
    pub latitude: f64,
    pub longitude: f64,
}

const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Straight-line (great-circle) distance in kilometres.
pub fn distance_km(a: Point, b: Point) -> f64 {
    let (lat1, lat2) = (a.latitude.to_radians(), b.latitude.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.longitude - a.longitude).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// One activity a person is called to (a call-in that is not declined or cancelled).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Commitment {
    pub activity_id: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: Option<Point>,
}

/// Why one person cannot do two of their activities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Conflict {
    /// The two overlap in time.
    Overlap { first: String, second: String },
    /// The second starts too soon after the first for the distance between them.
    TooFar {
        first: String,
        second: String,
        distance_km: f64,
        gap_minutes: i64,
        travel_minutes: i64,
    },
}

impl Conflict {
    pub fn activities(&self) -> (&str, &str) {
        match self {
            Conflict::Overlap { first, second } | Conflict::TooFar { first, second, .. } => {
                (first, second)
            }
        }
    }
}

/// Minutes to cover `km` at `speed_kmh`, rounded up.
pub fn travel_minutes(km: f64, speed_kmh: f64) -> i64 {
    if speed_kmh <= 0.0 {
        return 0;
    }
    (km / speed_kmh * 60.0).ceil() as i64
}

/// Every conflict among one person's commitments: each overlapping pair, and each
/// pair where travelling from the first place to the second at `speed_kmh` takes longer
/// than the time between the first's end and the second's start. Places unknown on
/// either side raise no travel conflict.
pub fn conflicts(commitments: &[Commitment], speed_kmh: f64) -> Vec<Conflict> {
    let mut sorted: Vec<&Commitment> = commitments.iter().collect();
    sorted.sort_by(|a, b| {
        a.starts_at
            .cmp(&b.starts_at)
            .then(a.activity_id.cmp(&b.activity_id))
    });
    let mut found = Vec::new();
    for (index, first) in sorted.iter().enumerate() {
        for second in &sorted[index + 1..] {
            if second.activity_id == first.activity_id {
                continue;
            }
            if second.starts_at < first.ends_at {
                found.push(Conflict::Overlap {
                    first: first.activity_id.clone(),
                    second: second.activity_id.clone(),
                });
                continue;
            }
            // Sorted by start: once the gap exceeds any possible trip nothing later
            // can conflict with `first` by distance (half the Earth's circumference at
            // the given speed bounds every trip).
            let gap = second.starts_at - first.ends_at;
            let longest_trip = travel_minutes(20_040.0, speed_kmh);
            if gap > Duration::minutes(longest_trip) {
                break;
            }
            if let (Some(a), Some(b)) = (first.place, second.place) {
                let km = distance_km(a, b);
                let needed = travel_minutes(km, speed_kmh);
                if needed > gap.num_minutes() {
                    found.push(Conflict::TooFar {
                        first: first.activity_id.clone(),
                        second: second.activity_id.clone(),
                        distance_km: (km * 10.0).round() / 10.0,
                        gap_minutes: gap.num_minutes(),
                        travel_minutes: needed,
                    });
                }
            }
        }
    }
    found
}

/// Whether `candidate` (their current commitments) can take on `activity` without a
/// conflict.
pub fn is_free(commitments: &[Commitment], activity: &Commitment, speed_kmh: f64) -> bool {
    let mut all: Vec<Commitment> = commitments
        .iter()
        .filter(|c| c.activity_id != activity.activity_id)
        .cloned()
        .collect();
    all.push(activity.clone());
    conflicts(&all, speed_kmh).iter().all(|conflict| {
        let (a, b) = conflict.activities();
        a != activity.activity_id && b != activity.activity_id
    })
}

/// The state of one person's call-in to one activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallInState {
    /// Chosen; the notice goes out at the summon time.
    Scheduled,
    /// Notified; waiting for an answer.
    Sent,
    Accepted,
    Declined,
    /// No answer in time: the slot went to the next person.
    Expired,
    /// The activity or the line changed so that this call-in is no longer wanted.
    Cancelled,
}

impl CallInState {
    pub const ALL: [CallInState; 6] = [
        CallInState::Scheduled,
        CallInState::Sent,
        CallInState::Accepted,
        CallInState::Declined,
        CallInState::Expired,
        CallInState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CallInState::Scheduled => "scheduled",
            CallInState::Sent => "sent",
            CallInState::Accepted => "accepted",
            CallInState::Declined => "declined",
            CallInState::Expired => "expired",
            CallInState::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            CallInState::Scheduled => "To be called",
            CallInState::Sent => "Called, no answer yet",
            CallInState::Accepted => "Accepted",
            CallInState::Declined => "Declined",
            CallInState::Expired => "No answer in time",
            CallInState::Cancelled => "Cancelled",
        }
    }

    /// Whether this call-in holds its slot (counted against the line's count).
    pub fn holds_slot(self) -> bool {
        matches!(
            self,
            CallInState::Scheduled | CallInState::Sent | CallInState::Accepted
        )
    }

    /// The person's answer, if they may still give one.
    pub fn answer(self, accept: bool) -> Result<CallInState, AnswerRefusal> {
        match (self, accept) {
            (CallInState::Sent | CallInState::Scheduled, true) => Ok(CallInState::Accepted),
            (CallInState::Sent | CallInState::Scheduled, false) => Ok(CallInState::Declined),
            // Changing one's mind after accepting is allowed (a declined slot is offered
            // on); answering the same again is a repeat, not an error.
            (CallInState::Accepted, true) => Ok(CallInState::Accepted),
            (CallInState::Accepted, false) => Ok(CallInState::Declined),
            (CallInState::Declined, false) => Ok(CallInState::Declined),
            (CallInState::Declined, true) => Err(AnswerRefusal::AlreadyDeclined),
            (CallInState::Expired, _) => Err(AnswerRefusal::Expired),
            (CallInState::Cancelled, _) => Err(AnswerRefusal::Cancelled),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AnswerRefusal {
    #[error("You declined this call-in, and the place may have gone to someone else: ask the organiser.")]
    AlreadyDeclined,
    #[error("The answer came too late: the place was offered to someone else.")]
    Expired,
    #[error("This call-in was cancelled: the activity changed or no longer needs you.")]
    Cancelled,
}

/// One line of the summoning plan with how far it is staffed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlotCount {
    pub needed: i32,
    pub accepted: i32,
    /// Called or to be called, no answer yet.
    pub pending: i32,
}

impl SlotCount {
    pub fn of(needed: i32, states: impl IntoIterator<Item = CallInState>) -> Self {
        let (mut accepted, mut pending) = (0, 0);
        for state in states {
            match state {
                CallInState::Accepted => accepted += 1,
                CallInState::Scheduled | CallInState::Sent => pending += 1,
                _ => {}
            }
        }
        Self {
            needed,
            accepted,
            pending,
        }
    }

    /// Slots nobody holds.
    pub fn open(&self) -> i32 {
        (self.needed - self.accepted - self.pending).max(0)
    }
}

/// Who is offered an open slot next: the first in the organiser's order who holds the
/// role, has not been called to this activity for it before (whatever they answered),
/// and is free then.
pub fn next_candidate<'a>(
    order: &'a [String],
    already_called: &[String],
    is_free: impl Fn(&str) -> bool,
) -> Option<&'a str> {
    order
        .iter()
        .map(String::as_str)
        .find(|person| !already_called.iter().any(|c| c == person) && is_free(person))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const AMSTERDAM: Point = Point {
        latitude: 52.3676,
        longitude: 4.9041,
    };
    const UTRECHT: Point = Point {
        latitude: 52.0907,
        longitude: 5.1214,
    };
    const ROTTERDAM: Point = Point {
        latitude: 51.9244,
        longitude: 4.4777,
    };

    fn at(hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 4, hour, minute, 0).unwrap()
    }

    fn commitment(id: &str, from: (u32, u32), to: (u32, u32), place: Option<Point>) -> Commitment {
        Commitment {
            activity_id: id.into(),
            starts_at: at(from.0, from.1),
            ends_at: at(to.0, to.1),
            place,
        }
    }

    #[test]
    fn distances_are_great_circle_kilometres() {
        let km = distance_km(AMSTERDAM, ROTTERDAM);
        assert!((km - 57.1).abs() < 1.0, "{km}");
        assert_eq!(distance_km(UTRECHT, UTRECHT), 0.0);
        assert_eq!(travel_minutes(60.0, 60.0), 60);
        assert_eq!(travel_minutes(60.1, 60.0), 61);
    }

    #[test]
    fn overlapping_activities_conflict_and_touching_ones_do_not() {
        let found = conflicts(
            &[
                commitment("a", (8, 0), (10, 0), None),
                commitment("b", (9, 30), (11, 0), None),
                commitment("c", (11, 0), (12, 0), None),
            ],
            60.0,
        );
        assert_eq!(
            found,
            vec![Conflict::Overlap {
                first: "a".into(),
                second: "b".into()
            }]
        );
    }

    #[test]
    fn places_too_far_apart_for_the_gap_conflict() {
        // Amsterdam to Rotterdam, 57 km: at 60 km/h 58 minutes; a 30-minute gap is not
        // enough, a 60-minute gap is.
        let tight = conflicts(
            &[
                commitment("a", (8, 0), (10, 0), Some(AMSTERDAM)),
                commitment("b", (10, 30), (11, 0), Some(ROTTERDAM)),
            ],
            60.0,
        );
        match tight.as_slice() {
            [Conflict::TooFar {
                first,
                second,
                gap_minutes,
                travel_minutes,
                ..
            }] => {
                assert_eq!((first.as_str(), second.as_str()), ("a", "b"));
                assert_eq!((*gap_minutes, *travel_minutes), (30, 58));
            }
            other => panic!("{other:?}"),
        }
        let roomy = conflicts(
            &[
                commitment("a", (8, 0), (10, 0), Some(AMSTERDAM)),
                commitment("b", (11, 0), (12, 0), Some(ROTTERDAM)),
            ],
            60.0,
        );
        assert!(roomy.is_empty());
        // An unknown place raises no travel conflict.
        let unknown = conflicts(
            &[
                commitment("a", (8, 0), (10, 0), Some(AMSTERDAM)),
                commitment("b", (10, 1), (11, 0), None),
            ],
            60.0,
        );
        assert!(unknown.is_empty());
    }

    #[test]
    fn a_person_is_free_unless_the_new_activity_conflicts_with_theirs() {
        let theirs = [
            commitment("a", (8, 0), (10, 0), Some(AMSTERDAM)),
            commitment("b", (9, 0), (9, 30), None),
        ];
        // Their own existing conflict (a with b) does not make them busy for c.
        assert!(is_free(
            &theirs,
            &commitment("c", (12, 0), (13, 0), Some(AMSTERDAM)),
            60.0
        ));
        assert!(!is_free(
            &theirs,
            &commitment("c", (9, 45), (13, 0), None),
            60.0
        ));
        assert!(!is_free(
            &theirs,
            &commitment("c", (10, 15), (13, 0), Some(ROTTERDAM)),
            60.0
        ));
    }

    #[test]
    fn answers_move_a_call_in_only_where_it_makes_sense() {
        assert_eq!(CallInState::Sent.answer(true), Ok(CallInState::Accepted));
        assert_eq!(CallInState::Sent.answer(false), Ok(CallInState::Declined));
        assert_eq!(
            CallInState::Accepted.answer(false),
            Ok(CallInState::Declined)
        );
        assert_eq!(
            CallInState::Declined.answer(true),
            Err(AnswerRefusal::AlreadyDeclined)
        );
        assert_eq!(
            CallInState::Expired.answer(true),
            Err(AnswerRefusal::Expired)
        );
        assert_eq!(
            CallInState::Cancelled.answer(false),
            Err(AnswerRefusal::Cancelled)
        );
        for state in CallInState::ALL {
            assert_eq!(CallInState::parse(state.as_str()), Some(state));
        }
    }

    #[test]
    fn slots_count_accepted_and_pending_against_the_need() {
        let count = SlotCount::of(
            3,
            [
                CallInState::Accepted,
                CallInState::Sent,
                CallInState::Declined,
                CallInState::Cancelled,
            ],
        );
        assert_eq!(
            count,
            SlotCount {
                needed: 3,
                accepted: 1,
                pending: 1
            }
        );
        assert_eq!(count.open(), 1);
        assert_eq!(
            SlotCount::of(1, [CallInState::Accepted, CallInState::Accepted]).open(),
            0
        );
    }

    #[test]
    fn the_next_candidate_follows_the_order_skipping_the_called_and_the_busy() {
        let order = [
            "ann".to_owned(),
            "bob".to_owned(),
            "cy".to_owned(),
            "di".to_owned(),
        ];
        let called = ["ann".to_owned()];
        let next = next_candidate(&order, &called, |person| person != "bob");
        assert_eq!(next, Some("cy"));
        assert_eq!(next_candidate(&order, &order, |_| true), None);
    }
}
