//! The realtime protocol, shared by the server's websocket endpoint and the browser:
//! message types, topic names, and sequence tracking. Pure logic, no I/O.

pub mod client;
pub mod position;
pub mod protocol;
pub mod sequence;
