//! What builders see of what arrived, and what they do with it.
//!
//! - `table_page`: `/apps/{app}/submissions`, a keyset-paged table whose filters,
//!   order and columns live in the address (`muster_domain::submissions::query`);
//! - `detail_page`: one submission's answers by the labels of the version it was
//!   filled with, its review status and history, and corrections of answers;
//! - `map_page`: `/apps/{app}/map`, the same filters as clustered pins, asked for by
//!   the box in view;
//! - `webhooks_page`: `/apps/{app}/webhooks`, endpoints for the app's events and the
//!   log of their deliveries (sent by the platform's webhook service);
//! - `api`: the server functions.

pub mod api;
mod detail_page;
mod map_page;
mod table_page;
mod webhooks_page;

pub use detail_page::SubmissionPage;
pub use map_page::SubmissionsMapPage;
pub use table_page::SubmissionsPage;
pub use webhooks_page::WebhooksPage;

/// A page address's query without its `?`: what the table, the map and the server
/// functions read filters from.
fn address_query(search: &str) -> String {
    search.trim_start_matches('?').to_owned()
}
