//! Integration tests of the whole server against the real Postgres primary + replica and
//! Redis (one test binary, so the large server is linked once).

mod support;

mod accounts;
mod api;
mod apps;
mod cache;
mod database;
mod editing;
mod faults;
mod jobs;
mod mail;
mod media;
mod pages;
mod plans;
mod process;
mod read_your_writes;
mod readiness;
mod realtime;
mod serving;
mod shutdown;
mod submission_table;
mod submissions;
mod webhooks;
