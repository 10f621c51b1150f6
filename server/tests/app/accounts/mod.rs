//! Accounts and tenancy, end to end over HTTP against the real services: the server
//! functions the pages call, with a cookie jar per simulated browser.

mod csrf;
mod flows;
mod isolation;
mod limits;
pub mod roles;
mod secrets;
mod sessions;

use std::collections::HashMap;

use crate::support::{TestApp, TestDatabase};

/// The environment for account tests: mail goes to the outbox, where tests read links.
pub fn env(db: &TestDatabase) -> HashMap<String, String> {
    let mut env = db.env();
    env.insert("MUSTER_DEV_OUTBOX".into(), "1".into());
    env
}

pub async fn app(db: &TestDatabase) -> TestApp {
    TestApp::spawn(env(db)).await
}

pub async fn app_with(db: &TestDatabase, extra: &[(&str, &str)]) -> TestApp {
    let mut env = env(db);
    for (name, value) in extra {
        env.insert((*name).to_owned(), (*value).to_owned());
    }
    TestApp::spawn(env).await
}
