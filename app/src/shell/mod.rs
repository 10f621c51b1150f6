//! The frame around every page: the HTML document, header and navigation, footer, and
//! the pages shown when nothing else matches.

pub mod chunks;
pub mod document;
pub mod hydration;
pub mod layout;
pub mod not_found;
pub mod random;
