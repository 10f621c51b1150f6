//! The runner: where field workers fill in published apps, on phones first.
//!
//! - `launcher`: `/run`, the apps the user may fill in; `page`: `/run/{app}`, one app
//!   page by page, with the summary of problems before sending.
//! - `fill`: the form's inputs over a submission document, with the engine's
//!   conditions, calculations and messages (`muster_domain::forms::fill`).
//! - `draft`: the answers kept on the device as they are typed (browser only);
//!   `device` (with `device.js`): the device's location; `files` (with `media.js`):
//!   photos and signatures, kept on the device until their submission is sent.
//! - `outbox` (with `outbox.js`): finished submissions waiting in IndexedDB until the
//!   server has them, sent oldest first; `status`: what the runner shows of it. The
//!   service worker that lets the runner open offline is `public/sw.js`.
//! - `api`: the server functions.

pub mod api;
#[cfg(feature = "hydrate")]
pub mod device;
#[cfg(feature = "hydrate")]
pub mod draft;
#[cfg(feature = "hydrate")]
pub mod files;
pub mod fill;
pub mod launcher;
mod media_input;
#[cfg(feature = "hydrate")]
pub mod outbox;
pub mod page;
pub mod status;

pub use launcher::LauncherPage;
pub use page::RunnerPage;
