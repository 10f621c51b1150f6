//! The form builder: builders design an app's form in the browser and publish it as
//! numbered versions.
//!
//! - `page`: the builder page's layout; `apps_page`: the list of apps.
//! - `state`: the state every panel shares (the draft, selection, undo/redo, saving,
//!   co-editors); `sync`: saving and co-editing over the realtime hub (browser only).
//! - `canvas` (with the palette and dragging), `properties`, `preview`: the panels.
//! - `api`: the server functions.
//!
//! The rules (schema, edits and how they merge, the preview engine, validation) are in
//! `muster_domain::forms`, shared with the server.

pub mod api;
pub mod apps_page;
pub mod canvas;
pub mod page;
pub mod preview;
pub mod properties;
pub mod state;
#[cfg(feature = "hydrate")]
pub mod sync;

pub use apps_page::AppsPage;
pub use page::BuilderPage;
