//! Who is asking, for every entry point of the server.
//!
//! [`provide`] is HTTP middleware that attaches one [`RequestContext`] to each request:
//! the caller's unit of work ([`muster_platform::Work`], positioned at their last
//! write so they read their own writes), their session under the sign-in policy
//! ([`policy`]: absolute and idle lifetimes), the client address, the request id, and
//! on demand the [`muster_accounts::Actor`] they act as. Server functions, the
//! websocket endpoint and the REST API all take it from the request; none of them
//! reads the session or resolves roles itself. After the response, the position of the
//! caller's last write is kept in their session, so it holds on any instance.

mod context;
mod error;
mod layer;
pub mod policy;
mod position;

pub use context::RequestContext;
pub use error::ContextError;
pub use layer::provide;
pub use position::SEEN_COOKIE;
