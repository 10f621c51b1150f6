//! The form builder. So far its server side: apps, the draft (saved with the revision it
//! was based on, so nobody's work is silently overwritten) and publishing versions. The
//! drag-and-drop designer comes next (issue 5).

pub mod api;
