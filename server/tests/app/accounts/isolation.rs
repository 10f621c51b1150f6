//! Tenant isolation: a user of account A can neither read nor change anything of
//! account B through any server function, even with B's real ids; and underneath, row
//! level security confines the runtime role whatever the query says.

use muster_platform::{
    db::{Freshness, ReadSource},
    tenancy, Config,
};
use serde_json::Value;
use uuid::Uuid;

use super::roles::join;
use crate::support::{
    browser::{ids, verified_user, Browser},
    TestApp, TestDatabase,
};

struct Tenant {
    owner: Browser,
    member: Browser,
    account_id: String,
    owner_id: String,
    member_id: String,
    invitation_id: String,
}

async fn tenant(app: &TestApp, name: &str) -> Tenant {
    let lower = name.to_lowercase();
    let owner = verified_user(
        app,
        &format!("{name} Owner"),
        &format!("owner@{lower}.example"),
        name,
    )
    .await;
    let member = join(
        app,
        &owner,
        &format!("{name} Member"),
        &format!("member@{lower}.example"),
        "member",
    )
    .await;
    owner
        .call(
            "invite_member",
            &[
                ("email", &format!("pending@{lower}.example")),
                ("role", "builder"),
            ],
        )
        .await;
    let (owner_id, account_id) = ids(&owner).await;
    let (_, page) = owner.call("load_members", &[]).await;
    let member_id = page["members"]
        .as_array()
        .expect("members")
        .iter()
        .find(|m| m["email"] == format!("member@{lower}.example"))
        .and_then(|m| m["user_id"].as_str())
        .expect("member")
        .to_owned();
    let invitation_id = page["invitations"][0]["id"]
        .as_str()
        .expect("invitation")
        .to_owned();
    Tenant {
        owner,
        member,
        account_id,
        owner_id,
        member_id,
        invitation_id,
    }
}

fn mentions(value: &Value, needle: &str) -> bool {
    value.to_string().contains(needle)
}

#[tokio::test]
async fn no_server_function_reads_or_changes_another_accounts_data() {
    let db = TestDatabase::create().await;
    let app = super::app(&db).await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;

    let random = Uuid::new_v4().to_string();
    let attempts: Vec<(&str, Vec<(&str, &str)>, u16)> = vec![
        (
            "change_role",
            vec![("user_id", &b.member_id), ("role", "admin")],
            404,
        ),
        (
            "change_role",
            vec![("user_id", &b.owner_id), ("role", "member")],
            404,
        ),
        ("remove_member", vec![("user_id", &b.member_id)], 404),
        ("remove_member", vec![("user_id", &b.owner_id)], 404),
        (
            "revoke_invitation",
            vec![("invitation_id", &b.invitation_id)],
            404,
        ),
        ("switch_account", vec![("account_id", &b.account_id)], 403),
        (
            "change_role",
            vec![("user_id", &random), ("role", "admin")],
            404,
        ),
        ("remove_member", vec![("user_id", "1 OR 1=1")], 404),
        ("revoke_invitation", vec![("invitation_id", &random)], 404),
        ("switch_account", vec![("account_id", &random)], 403),
    ];
    for (who, browser) in [("owner", &a.owner), ("member", &a.member)] {
        for (function, form, expected) in &attempts {
            let (status, body) = browser.call(function, form).await;
            if who == "owner" {
                assert_eq!(status, *expected, "{function} {form:?}: {body}");
            } else {
                // A member may not manage members at all: refused before any lookup.
                assert!(
                    status == 403 || status == *expected,
                    "{function} {form:?}: {status} {body}"
                );
            }
            assert!(
                !mentions(&body, "beta.example"),
                "{function} leaked B's data: {body}"
            );
        }
        let session = browser.session().await;
        assert_eq!(
            session["account"]["id"],
            a.account_id.as_str(),
            "still in A"
        );
        assert!(!mentions(&session, "Beta"), "{session}");
    }
    for function in ["load_members", "load_audit_log"] {
        let (status, body) = a.owner.call(function, &[]).await;
        assert_eq!(status, 200, "{body}");
        assert!(
            mentions(&body, "alpha.example"),
            "{function} shows A: {body}"
        );
        assert!(
            !mentions(&body, "beta.example"),
            "{function} leaked B: {body}"
        );
    }

    // B is untouched.
    let (_, page) = b.owner.call("load_members", &[]).await;
    let roles: Vec<(&str, &str)> = page["members"]
        .as_array()
        .expect("members")
        .iter()
        .map(|m| {
            (
                m["email"].as_str().unwrap_or_default(),
                m["role"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        [
            ("member@beta.example", "member"),
            ("owner@beta.example", "owner")
        ],
        "{page}"
    );
    assert_eq!(page["invitations"][0]["id"], b.invitation_id.as_str());
    assert_eq!(
        b.member.session().await["account"]["id"],
        b.account_id.as_str()
    );
}

const TENANT_TABLES: [&str; 4] = ["accounts", "memberships", "invitations", "audit_events"];

#[tokio::test]
async fn row_level_security_confines_the_runtime_role_even_without_a_where_clause() {
    let db = TestDatabase::create().await;
    let app = super::app(&db).await;
    let a = tenant(&app, "Alpha").await;
    let b = tenant(&app, "Beta").await;
    let (a_id, b_id): (Uuid, Uuid) = (
        a.account_id.parse().expect("uuid"),
        b.account_id.parse().expect("uuid"),
    );
    let owner = app.platform.db.migration_pool();

    let mut tx = app
        .platform
        .db
        .write(&tenancy::Scope::account(a_id))
        .await
        .expect("scoped");
    for table in TENANT_TABLES {
        let key = if table == "accounts" {
            "id"
        } else {
            "account_id"
        };
        let visible: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
                .fetch_one(&mut *tx)
                .await
                .expect("count");
        let of_a: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT count(*) FROM {table} WHERE {key} = $1"
        )))
        .bind(a_id)
        .fetch_one(owner)
        .await
        .expect("count");
        assert!(of_a > 0, "{table} has rows of A");
        assert_eq!(visible, of_a, "{table}: only A's rows are visible");
    }
    let changed = sqlx::query("UPDATE memberships SET role = 'owner'")
        .execute(&mut *tx)
        .await
        .expect("update")
        .rows_affected();
    assert_eq!(changed, 2, "only A's two memberships");
    let deleted = sqlx::query("DELETE FROM invitations")
        .execute(&mut *tx)
        .await
        .expect("delete")
        .rows_affected();
    let a_invitations: i64 =
        sqlx::query_scalar("SELECT count(*) FROM invitations WHERE account_id = $1")
            .bind(a_id)
            .fetch_one(owner)
            .await
            .expect("count");
    assert_eq!(deleted as i64, a_invitations, "only A's invitations");
    let smuggled =
        sqlx::query("INSERT INTO audit_events (account_id, action) VALUES ($1, 'forged')")
            .bind(b_id)
            .execute(&mut *tx)
            .await
            .expect_err("a row for B is refused");
    assert!(
        smuggled.to_string().contains("row-level security"),
        "{smuggled}"
    );
    drop(tx); // rolled back

    let mut tx = app
        .platform
        .db
        .write(&tenancy::Scope::none())
        .await
        .expect("unscoped");
    for table in TENANT_TABLES {
        let visible: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT count(*) FROM {table}")))
                .fetch_one(&mut *tx)
                .await
                .expect("count");
        assert_eq!(visible, 0, "{table} without a tenant shows nothing");
    }
}

#[tokio::test]
async fn every_tenant_owned_table_has_forced_row_level_security() {
    let db = TestDatabase::create().await;
    let app = super::app(&db).await;
    let tables: Vec<(String, bool, bool)> = sqlx::query_as(
        "SELECT c.relname::text, c.relrowsecurity, c.relforcerowsecurity FROM pg_class c
           JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE n.nspname = 'public' AND c.relkind = 'r'
            AND (c.relname = 'accounts' OR EXISTS (
                 SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'account_id' AND NOT a.attisdropped))
          ORDER BY 1",
    )
    .fetch_all(app.platform.db.migration_pool())
    .await
    .expect("catalog");
    assert!(tables.len() >= TENANT_TABLES.len(), "{tables:?}");
    for (table, enabled, forced) in tables {
        assert!(
            enabled && forced,
            "{table}: row level security must be enabled and forced"
        );
    }
}

#[tokio::test]
async fn muster_refuses_to_serve_through_a_role_that_bypasses_row_level_security() {
    let db = TestDatabase::create().await;
    let app = super::app(&db).await;
    let (superuser, bypass): (bool, bool) =
        sqlx::query_as("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            .fetch_one(app.platform.db.primary())
            .await
            .expect("role");
    assert!(
        !superuser && !bypass,
        "the test services' runtime role is unprivileged"
    );

    let mut env = super::env(&db);
    env.insert("DATABASE_URL".into(), db.owner_url.to_string());
    let message = start_up_refusal(&env).await;
    assert!(
        message.contains("superuser") && message.contains("DATABASE_MIGRATION_URL"),
        "{message}"
    );
}

/// The development loop's old trap: services' URLs exported without the owner role, so
/// the runtime role tries to migrate. Start-up must say which variable to set.
#[tokio::test]
async fn migrating_as_the_runtime_role_is_refused_with_what_to_set() {
    let db = TestDatabase::create().await;
    let mut env = super::env(&db);
    env.remove("DATABASE_MIGRATION_URL");
    let message = start_up_refusal(&env).await;
    assert!(
        message.contains("permission denied")
            && message.contains("set DATABASE_MIGRATION_URL")
            && message.contains("scripts/services up"),
        "{message}"
    );
}

/// Builds an instance from `env` and returns why it refused to start.
async fn start_up_refusal(env: &std::collections::HashMap<String, String>) -> String {
    let platform = muster_platform::Platform::connect(Config::from_source(env).expect("config"))
        .expect("platform");
    let options = leptos::prelude::LeptosOptions::builder()
        .output_name("muster")
        .site_addr(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))
        .build();
    muster_server::Application::build(platform, options)
        .await
        .err()
        .expect("start-up refused")
        .to_string()
}

/// Every tenant table's row count as a transaction scoped to `scope` sees it on a
/// replica, once one has replayed everything written so far (at most 15 s).
async fn counts_on_a_replica(app: &TestApp, scope: &tenancy::Scope) -> Vec<i64> {
    let db = &app.platform.db;
    let written = db.primary_lsn().await.expect("position");
    crate::support::wait_for(
        "a replica serves the scoped read",
        std::time::Duration::from_secs(15),
        || async {
            db.probe_replicas().await;
            let read = db
                .read_with_source(scope, Freshness::AtLeast(written), |conn, _| {
                    Box::pin(async move {
                        let mut counts = Vec::new();
                        for table in TENANT_TABLES {
                            let sql = format!("SELECT count(*) FROM {table}");
                            counts.push(
                                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                                    .fetch_one(&mut *conn)
                                    .await?,
                            );
                        }
                        Ok(counts)
                    })
                })
                .await
                .expect("replica read");
            (read.source != ReadSource::Primary).then_some(read.value)
        },
    )
    .await
}

#[tokio::test]
async fn a_tenant_read_on_a_replica_sees_its_own_rows_and_none_of_another_account() {
    let db = TestDatabase::create().await;
    let app = super::app(&db).await;
    let a = tenant(&app, "Alpha").await;
    let _b = tenant(&app, "Beta").await;
    let a_id: Uuid = a.account_id.parse().expect("uuid");
    let owner = app.platform.db.migration_pool();

    let mut of_a = Vec::new();
    for table in TENANT_TABLES {
        let key = if table == "accounts" {
            "id"
        } else {
            "account_id"
        };
        let sql = format!("SELECT count(*) FROM {table} WHERE {key} = $1");
        let count: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(a_id)
            .fetch_one(owner)
            .await
            .expect("count");
        assert!(count > 0, "{table} has rows of A");
        of_a.push(count);
    }
    assert_eq!(
        counts_on_a_replica(&app, &tenancy::Scope::account(a_id)).await,
        of_a,
        "on the replica, A's scope shows exactly A's rows of {TENANT_TABLES:?}"
    );
    assert_eq!(
        counts_on_a_replica(&app, &tenancy::Scope::none()).await,
        vec![0; TENANT_TABLES.len()],
        "on the replica, no scope shows no tenant's rows"
    );
}
