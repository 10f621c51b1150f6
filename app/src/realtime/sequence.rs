//! Client-side bookkeeping of per-topic sequence numbers: tells an event that follows
//! the last one from a duplicate and from a gap (missed events: refetch).

use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Received {
    /// The next event: apply it.
    InOrder,
    /// Already seen (redelivered after a reconnect): ignore it.
    Duplicate,
    /// Events between were missed: refetch the topic's state.
    Gap { expected: u64, got: u64 },
    /// Not subscribed to this topic: ignore it.
    Unknown,
}

#[derive(Debug, Default, Clone)]
pub struct SequenceTracker {
    last: HashMap<String, u64>,
}

impl SequenceTracker {
    /// Records the sequence number the server reported on subscribing (or after a
    /// refetch): the next event must carry `seq + 1`.
    pub fn subscribed(&mut self, topic: &str, seq: u64) {
        self.last.insert(topic.to_owned(), seq);
    }

    pub fn unsubscribed(&mut self, topic: &str) {
        self.last.remove(topic);
    }

    pub fn received(&mut self, topic: &str, seq: u64) -> Received {
        let Some(last) = self.last.get_mut(topic) else {
            return Received::Unknown;
        };
        let expected = *last + 1;
        if seq == expected {
            *last = seq;
            Received::InOrder
        } else if seq <= *last {
            Received::Duplicate
        } else {
            Received::Gap { expected, got: seq }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_events_are_in_order() {
        let mut t = SequenceTracker::default();
        t.subscribed("plan:1", 5);
        assert_eq!(t.received("plan:1", 6), Received::InOrder);
        assert_eq!(t.received("plan:1", 7), Received::InOrder);
    }

    #[test]
    fn a_skipped_number_is_a_gap_until_resubscribed() {
        let mut t = SequenceTracker::default();
        t.subscribed("plan:1", 0);
        assert_eq!(t.received("plan:1", 1), Received::InOrder);
        assert_eq!(
            t.received("plan:1", 3),
            Received::Gap {
                expected: 2,
                got: 3
            }
        );
        assert_eq!(
            t.received("plan:1", 4),
            Received::Gap {
                expected: 2,
                got: 4
            },
            "still behind until refetched"
        );
        t.subscribed("plan:1", 4);
        assert_eq!(t.received("plan:1", 5), Received::InOrder);
    }

    #[test]
    fn old_numbers_are_duplicates_and_topics_are_independent() {
        let mut t = SequenceTracker::default();
        t.subscribed("plan:1", 3);
        t.subscribed("plan:2", 0);
        assert_eq!(t.received("plan:1", 3), Received::Duplicate);
        assert_eq!(t.received("plan:2", 1), Received::InOrder);
        assert_eq!(t.received("draft:9", 1), Received::Unknown);
        t.unsubscribed("plan:2");
        assert_eq!(t.received("plan:2", 2), Received::Unknown);
    }
}
