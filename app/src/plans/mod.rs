//! Projects and their plans (issue 14): the pages where members plan activities at
//! locations with roles, see each other's changes live, and answer their call-ins.
//!
//! - `projects_page`: `/projects`, the list and a new project.
//! - `plan_page`: `/projects/{id}`, one plan kept live over `plan:{id}` (with presence),
//!   in the view the address names: `list` (by day), `timeline`, `calendar`, `map`,
//!   `staffing`, `people`; each view is a module of its own.
//! - `activity_page`: `/projects/{id}/activities/{activity}`: an activity, its tasks,
//!   its summoning plan and call-ins, its apps; versioned saves with a merge view.
//! - `activity_fields`: an activity's inputs, shared by the list's new-activity form
//!   and the activity's details.
//! - `call_ins_page`: `/call-ins` and `/call-ins/{id}`, a member's own call-ins.
//! - `catalog_page`: `/roles-and-locations`, the account's roles and places.
//! - `format`: times in the project's zone; `api`: the server functions.

pub mod activity_fields;
pub mod activity_page;
pub mod api;
pub mod calendar;
pub mod call_ins_page;
pub mod catalog_page;
pub mod format;
pub mod list_view;
pub mod live;
pub mod map_view;
pub mod pending_answers;
pub mod people;
pub mod plan_page;
pub mod projects_page;
pub mod staffing;
pub mod timeline;

pub use activity_page::ActivityPage;
pub use call_ins_page::{CallInPage, CallInsPage};
pub use catalog_page::CatalogPage;
pub use plan_page::PlanPage;
pub use projects_page::ProjectsPage;
