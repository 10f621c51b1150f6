//! Accounts: signing up and in, e-mail links, the organisations a user belongs to, their
//! members and the audit log. Pages in `pages`, server functions in `api`, the session
//! frame (header, banner) in `frame`; the rules themselves live in `muster_domain`
//! (shared with the browser) and `muster_accounts` (server), who is asking in
//! `muster_context`.

pub mod api;
pub mod form;
pub mod frame;
pub mod pages;

pub use pages::*;

/// `text` as one query-string value.
pub fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
