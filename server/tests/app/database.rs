//! The database access API against the real primary and streaming replica.

use std::time::Duration;

use muster_platform::{
    db::{Borrows, Freshness, Lsn, ReadFuture, ReadSource, MIGRATOR},
    tenancy::Scope,
    Config, Database,
};

use crate::support::{dead_endpoint, via, wait_for, TestDatabase};

fn database(db: &TestDatabase, env_overrides: &[(&str, String)]) -> Database {
    let mut env = db.env();
    for (name, value) in env_overrides {
        env.insert((*name).to_owned(), value.clone());
    }
    let config = Config::from_source(&env).expect("valid test config");
    Database::connect(&config.database).expect("pools")
}

#[tokio::test]
async fn instances_starting_together_migrate_exactly_once() {
    let db = TestDatabase::create().await;
    let instances: Vec<Database> = (0..4).map(|_| database(&db, &[])).collect();
    let results = futures::future::join_all(instances.iter().map(Database::migrate)).await;
    for result in results {
        result.expect("every instance starts");
    }
    let applied: Vec<i64> =
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
            .fetch_all(instances[0].primary())
            .await
            .expect("migration table");
    let expected: Vec<i64> = MIGRATOR
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .map(|m| m.version)
        .collect();
    assert_eq!(applied, expected, "each migration recorded once");
}

#[tokio::test]
async fn reads_go_to_a_healthy_replica() {
    let db = TestDatabase::create().await;
    let database = database(&db, &[]);
    database.migrate().await.expect("migrate");
    let (in_recovery, source) = eventually_from_replica(&database, |conn, _| {
        Box::pin(sqlx::query_scalar::<_, bool>("SELECT pg_is_in_recovery()").fetch_one(conn))
    })
    .await;
    assert!(in_recovery, "the read really ran on the standby");
    assert_eq!(source, ReadSource::Replica("replica-1".into()));
}

/// Probes and reads until a replica serves the read (it must catch up with the
/// migrations first), for at most 15 s.
async fn eventually_from_replica<T, F>(database: &Database, query: F) -> (T, ReadSource)
where
    F: for<'c> Fn(&'c mut sqlx::PgConnection, Borrows<'c, '_>) -> ReadFuture<'c, T> + Send + Sync,
    T: Send,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        database.probe_replicas().await;
        let muster_platform::db::Read { value, source, .. } = database
            .read_with_source(&Scope::none(), Freshness::Any, &query)
            .await
            .expect("read");
        if source != ReadSource::Primary {
            return (value, source);
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no replica ever served the read"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn writes_are_visible_to_the_writer_reading_at_its_lsn() {
    let db = TestDatabase::create().await;
    let database = database(&db, &[("DATABASE_HEALTH_INTERVAL_MS", "50".into())]);
    database.migrate().await.expect("migrate");
    // Schema changes need the owner role; the runtime role gets data rights by default.
    sqlx::query("CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)")
        .execute(database.migration_pool())
        .await
        .expect("table");
    database.probe_replicas().await;
    let _monitor = database.spawn_replica_monitor(Duration::from_millis(50));

    let read_back = |id: i32, lsn: Lsn| {
        let database = database.clone();
        async move {
            database
                .read_with_source(&Scope::none(), Freshness::AtLeast(lsn), move |conn, _| {
                    Box::pin(
                        sqlx::query_scalar::<_, i32>("SELECT id FROM notes WHERE id = $1")
                            .bind(id)
                            .fetch_optional(conn),
                    )
                })
                .await
                .expect("read")
        }
    };

    // Immediately after each write, whichever server answers has the write.
    for id in 0..30 {
        sqlx::query("INSERT INTO notes VALUES ($1, 'hello')")
            .bind(id)
            .execute(database.primary())
            .await
            .expect("write");
        let lsn = database.primary_lsn().await.expect("lsn");
        let muster_platform::db::Read {
            value: found,
            source,
            ..
        } = read_back(id, lsn).await;
        assert_eq!(
            found,
            Some(id),
            "write {id} must be visible to its writer (read from {source:?})"
        );
    }

    // And once the replica has replayed the write, it is the replica that serves it.
    sqlx::query("INSERT INTO notes VALUES (100, 'last')")
        .execute(database.primary())
        .await
        .expect("write");
    let lsn = database.primary_lsn().await.expect("lsn");
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        database.probe_replicas().await;
        let muster_platform::db::Read {
            value: found,
            source,
            ..
        } = read_back(100, lsn).await;
        assert_eq!(found, Some(100));
        if source == ReadSource::Replica("replica-1".into()) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the replica never caught up"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_position_no_replica_has_reached_is_read_from_the_primary() {
    let db = TestDatabase::create().await;
    let database = database(&db, &[]);
    database.probe_replicas().await;
    let muster_platform::db::Read { source, .. } = database
        .read_with_source(
            &Scope::none(),
            Freshness::AtLeast(Lsn(u64::MAX)),
            |conn, _| Box::pin(sqlx::query("SELECT 1").execute(conn)),
        )
        .await
        .expect("read");
    assert_eq!(source, ReadSource::Primary);
}

#[tokio::test]
async fn without_replicas_every_read_uses_the_primary() {
    let db = TestDatabase::create().await;
    let mut env = db.env();
    env.remove("DATABASE_REPLICA_URLS");
    let config = Config::from_source(&env).expect("config");
    let database = Database::connect(&config.database).expect("pools");
    database.probe_replicas().await;
    assert!(database.replica_reports().is_empty());
    let muster_platform::db::Read { source, .. } = database
        .read_with_source(&Scope::none(), Freshness::Any, |conn, _| {
            Box::pin(sqlx::query("SELECT 1").execute(conn))
        })
        .await
        .expect("read");
    assert_eq!(source, ReadSource::Primary);
}

#[tokio::test]
async fn query_errors_are_not_mistaken_for_an_unavailable_replica() {
    let db = TestDatabase::create().await;
    let database = database(&db, &[]);
    database.probe_replicas().await;
    let result = database
        .read(&Scope::none(), Freshness::Any, |conn, _| {
            Box::pin(sqlx::query("SELECT * FROM no_such_table").execute(conn))
        })
        .await;
    assert!(
        matches!(result, Err(muster_platform::db::DbError::Query(_))),
        "{result:?}"
    );
    assert_eq!(
        database.replica_reports()[0].state,
        muster_platform::db::ReplicaState::Healthy,
        "replica still used"
    );
}

#[tokio::test]
async fn an_unreachable_replica_is_reported_and_skipped() {
    let db = TestDatabase::create().await;
    let database = database(
        &db,
        &[(
            "DATABASE_REPLICA_URLS",
            via(&db.replica_url, dead_endpoint()).to_string(),
        )],
    );
    database.probe_replicas().await;
    let report = &database.replica_reports()[0];
    assert_eq!(report.state, muster_platform::db::ReplicaState::Unreachable);
    assert!(report.error.is_some());
    let muster_platform::db::Read { source, .. } = database
        .read_with_source(&Scope::none(), Freshness::Any, |conn, _| {
            Box::pin(sqlx::query("SELECT 1").execute(conn))
        })
        .await
        .expect("read");
    assert_eq!(source, ReadSource::Primary);
}

/// WAL replay on a standby takes the exclusive locks the primary took, and waits (up to
/// `max_standby_streaming_delay`, 30 s by default) for the standby's readers of that
/// table; new readers queue behind it. A read must not hang there: after the replica
/// lock timeout it runs on the primary.
#[tokio::test]
async fn a_read_queued_behind_replay_on_the_replica_is_answered_by_the_primary() {
    use sqlx::{Connection, PgConnection};
    let db = TestDatabase::create().await;
    let database = database(&db, &[("DATABASE_REPLICA_LOCK_TIMEOUT_MS", "300".into())]);
    database.migrate().await.expect("migrate");
    sqlx::query("CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)")
        .execute(database.migration_pool())
        .await
        .expect("table");
    sqlx::query("INSERT INTO notes VALUES (1, 'kept')")
        .execute(database.primary())
        .await
        .expect("row");
    database.record_schema_position().await.expect("position");
    eventually_from_replica(&database, |conn, _| note_body(conn)).await;

    // A long report on the replica holds the table.
    let mut report = PgConnection::connect(db.replica_url.as_str())
        .await
        .expect("replica connection");
    sqlx::query("BEGIN")
        .execute(&mut report)
        .await
        .expect("begin");
    sqlx::query("SELECT count(*) FROM notes")
        .execute(&mut report)
        .await
        .expect("report");
    // The primary locks it exclusively for a moment; replay must wait for the report.
    let mut owner = PgConnection::connect(db.owner_url.as_str())
        .await
        .expect("primary connection");
    let mut lock = owner.begin().await.expect("begin");
    sqlx::query("LOCK TABLE notes IN ACCESS EXCLUSIVE MODE")
        .execute(&mut *lock)
        .await
        .expect("lock");
    lock.commit().await.expect("commit");
    let observer = sqlx::PgPool::connect(db.replica_url.as_str())
        .await
        .expect("replica connection");
    wait_for(
        "replay waits for the exclusive lock on the replica",
        Duration::from_secs(15),
        || async {
            let waiting: bool = sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM pg_locks
                  WHERE mode = 'AccessExclusiveLock' AND NOT granted
                    AND relation = 'notes'::regclass)",
            )
            .fetch_one(&observer)
            .await
            .expect("locks");
            waiting.then_some(())
        },
    )
    .await;

    database.probe_replicas().await;
    let read = database
        .read_with_source(&Scope::none(), Freshness::Any, |conn, _| note_body(conn))
        .await
        .expect("read");
    assert_eq!(read.value, "kept");
    assert_eq!(
        read.source,
        ReadSource::Primary,
        "the replica was blocked by replay (without a lock timeout the read waits until replay cancels the report, then answers from the replica)"
    );
    sqlx::query("ROLLBACK")
        .execute(&mut report)
        .await
        .expect("end report");
}

fn note_body(conn: &mut sqlx::PgConnection) -> ReadFuture<'_, String> {
    Box::pin(sqlx::query_scalar("SELECT body FROM notes").fetch_one(conn))
}

/// A request the client abandons drops its read or write wherever it is, even half-way
/// through `BEGIN`. Whatever the point, the pooled connection must come back outside any
/// transaction: otherwise the next caller's `BEGIN` is ignored and its work runs inside
/// the abandoned one (read-only, on an old snapshot).
#[tokio::test]
async fn a_read_or_write_abandoned_at_any_point_leaves_no_transaction_open() {
    let db = TestDatabase::create().await;
    // One connection per pool: the next caller gets the abandoned connection.
    let database = database(
        &db,
        &[
            ("DATABASE_MAX_CONNECTIONS", "1".into()),
            ("DATABASE_REPLICA_MAX_CONNECTIONS", "1".into()),
        ],
    );
    database.migrate().await.expect("migrate");
    sqlx::query("CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL)")
        .execute(database.migration_pool())
        .await
        .expect("table");
    eventually_from_replica(&database, |conn, _| {
        Box::pin(sqlx::query("SELECT 1").execute(conn))
    })
    .await;

    let mut id = 0;
    // Where the work is when dropped depends on how far the server got between polls.
    for (polls, pause) in (1..=10).flat_map(|polls| [50, 200, 1000].map(|us| (polls, us))) {
        let pause = Duration::from_micros(pause);
        for freshness in [Freshness::Latest, Freshness::Any] {
            abandon_after(
                polls,
                pause,
                database.read(&Scope::none(), freshness, |conn, _| note_count(conn)),
            )
            .await;
            abandon_after(polls, pause, async {
                let mut tx = database.write(&Scope::none()).await?;
                sqlx::query("INSERT INTO notes VALUES (-1, 'abandoned')")
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await
            })
            .await;

            id += 1;
            let mut tx = database
                .write(&Scope::none())
                .await
                .expect("a write after the abandoned one begins");
            sqlx::query("INSERT INTO notes VALUES ($1, 'kept')")
                .bind(id)
                .execute(&mut *tx)
                .await
                .unwrap_or_else(|e| {
                    panic!("after {polls} polls {pause:?} apart ({freshness:?}): {e}")
                });
            let position = tx.commit().await.expect("commit");
            let found = database
                .read(
                    &Scope::none(),
                    Freshness::AtLeast(position),
                    move |conn, _| {
                        Box::pin(
                            sqlx::query_scalar::<_, i32>("SELECT id FROM notes WHERE id = $1")
                                .bind(id)
                                .fetch_optional(conn),
                        )
                    },
                )
                .await
                .expect("read");
            assert_eq!(
                found,
                Some(id),
                "a read after one abandoned after {polls} polls {pause:?} apart ({freshness:?}) sees the newest write"
            );
        }
    }
}

/// Polls `work` `polls` times, `pause` apart, then drops it as a disconnecting client's
/// request is dropped.
async fn abandon_after<F: std::future::Future>(polls: usize, pause: Duration, work: F) {
    let mut work = Box::pin(work);
    for _ in 0..polls {
        if futures::poll!(work.as_mut()).is_ready() {
            return;
        }
        // A blocking pause parks the runtime, which then reads the server's answers: the
        // next poll moves the work on by one step.
        tokio::task::spawn_blocking(move || std::thread::sleep(pause))
            .await
            .expect("pause");
    }
}

fn note_count(conn: &mut sqlx::PgConnection) -> ReadFuture<'_, i64> {
    Box::pin(sqlx::query_scalar("SELECT count(*) FROM notes").fetch_one(conn))
}
