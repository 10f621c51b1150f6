//! Muster's domain rules, free of I/O, compiled into the browser bundle (WASM) and the
//! server alike, so both judge input the same way.

pub mod accounts;
pub mod forms;
pub mod maps;
pub mod plans;
pub mod submissions;
pub mod webhooks;
