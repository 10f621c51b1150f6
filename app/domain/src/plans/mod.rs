//! Projects and their plans (issue 14), as rules free of I/O.
//!
//! - `zone`: a project's time zone as pages use it (offsets over the project's span),
//!   wall-clock times to UTC and back across daylight-saving changes.
//! - `activity`: what makes an activity, a summoning-plan line and a project's dates
//!   acceptable; when a line's people are called in.
//! - `staffing`: conflicts in a person's call-ins (overlap, too far to travel), call-in
//!   states and answers, slot counts, who is offered an open slot next.
//! - `timeline`: the timeline's geometry: axis, zoom, drags and keys, lanes and tracks,
//!   which bars are on screen, ticks.
//! - `views`: what crosses between the server and the plan pages.

pub mod activity;
pub mod staffing;
pub mod timeline;
pub mod views;
pub mod zone;
