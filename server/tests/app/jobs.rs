//! The durable job queue against the real Postgres: transactional enqueue, retries with
//! backoff, the dead state, scheduling, undecodable payloads, crash recovery of a killed
//! `muster --worker` process, and the admin endpoint.

use std::{collections::HashMap, time::Duration};

use chrono::{DateTime, Utc};
use muster_platform::{
    jobs::{probe::Probe, Job, JobContext, JobError, JobOptions, QueueStats, Schedule},
    Platform,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::support::{
    first_dead_job, queued_jobs, wait_for, worker_process, TestApp, TestDatabase, TestWorker,
};

const ADMIN_TOKEN: &str = "test-admin-token-0123456789abcdef";

/// Records each attempt, then fails until `succeed_on_attempt` (never, if `None`).
#[derive(Serialize, Deserialize)]
struct Flaky {
    token: Uuid,
    succeed_on_attempt: Option<i16>,
}

impl Job for Flaky {
    const KIND: &'static str = "test.flaky";

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        record_attempt(&ctx, self.token).await?;
        match self.succeed_on_attempt {
            Some(n) if ctx.attempt >= n => Ok(()),
            _ => Err(JobError::Retry(format!(
                "attempt {} failed on purpose",
                ctx.attempt
            ))),
        }
    }
}

/// Fails in a way no retry can fix.
#[derive(Serialize, Deserialize)]
struct Doomed {
    token: Uuid,
}

impl Job for Doomed {
    const KIND: &'static str = "test.doomed";

    async fn run(self, ctx: JobContext) -> Result<(), JobError> {
        record_attempt(&ctx, self.token).await?;
        Err(JobError::Fatal("the recipient does not exist".into()))
    }
}

async fn record_attempt(ctx: &JobContext, token: Uuid) -> Result<(), JobError> {
    sqlx::query("INSERT INTO test_job_runs (token, attempt) VALUES ($1, $2)")
        .bind(token)
        .bind(ctx.attempt)
        .execute(ctx.work.db.primary())
        .await
        .map(|_| ())
        .map_err(|e| JobError::Retry(e.to_string()))
}

/// An app without its own worker (the test runs one with its test job kinds), and the
/// table the test jobs record their attempts in.
async fn app_without_worker(db: &TestDatabase, extra: &[(&str, &str)]) -> TestApp {
    let mut env = db.env();
    env.insert("MUSTER_IN_PROCESS_WORKER".into(), "0".into());
    env.insert("MUSTER_ADMIN_TOKEN".into(), ADMIN_TOKEN.into());
    for (k, v) in extra {
        env.insert((*k).into(), (*v).into());
    }
    let app = TestApp::spawn(env).await;
    sqlx::query(
        "CREATE TABLE test_job_runs (token uuid NOT NULL, attempt smallint NOT NULL,
                                     at timestamptz NOT NULL DEFAULT clock_timestamp())",
    )
    .execute(app.platform.db.migration_pool())
    .await
    .expect("create test table");
    app
}

fn test_worker(app: &TestApp) -> TestWorker {
    TestWorker::spawn(
        app.platform.clone(),
        Platform::job_registry()
            .register::<Flaky>()
            .register::<Doomed>(),
    )
}

async fn attempts(platform: &Platform, token: Uuid) -> Vec<(i16, DateTime<Utc>)> {
    sqlx::query_as("SELECT attempt, at FROM test_job_runs WHERE token = $1 ORDER BY at")
        .bind(token)
        .fetch_all(platform.db.primary())
        .await
        .expect("read attempts")
}

async fn probe_runs(platform: &Platform, token: Uuid) -> Vec<(i16, String, DateTime<Utc>)> {
    sqlx::query_as(
        "SELECT attempt, worker_id, started_at FROM job_probe_runs WHERE token = $1 ORDER BY id",
    )
    .bind(token)
    .fetch_all(platform.db.primary())
    .await
    .expect("read probe runs")
}

async fn admin_stats(app: &TestApp) -> serde_json::Value {
    let response = app
        .http
        .get(app.url("/admin/jobs"))
        .bearer_auth(ADMIN_TOKEN)
        .send()
        .await
        .expect("admin answers");
    assert_eq!(response.status(), 200);
    response.json().await.expect("JSON")
}

#[tokio::test]
async fn a_job_exists_exactly_when_its_transaction_commits() {
    let db = TestDatabase::create().await;
    let app = app_without_worker(&db, &[]).await;
    let platform = &app.platform;

    let rolled_back = Uuid::new_v4();
    let mut tx = platform
        .db
        .write(&muster_platform::tenancy::Scope::none())
        .await
        .expect("begin");
    platform
        .jobs
        .enqueue(
            &mut tx,
            &Probe {
                token: Some(rolled_back),
                hold_ms: 0,
            },
            JobOptions::default(),
        )
        .await
        .expect("enqueue");
    tx.rollback().await.expect("rollback");
    assert_eq!(
        queued_jobs(platform).await,
        0,
        "a rolled-back enqueue leaves no job"
    );

    let committed = Uuid::new_v4();
    let mut tx = platform
        .db
        .write(&muster_platform::tenancy::Scope::none())
        .await
        .expect("begin");
    platform
        .jobs
        .enqueue(
            &mut tx,
            &Probe {
                token: Some(committed),
                hold_ms: 0,
            },
            JobOptions::default(),
        )
        .await
        .expect("enqueue");
    // Not visible to anyone before the commit.
    assert_eq!(queued_jobs(platform).await, 0);
    tx.commit().await.expect("commit");
    assert_eq!(queued_jobs(platform).await, 1);

    let worker = test_worker(&app);
    wait_for("the committed job ran", Duration::from_secs(15), || async {
        (!probe_runs(platform, committed).await.is_empty()).then_some(())
    })
    .await;
    wait_for(
        "the completed job left the queue",
        Duration::from_secs(15),
        || async { (queued_jobs(platform).await == 0).then_some(()) },
    )
    .await;
    assert!(probe_runs(platform, rolled_back).await.is_empty());
    worker.stop().await;
}

#[tokio::test]
async fn failing_jobs_back_off_exponentially_then_die_with_their_error() {
    let db = TestDatabase::create().await;
    let app = app_without_worker(&db, &[]).await;
    let platform = &app.platform;
    let worker = test_worker(&app);

    let token = Uuid::new_v4();
    let job_id = platform
        .jobs
        .enqueue_standalone(
            &Flaky {
                token,
                succeed_on_attempt: None,
            },
            JobOptions {
                max_attempts: Some(3),
                ..Default::default()
            },
        )
        .await
        .expect("enqueue");

    let stats = wait_for("the job is dead", Duration::from_secs(40), || async {
        let stats = admin_stats(&app).await;
        (stats["dead"]
            .as_array()
            .is_some_and(|dead| !dead.is_empty()))
        .then_some(stats)
    })
    .await;
    let runs = attempts(platform, token).await;
    assert_eq!(
        runs.iter().map(|r| r.0).collect::<Vec<_>>(),
        [1, 2, 3],
        "exactly the attempt budget"
    );
    let first_gap = (runs[1].1 - runs[0].1).to_std().expect("ordered");
    let second_gap = (runs[2].1 - runs[1].1).to_std().expect("ordered");
    // e^1 s then e^2 s: each wait is longer than the one before, by about e.
    assert!(
        first_gap >= Duration::from_millis(2_500),
        "first retry after {first_gap:?}"
    );
    assert!(
        second_gap >= first_gap * 2,
        "second retry after {second_gap:?}, first after {first_gap:?}"
    );

    let dead = &stats["dead"][0];
    assert_eq!(dead["id"], job_id);
    assert_eq!(dead["kind"], "test.flaky");
    assert_eq!(dead["attempts"], 3);
    assert_eq!(dead["last_error"], "attempt 3 failed on purpose");
    let kind = stats["kinds"]
        .as_array()
        .expect("kinds")
        .iter()
        .find(|k| k["kind"] == "test.flaky")
        .expect("listed");
    assert_eq!(
        (kind["dead"].as_i64(), kind["waiting"].as_i64()),
        (Some(1), Some(0))
    );

    // An operator can give it another go.
    let retried = app
        .http
        .post(app.url(&format!("/admin/jobs/{job_id}/retry")))
        .bearer_auth(ADMIN_TOKEN)
        .header("origin", app.origin())
        .send()
        .await
        .expect("retry answers");
    assert_eq!(retried.status(), 200);
    wait_for(
        "the retried job ran again",
        Duration::from_secs(15),
        || async { (attempts(platform, token).await.len() == 4).then_some(()) },
    )
    .await;
    worker.stop().await;
}

#[tokio::test]
async fn a_job_that_fails_a_few_times_then_succeeds_completes() {
    let db = TestDatabase::create().await;
    let app = app_without_worker(&db, &[]).await;
    let platform = &app.platform;
    let worker = test_worker(&app);

    let token = Uuid::new_v4();
    platform
        .jobs
        .enqueue_standalone(
            &Flaky {
                token,
                succeed_on_attempt: Some(2),
            },
            JobOptions::default(),
        )
        .await
        .expect("enqueue");
    wait_for("the job completed", Duration::from_secs(20), || async {
        (attempts(platform, token).await.len() == 2 && queued_jobs(platform).await == 0)
            .then_some(())
    })
    .await;
    let stats = QueueStats::load(platform.db.primary())
        .await
        .expect("stats");
    assert!(stats.dead.is_empty() && stats.retrying.is_empty());
    worker.stop().await;
}

#[tokio::test]
async fn a_fatal_failure_is_dead_at_once_without_retries() {
    let db = TestDatabase::create().await;
    let app = app_without_worker(&db, &[]).await;
    let platform = &app.platform;
    let worker = test_worker(&app);

    let token = Uuid::new_v4();
    platform
        .jobs
        .enqueue_standalone(&Doomed { token }, JobOptions::default())
        .await
        .expect("enqueue");
    let dead = first_dead_job(platform).await;
    assert_eq!(
        dead.last_error.as_deref(),
        Some("the recipient does not exist")
    );
    assert_eq!(attempts(platform, token).await.len(), 1, "never retried");
    worker.stop().await;
}

#[tokio::test]
async fn old_dead_jobs_lose_their_payload_and_recent_ones_keep_it() {
    let db = TestDatabase::create().await;
    let app = app_without_worker(&db, &[]).await;
    let platform = &app.platform;
    let worker = test_worker(&app);
    let (old, recent) = (Uuid::new_v4(), Uuid::new_v4());
    for token in [old, recent] {
        platform
            .jobs
            .enqueue_standalone(&Doomed { token }, JobOptions::default())
            .await
            .expect("enqueue");
    }
    wait_for("both jobs are dead", Duration::from_secs(15), || async {
        let stats = muster_platform::jobs::QueueStats::load(platform.db.primary())
            .await
            .expect("stats");
        (stats.dead.len() == 2).then_some(())
    })
    .await;
    worker.stop().await;
    let owner = platform.db.migration_pool();
    sqlx::query(
        "UPDATE graphile_worker._private_jobs SET updated_at = now() - interval '4 days'
          WHERE payload->>'token' = $1",
    )
    .bind(old.to_string())
    .execute(owner)
    .await
    .expect("age one job");

    let emptied = muster_platform::jobs::retention::forget_dead_payloads(
        platform.db.primary(),
        Duration::from_secs(72 * 3600),
    )
    .await
    .expect("retention");
    assert_eq!(emptied, 1, "only the old dead job");
    let kept: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT payload::text, last_error FROM graphile_worker._private_jobs ORDER BY updated_at",
    )
    .fetch_all(owner)
    .await
    .expect("jobs");
    assert_eq!(kept.len(), 2, "the dead jobs stay listed");
    assert_eq!(kept[0].0, "{}", "the old one's payload is gone");
    assert!(
        kept[0]
            .1
            .as_deref()
            .is_some_and(|error| error.contains("the recipient does not exist")),
        "its error stays for the operator: {:?}",
        kept[0].1
    );
    assert!(
        kept[1].0.contains(&recent.to_string()),
        "the recent one keeps its payload"
    );
}

#[tokio::test]
async fn a_payload_that_no_longer_decodes_goes_dead_with_the_error() {
    let db = TestDatabase::create().await;
    let app = app_without_worker(&db, &[]).await;
    let platform = &app.platform;
    // As if written by an older version of Muster with another payload shape.
    sqlx::query("SELECT graphile_worker.add_job('test.flaky', '{\"tokn\": 42}'::json)")
        .execute(platform.db.primary())
        .await
        .expect("add raw job");
    let worker = test_worker(&app);

    let stats = wait_for("the job is dead", Duration::from_secs(15), || async {
        let stats = admin_stats(&app).await;
        (stats["dead"]
            .as_array()
            .is_some_and(|dead| !dead.is_empty()))
        .then_some(stats)
    })
    .await;
    let error = stats["dead"][0]["last_error"].as_str().expect("error kept");
    assert!(error.contains("not a valid `test.flaky` job"), "{error}");
    assert!(error.contains("missing field `token`"), "{error}");
    assert_eq!(stats["dead"][0]["attempts"], 1, "not retried in a loop");
    // The worker is still healthy: a good job after the bad one runs.
    let token = Uuid::new_v4();
    platform
        .jobs
        .enqueue_standalone(
            &Flaky {
                token,
                succeed_on_attempt: Some(1),
            },
            JobOptions::default(),
        )
        .await
        .expect("enqueue");
    wait_for("the next job ran", Duration::from_secs(15), || async {
        (!attempts(platform, token).await.is_empty()).then_some(())
    })
    .await;
    worker.stop().await;
}

#[tokio::test]
async fn scheduled_jobs_wait_until_they_are_due() {
    let db = TestDatabase::create().await;
    let app = app_without_worker(&db, &[]).await;
    let platform = &app.platform;
    let worker = test_worker(&app);

    let token = Uuid::new_v4();
    let due = Utc::now() + chrono::Duration::milliseconds(1_500);
    platform
        .jobs
        .enqueue_standalone(
            &Probe {
                token: Some(token),
                hold_ms: 0,
            },
            JobOptions {
                schedule: Schedule::At(due),
                ..Default::default()
            },
        )
        .await
        .expect("enqueue");
    let stats = admin_stats(&app).await;
    let probe = stats["kinds"]
        .as_array()
        .expect("kinds")
        .iter()
        .find(|k| k["kind"] == "platform.probe")
        .expect("listed");
    assert_eq!(probe["scheduled"], 1, "{stats}");

    let runs = wait_for("the scheduled job ran", Duration::from_secs(15), || async {
        let runs = probe_runs(platform, token).await;
        (!runs.is_empty()).then_some(runs)
    })
    .await;
    assert!(
        runs[0].2 >= due,
        "ran at {} although due at {due}",
        runs[0].2
    );
    worker.stop().await;
}

#[tokio::test]
async fn a_job_whose_worker_is_killed_mid_run_runs_again_on_another_worker() {
    let db = TestDatabase::create().await;
    let fast_recovery = crate::support::FAST_JOB_RECOVERY;
    let app = app_without_worker(&db, &fast_recovery).await;
    let platform = &app.platform;

    let mut env: HashMap<String, String> = db.env();
    env.extend(
        fast_recovery
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    let mut child = worker_process(env);

    let token = Uuid::new_v4();
    platform
        .jobs
        .enqueue_standalone(
            &Probe {
                token: Some(token),
                hold_ms: 600_000,
            },
            JobOptions::default(),
        )
        .await
        .expect("enqueue");
    let first = wait_for(
        "the worker process started the job",
        Duration::from_secs(60),
        || async { probe_runs(platform, token).await.into_iter().next() },
    )
    .await;
    child.kill().expect("kill -9 the worker");
    child.wait().expect("reap");

    let survivor = TestWorker::spawn(platform.clone(), Platform::job_registry());
    let runs = wait_for("the job ran again", Duration::from_secs(30), || async {
        let runs = probe_runs(platform, token).await;
        (runs.len() >= 2).then_some(runs)
    })
    .await;
    assert_ne!(runs[1].1, first.1, "another worker ran it");
    assert_eq!(
        runs[1].0, 1,
        "an interrupted run does not count against the attempt budget"
    );
    survivor.stop().await;
}

#[tokio::test]
async fn the_admin_api_is_off_without_a_token_and_refuses_wrong_ones() {
    let db = TestDatabase::create().await;
    let off = TestApp::spawn(db.env()).await;
    let response = off
        .http
        .get(off.url("/admin/jobs"))
        .send()
        .await
        .expect("answers");
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.expect("JSON");
    assert!(body["message"]
        .as_str()
        .unwrap_or_default()
        .contains("MUSTER_ADMIN_TOKEN"));

    let app = app_without_worker(&db, &[]).await;
    for auth in [None, Some("Bearer wrong-token"), Some("Basic dGVzdA==")] {
        let mut request = app.http.get(app.url("/admin/jobs"));
        if let Some(auth) = auth {
            request = request.header("authorization", auth);
        }
        let response = request.send().await.expect("answers");
        assert_eq!(response.status(), 401, "{auth:?}");
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
    }
    let missing = app
        .http
        .post(app.url("/admin/jobs/987654/retry"))
        .bearer_auth(ADMIN_TOKEN)
        .header("origin", app.origin())
        .send()
        .await
        .expect("answers");
    assert_eq!(missing.status(), 404);
}
