//! Projects, plans and call-ins on the server (issue 14).
//!
//! - `access`: who may see and change a project (members, organisers; owners and admins
//!   of the account), decided on the primary.
//! - `projects`, `catalog` (the account's roles and locations), `members` (who takes
//!   part, as what, in which order), `activities` (activities, tasks, the summoning
//!   plan, linked apps; versioned saves).
//! - `callins`: scheduling, sending exactly once at the summon time, answers, offering
//!   declined and unanswered slots on; `inbox`: the notices a person was left.
//! - `plan`: reading a whole plan from one replica snapshot, through the cache, never
//!   older than the reader's own last write; `mine`: a member's own call-ins.
//! - `events`: after a write, the cache tag dropped and members told (`plan:{id}`), with
//!   the write's position; presence.
//! - `zone`: the tz database (chrono-tz) behind project time zones.
//!
//! Every operation takes the caller's [`muster_accounts::Actor`] and runs through their
//! unit of work, scoped to the actor's account.

pub mod access;
pub mod activities;
pub mod callins;
pub mod catalog;
mod error;
pub mod events;
mod inbox;
pub mod members;
pub mod mine;
pub mod plan;
pub mod projects;
pub mod zone;

pub use callins::{ExpireCallIn, SendCallIn};
pub use error::PlansError;
pub use inbox::notices;
