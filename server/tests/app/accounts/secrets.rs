//! Secrets at rest (issue 12): the links mailed for confirming an address, resetting a
//! password and accepting an invitation never appear in a job payload — queued or left
//! behind — nor in a log line. The link is made when the mail is delivered.

use std::{
    io::Write,
    sync::{Arc, Mutex},
};

use muster_platform::Platform;

use super::app_with;
use crate::support::{
    browser::{ids, mailed_token, Browser},
    TestDatabase, TestWorker,
};

/// Everything logged on this test's thread, at every level.
#[derive(Clone, Default)]
struct CapturedLogs(Arc<Mutex<Vec<u8>>>);

impl Write for CapturedLogs {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl CapturedLogs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned()
    }
}

/// Every job payload in the queue now, whatever the job's state.
async fn payloads(platform: &Platform) -> Vec<String> {
    sqlx::query_scalar("SELECT payload::text FROM graphile_worker._private_jobs")
        .fetch_all(platform.db.migration_pool())
        .await
        .expect("job payloads")
}

/// Runs the queued jobs until the mail to `to` about `subject` arrives; returns its token.
async fn deliver(app: &crate::support::TestApp, to: &str, subject: &str) -> String {
    let worker = TestWorker::spawn(app.platform.clone(), muster_server::startup::job_registry());
    let token = mailed_token(app, to, subject).await;
    worker.stop().await;
    token
}

#[tokio::test]
async fn no_link_token_is_in_a_job_payload_or_a_log_line() {
    let logs = CapturedLogs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("trace"))
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    // The test runtime is single-threaded: the server and the worker log here too.
    let _logging = tracing::subscriber::set_default(subscriber);

    let db = TestDatabase::create().await;
    let app = app_with(&db, &[("MUSTER_IN_PROCESS_WORKER", "0")]).await;
    let mut seen_payloads = Vec::new();

    let owner = Browser::new(&app);
    let (status, body) = owner.sign_up("Olga", "olga@example.org", "Acme").await;
    assert_eq!(status, 200, "{body}");
    seen_payloads.extend(payloads(&app.platform).await);
    let confirm = deliver(&app, "olga@example.org", "Confirm").await;
    let (status, body) = owner.call("verify_email", &[("token", &confirm)]).await;
    assert_eq!(status, 200, "the mailed confirmation link works: {body}");

    let (status, body) = owner
        .call("request_password_reset", &[("email", "olga@example.org")])
        .await;
    assert_eq!(status, 200, "{body}");
    seen_payloads.extend(payloads(&app.platform).await);
    let reset = deliver(&app, "olga@example.org", "Reset").await;

    let (status, body) = owner
        .call(
            "invite_member",
            &[("email", "ivan@example.org"), ("role", "member")],
        )
        .await;
    assert_eq!(status, 200, "{body}");
    seen_payloads.extend(payloads(&app.platform).await);
    let invitation = deliver(&app, "ivan@example.org", "invited you").await;
    let (status, preview) = Browser::new(&app)
        .call("load_invitation", &[("token", &invitation)])
        .await;
    assert_eq!(status, 200, "the mailed invitation link works: {preview}");

    // The job's log lines lead back to the request that asked for it.
    let (_, account) = ids(&owner).await;
    let logged_so_far = logs.text();
    let job_line = logged_so_far
        .lines()
        .find(|line| {
            line.contains("accounts.mail_link")
                && line.contains("job attempt done")
                && line.contains(&format!("account={account}"))
        })
        .unwrap_or_else(|| {
            let jobs: Vec<&str> = logged_so_far
                .lines()
                .filter(|line| line.contains("mail_link"))
                .collect();
            panic!("no invitation job line names the account {account}: {jobs:#?}")
        });
    let request_id = job_line
        .split("request_id=")
        .nth(1)
        .and_then(|rest| rest.split([' ', '}']).next())
        .unwrap_or_default();
    assert!(
        !request_id.is_empty(),
        "the job names its request: {job_line}"
    );

    assert!(
        seen_payloads.len() >= 3,
        "each request queued its mail: {seen_payloads:?}"
    );
    seen_payloads.extend(payloads(&app.platform).await);
    let logged = logs.text();
    assert!(!logged.is_empty(), "the logs were captured");
    for (what, token) in [
        ("confirmation", &confirm),
        ("reset", &reset),
        ("invitation", &invitation),
    ] {
        assert_eq!(token.len(), 64, "{what} token");
        for payload in &seen_payloads {
            assert!(
                !payload.contains(token.as_str()),
                "the {what} link is in a job payload: {payload}"
            );
        }
        assert!(
            !logged.contains(token.as_str()),
            "the {what} link is in the logs"
        );
    }
}
