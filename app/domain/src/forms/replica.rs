//! One builder's copy of a draft that others edit at the same time.
//!
//! The replica keeps the draft as the server last confirmed it (at a revision), the
//! edits sent and not yet answered, and the edits not yet sent. What the builder shows
//! is the confirmed draft with both applied. Others' edits arrive numbered by revision;
//! a missing number means something was missed, and the replica asks to be reloaded
//! instead of guessing. Unsent edits survive reloads and going offline: they are sent
//! when the connection is back, and the server applies or refuses each one.

use serde::{Deserialize, Serialize};

use super::{
    edit::{apply, Edit, Refusal},
    schema::Form,
};

/// What the server answers to a batch of edits.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditOutcome {
    /// The draft's revision after the batch.
    pub revision: i64,
    /// The edits that took effect, in order (those that were already in effect included).
    pub applied: Vec<Edit>,
    pub refused: Vec<Refusal>,
}

/// What co-editors of a draft receive on its realtime topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DraftEvent {
    Edited {
        revision: i64,
        /// The tab that made the edits.
        client: String,
        by: String,
        edits: Vec<Edit>,
    },
    /// Who is in the builder and what they have selected; sent when it changes and
    /// every few seconds (an entry not refreshed is gone).
    Presence {
        client: String,
        by: String,
        selected: Option<super::schema::FieldId>,
        leaving: bool,
        /// The draft's revision when it was sent: a tab behind it missed an event
        /// (events are not replayed) and reloads.
        revision: i64,
    },
    /// The whole draft was saved at once (not edit by edit): reload it.
    Replaced {
        revision: i64,
        by: String,
    },
    Published {
        version: i32,
        by: String,
    },
}

/// The replica cannot continue from what it has: load the draft and call
/// [`Replica::reloaded`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NeedsReload;

#[derive(Debug, Clone, Default)]
pub struct Replica {
    confirmed: Form,
    revision: i64,
    in_flight: Vec<Edit>,
    unsent: Vec<Edit>,
    /// Others' edits that arrived while a batch was on its way, by revision: the answer
    /// says whether they came before or after it, so they wait for it.
    held: std::collections::BTreeMap<i64, Vec<Edit>>,
}

impl Replica {
    pub fn new(form: Form, revision: i64) -> Self {
        Self {
            confirmed: form,
            revision,
            ..Self::default()
        }
    }

    pub fn revision(&self) -> i64 {
        self.revision
    }

    /// The draft as this builder sees it: confirmed, plus own edits on the way. Own
    /// edits that no longer apply are left out (the server will refuse them and say why).
    pub fn view(&self) -> Form {
        let mut form = self.confirmed.clone();
        for edit in self.in_flight.iter().chain(&self.unsent) {
            let _ = apply(&mut form, edit);
        }
        form
    }

    /// Whether everything this builder did has been saved.
    pub fn is_saved(&self) -> bool {
        self.in_flight.is_empty() && self.unsent.is_empty()
    }

    /// Every edit of this builder not yet confirmed by the server, oldest first: what
    /// the tab keeps in the browser's storage in case it is closed before saving.
    pub fn pending(&self) -> Vec<Edit> {
        self.in_flight.iter().chain(&self.unsent).cloned().collect()
    }

    /// Edits left unsaved by an earlier visit, to be sent like new ones (the server
    /// applies or refuses each; applied ones are not applied twice).
    pub fn restore(&mut self, edits: Vec<Edit>) {
        self.unsent.extend(edits);
    }

    /// Whether a batch is on its way to the server.
    pub fn is_sending(&self) -> bool {
        !self.in_flight.is_empty()
    }

    pub fn has_unsent(&self) -> bool {
        !self.unsent.is_empty()
    }

    /// Records an edit of this builder. Typing into a property makes many edits of it;
    /// they collapse into one that replaces the value the first one saw.
    pub fn edit(&mut self, edit: Edit) {
        if let (
            Some(Edit::Set {
                id: last_id,
                property: last_property,
                after: last_after,
                ..
            }),
            Edit::Set {
                id,
                property,
                after,
                ..
            },
        ) = (self.unsent.last_mut(), &edit)
        {
            if last_id == id && last_property == property {
                *last_after = after.clone();
                return;
            }
        }
        self.unsent.push(edit);
    }

    /// The next batch to send, if nothing is on the way already (one batch at a time
    /// keeps the server's order the order of the edits).
    pub fn take_batch(&mut self) -> Option<Vec<Edit>> {
        if !self.in_flight.is_empty() || self.unsent.is_empty() {
            return None;
        }
        self.in_flight = std::mem::take(&mut self.unsent);
        Some(self.in_flight.clone())
    }

    /// The batch could not be delivered (offline, server unavailable): it goes back in
    /// front of the unsent edits, to be sent again.
    pub fn send_failed(&mut self) {
        let mut batch = std::mem::take(&mut self.in_flight);
        batch.append(&mut self.unsent);
        self.unsent = batch;
    }

    /// The server refused the batch as a whole (too large, no longer allowed): it is
    /// dropped.
    pub fn discard_in_flight(&mut self) {
        self.in_flight.clear();
    }

    /// The server answered the batch. The refusals are for the builder to see.
    pub fn acknowledged(&mut self, outcome: &EditOutcome) -> Result<(), NeedsReload> {
        self.in_flight.clear();
        let unchanged = outcome.revision == self.revision && outcome.applied.is_empty();
        if !unchanged {
            // Others' edits made before the batch come first.
            self.take_held_before(outcome.revision);
            if outcome.revision != self.revision + 1 {
                self.held.clear();
                return Err(NeedsReload);
            }
            for edit in &outcome.applied {
                let _ = apply(&mut self.confirmed, edit);
            }
            self.revision = outcome.revision;
        }
        self.take_held_before(i64::MAX);
        if self.held.is_empty() {
            Ok(())
        } else {
            // One of the held events is missing.
            self.held.clear();
            Err(NeedsReload)
        }
    }

    /// Applies the held events that follow on from the confirmed revision, below `end`.
    fn take_held_before(&mut self, end: i64) {
        self.held.retain(|revision, _| *revision > self.revision);
        while let Some(entry) = self.held.first_entry() {
            let revision = *entry.key();
            if revision != self.revision + 1 || revision >= end {
                break;
            }
            for edit in entry.remove() {
                let _ = apply(&mut self.confirmed, &edit);
            }
            self.revision = revision;
        }
    }

    /// Someone's edits, as the server applied them at `revision`. Own edits coming back
    /// over the topic were already taken in when the server answered.
    pub fn remote(&mut self, revision: i64, edits: &[Edit]) -> Result<(), NeedsReload> {
        if revision <= self.revision {
            return Ok(());
        }
        if !self.in_flight.is_empty() {
            // An answer to our own batch is due, and this may come before or after it:
            // the answer decides.
            self.held.insert(revision, edits.to_vec());
            return Ok(());
        }
        if revision != self.revision + 1 {
            return Err(NeedsReload);
        }
        for edit in edits {
            let _ = apply(&mut self.confirmed, edit);
        }
        self.revision = revision;
        Ok(())
    }

    /// The draft as loaded from the server; own edits not yet sent stay on top.
    pub fn reloaded(&mut self, form: Form, revision: i64) {
        self.confirmed = form;
        self.revision = revision;
        self.held.retain(|held, _| *held > revision);
        self.send_failed();
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::forms::{
        edit::find,
        schema::{Field, FieldId, Kind},
    };

    fn text(id: &str) -> Field {
        Field::new(FieldId(id.into()), id, Kind::ShortText { max_length: None })
    }

    fn label(id: &str, before: &str, after: &str) -> Edit {
        Edit::Set {
            id: FieldId(id.into()),
            property: crate::forms::edit::Property::Label,
            before: crate::forms::edit::PropertyValue::from_json(&json!({ "text": before })),
            after: crate::forms::edit::PropertyValue::from_json(&json!({ "text": after })),
        }
    }

    fn start() -> Replica {
        Replica::new(
            Form {
                fields: vec![text("a"), text("b")],
            },
            7,
        )
    }

    fn label_of(form: &Form, id: &str) -> String {
        find(&form.fields, &FieldId(id.into()))
            .map(|f| f.label.text.clone())
            .unwrap_or_default()
    }

    #[test]
    fn typing_collapses_into_one_edit_from_the_first_value() {
        let mut r = start();
        r.edit(label("a", "a", "N"));
        r.edit(label("a", "N", "Na"));
        r.edit(label("a", "Na", "Name"));
        let batch = r.take_batch().unwrap();
        assert_eq!(batch, vec![label("a", "a", "Name")]);
        assert_eq!(label_of(&r.view(), "a"), "Name");
    }

    #[test]
    fn one_batch_at_a_time_and_the_answer_confirms_it() {
        let mut r = start();
        r.edit(label("a", "a", "A"));
        let batch = r.take_batch().unwrap();
        r.edit(label("b", "b", "B"));
        assert_eq!(r.take_batch(), None, "a batch is already on the way");
        r.acknowledged(&EditOutcome {
            revision: 8,
            applied: batch,
            refused: vec![],
        })
        .unwrap();
        assert_eq!(r.revision(), 8);
        assert_eq!(r.take_batch().unwrap(), vec![label("b", "b", "B")]);
        assert_eq!(label_of(&r.view(), "a"), "A");
    }

    #[test]
    fn others_edits_merge_under_own_unsent_ones() {
        let mut r = start();
        r.edit(label("a", "a", "Mine"));
        r.remote(8, &[label("b", "b", "Theirs")]).unwrap();
        let view = r.view();
        assert_eq!(label_of(&view, "a"), "Mine");
        assert_eq!(label_of(&view, "b"), "Theirs");
        assert!(!r.is_saved());
    }

    #[test]
    fn a_missed_revision_asks_for_a_reload_and_keeps_own_edits() {
        let mut r = start();
        r.edit(label("a", "a", "Mine"));
        assert_eq!(r.remote(9, &[]), Err(NeedsReload));
        r.reloaded(
            Form {
                fields: vec![text("a"), text("b"), text("c")],
            },
            9,
        );
        assert_eq!(r.view().fields.len(), 3);
        assert_eq!(label_of(&r.view(), "a"), "Mine");
        assert_eq!(r.take_batch().unwrap(), vec![label("a", "a", "Mine")]);
    }

    #[test]
    fn offline_edits_are_kept_in_order_and_sent_later() {
        let mut r = start();
        r.edit(label("a", "a", "One"));
        r.take_batch().unwrap();
        r.edit(label("b", "b", "Two"));
        r.send_failed();
        assert_eq!(
            r.take_batch().unwrap(),
            vec![label("a", "a", "One"), label("b", "b", "Two")]
        );
    }

    #[test]
    fn an_answer_after_unseen_revisions_asks_for_a_reload() {
        let mut r = start();
        r.edit(label("a", "a", "A"));
        let batch = r.take_batch().unwrap();
        // Revision 8 was someone else's and never arrived.
        assert_eq!(
            r.acknowledged(&EditOutcome {
                revision: 9,
                applied: batch,
                refused: vec![],
            }),
            Err(NeedsReload)
        );
        assert!(r.is_saved());
    }

    #[test]
    fn others_edits_that_arrive_while_a_batch_is_on_its_way_follow_its_answer() {
        // Someone else's edit is numbered after ours: it must not be lost.
        let mut r = start();
        r.edit(label("a", "a", "A"));
        let batch = r.take_batch().unwrap();
        r.remote(9, &[label("b", "b", "B")]).unwrap();
        r.acknowledged(&EditOutcome {
            revision: 8,
            applied: batch,
            refused: vec![],
        })
        .unwrap();
        assert_eq!(r.revision(), 9);
        assert_eq!(label_of(&r.view(), "a"), "A");
        assert_eq!(label_of(&r.view(), "b"), "B");

        // Numbered before ours: applied under it, with no reload.
        r.edit(label("a", "A", "AA"));
        let batch = r.take_batch().unwrap();
        r.remote(10, &[label("b", "B", "BB")]).unwrap();
        r.acknowledged(&EditOutcome {
            revision: 11,
            applied: batch,
            refused: vec![],
        })
        .unwrap();
        assert_eq!(r.revision(), 11);
        assert_eq!(label_of(&r.view(), "b"), "BB");
        assert_eq!(label_of(&r.view(), "a"), "AA");
    }

    #[test]
    fn a_held_edit_after_a_gap_asks_for_a_reload() {
        let mut r = start();
        r.edit(label("a", "a", "A"));
        let batch = r.take_batch().unwrap();
        r.remote(10, &[label("b", "b", "B")]).unwrap();
        assert_eq!(
            r.acknowledged(&EditOutcome {
                revision: 8,
                applied: batch,
                refused: vec![],
            }),
            Err(NeedsReload)
        );
    }

    #[test]
    fn own_edits_echoed_on_the_topic_are_not_applied_twice() {
        let mut r = start();
        r.edit(Edit::Insert {
            field: text("c"),
            parent: None,
            after: Some(FieldId("b".into())),
        });
        let batch = r.take_batch().unwrap();
        r.acknowledged(&EditOutcome {
            revision: 8,
            applied: batch.clone(),
            refused: vec![],
        })
        .unwrap();
        r.remote(8, &batch).unwrap();
        assert_eq!(r.view().fields.len(), 3);
    }

    #[test]
    fn pending_edits_carry_over_to_a_new_replica() {
        let mut r = start();
        r.edit(label("a", "a", "One"));
        r.take_batch().unwrap();
        r.edit(label("b", "b", "Two"));
        let kept = r.pending();
        assert_eq!(kept, vec![label("a", "a", "One"), label("b", "b", "Two")]);

        // The next visit: a fresh copy of the draft, then the kept edits.
        let mut next = start();
        next.restore(kept.clone());
        assert!(!next.is_saved());
        assert_eq!(label_of(&next.view(), "b"), "Two");
        assert_eq!(next.take_batch().unwrap(), kept);
    }
}
