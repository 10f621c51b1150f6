//! Muster's HTTP server as a library, so that integration tests run the real
//! application in-process on a random port (`main.rs` is a thin wrapper).

pub mod api;
pub mod http;
pub mod shutdown;
pub mod startup;

pub use startup::{run_worker_only, Application, StartupError};
