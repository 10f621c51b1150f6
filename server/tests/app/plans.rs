//! Projects, plans and call-ins (issue 14), over HTTP against the real services; call-in
//! timing driven by a controllable clock (`callins::process_due` with a chosen `now`).

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use muster_platform::{db::Lsn, tenancy::Scope, Work};
use serde_json::{json, Value};
use uuid::Uuid;

use crate::{
    accounts::{self, roles::join},
    support::{
        browser::{field_error, ids, verified_user, Browser},
        wait_for, TestApp, TestDatabase,
    },
};

/// 4 May 2027, 08:00 in Amsterdam (CEST, UTC+2).
pub(crate) fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2027, 5, 4, 6, 0, 0).unwrap()
}

pub(crate) async fn ok(browser: &Browser, function: &str, form: &[(&str, &str)]) -> Value {
    let (status, body) = browser.call(function, form).await;
    assert_eq!(status, 200, "{function}: {body}");
    body
}

pub(crate) async fn ok_json(browser: &Browser, function: &str, body: Value) -> Value {
    let (status, answer) = browser.call_json(function, &body).await;
    assert_eq!(status, 200, "{function}: {answer}");
    answer
}

pub(crate) fn text(value: &Value) -> String {
    value.as_str().expect("a string").to_owned()
}

pub(crate) async fn project(owner: &Browser) -> String {
    text(
        &ok(
            owner,
            "create_project",
            &[
                ("name", "Dyke survey"),
                ("goal", "Survey the north dyke"),
                ("time_zone", "Europe/Amsterdam"),
                ("starts_on", "2027-05-01"),
                ("ends_on", "2027-05-31"),
            ],
        )
        .await,
    )
}

pub(crate) async fn activity(
    owner: &Browser,
    project: &str,
    name: &str,
    starts_local: &str,
    minutes: i64,
    location: Option<&str>,
) -> String {
    text(
        &ok_json(
            owner,
            "create_activity",
            json!({ "project_id": project, "activity": {
                "name": name, "location_id": location, "starts_local": starts_local, "duration_minutes": minutes
            }}),
        )
        .await,
    )
}

pub(crate) async fn plan(browser: &Browser, project: &str) -> Value {
    ok(browser, "load_plan", &[("project_id", project)]).await
}

pub(crate) fn activity_in<'a>(plan: &'a Value, id: &str) -> &'a Value {
    plan["activities"]
        .as_array()
        .expect("activities")
        .iter()
        .find(|a| a["id"] == id)
        .expect("the activity is in the plan")
}

/// An owner with a project; members with the role "Surveyor" in the roster order given.
struct Team {
    app: TestApp,
    owner: Browser,
    project: String,
    role: String,
    account: Uuid,
    members: Vec<(Browser, String)>,
}

async fn team(db: &TestDatabase, names: &[&str]) -> Team {
    let app = accounts::app(db).await;
    let owner = verified_user(&app, "Olga", "olga@example.org", "Dykes").await;
    let (_, account) = ids(&owner).await;
    let project = project(&owner).await;
    let role = text(&ok(&owner, "create_role", &[("name", "Surveyor")]).await["id"]);
    let mut members = Vec::new();
    for name in names {
        let email = format!("{}@example.org", name.to_lowercase());
        let member = join(&app, &owner, name, &email, "member").await;
        let (user, _) = ids(&member).await;
        ok(
            &owner,
            "add_project_member",
            &[("project_id", &project), ("user_id", &user)],
        )
        .await;
        ok_json(
            &owner,
            "set_member_roles",
            json!({ "project_id": project, "user_id": user, "role_ids": [role] }),
        )
        .await;
        members.push((member, user));
    }
    Team {
        app,
        owner,
        project,
        role,
        account: account.parse().expect("account id"),
        members,
    }
}

impl Team {
    fn work(&self) -> Work {
        Work::new(self.app.platform.clone(), Lsn(0))
    }

    /// Sends and expires what is due by `now`.
    async fn at(&self, now: DateTime<Utc>) -> (usize, usize) {
        muster_plans::callins::process_due(&self.work(), self.account, now)
            .await
            .expect("due call-ins processed")
    }

    /// Needs one person of the team's role `minutes` before `activity` and calls `user`
    /// for it.
    async fn call(&self, activity: &str, minutes: &str, user: &str) {
        self.need(activity, "1", minutes).await;
        let plan = plan(&self.owner, &self.project).await;
        let need = text(&activity_in(&plan, activity)["needs"][0]["id"]);
        ok(
            &self.owner,
            "call_person",
            &[
                ("project_id", &self.project),
                ("need_id", &need),
                ("user_id", user),
            ],
        )
        .await;
    }

    async fn need(&self, activity: &str, count: &str, minutes: &str) -> Value {
        let plan = plan(&self.owner, &self.project).await;
        let version = activity_in(&plan, activity)["version"].to_string();
        ok(
            &self.owner,
            "set_need",
            &[
                ("project_id", &self.project),
                ("activity_id", activity),
                ("role_id", &self.role),
                ("count", count),
                ("call_in_minutes", minutes),
                ("base_version", &version),
            ],
        )
        .await
    }

    async fn notices(&self, user: &str, kind: &str) -> i64 {
        let (user, kind) = (user.parse::<Uuid>().expect("user id"), kind.to_owned());
        self.work()
            .read_latest(&Scope::account(self.account), |conn, _| {
                let kind = kind.clone();
                Box::pin(async move {
                    sqlx::query_scalar(
                        "SELECT count(*) FROM notifications WHERE user_id = $1 AND kind = $2",
                    )
                    .bind(user)
                    .bind(kind)
                    .fetch_one(conn)
                    .await
                })
            })
            .await
            .expect("count notices")
    }

    async fn call_ins(&self, activity: &str) -> Vec<(String, String, DateTime<Utc>)> {
        let activity = activity.parse::<Uuid>().expect("activity id");
        self.work()
            .read_latest(&Scope::account(self.account), |conn, _| {
                Box::pin(async move {
                    sqlx::query_as("SELECT user_id::text, state, summon_at FROM call_ins WHERE activity_id = $1 ORDER BY created_at, id")
                        .bind(activity)
                        .fetch_all(conn)
                        .await
                })
            })
            .await
            .expect("read call-ins")
    }

    async fn notice_body(&self, kind: &str) -> String {
        let kind = kind.to_owned();
        self.work()
            .read_latest(&Scope::account(self.account), |conn, _| {
                let kind = kind.clone();
                Box::pin(async move {
                    sqlx::query_scalar("SELECT body FROM notifications WHERE kind = $1 ORDER BY created_at DESC LIMIT 1")
                        .bind(kind)
                        .fetch_one(conn)
                        .await
                })
            })
            .await
            .expect("notice")
    }
}

/// Sends `body` to `function`, which must refuse it as invalid (422); its answer.
async fn refused(browser: &Browser, function: &str, body: &Value) -> Value {
    let (status, answer) = browser.call_json(function, body).await;
    assert_eq!(status, 422, "{function}: {answer}");
    answer
}

#[tokio::test]
async fn impossible_values_are_refused_each_with_a_message_and_nothing_is_stored_half() {
    let db = TestDatabase::create().await;
    let app = accounts::app(&db).await;
    let owner = verified_user(&app, "Olga", "olga@example.org", "Dykes").await;
    let (status, body) = owner
        .call(
            "create_project",
            &[
                ("name", "X"),
                ("goal", ""),
                ("time_zone", "Mars/Olympus"),
                ("starts_on", "2027-05-10"),
                ("ends_on", "2027-05-01"),
            ],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(field_error(&body, "time_zone").contains("Choose a time zone"));
    assert_eq!(
        field_error(&body, "ends_on"),
        "The project cannot end before it starts."
    );
    let project = project(&owner).await;

    let create = |name: &str, starts: &str, minutes: i64, location: Option<String>| json!({ "project_id": project, "activity": { "name": name, "starts_local": starts, "duration_minutes": minutes, "location_id": location } });
    let body = refused(
        &owner,
        "create_activity",
        &create("Survey", "2027-05-04T08:00", 0, None),
    )
    .await;
    assert!(field_error(&body, "duration_minutes").contains("at least one minute"));
    let body = refused(
        &owner,
        "create_activity",
        &create("Survey", "2027-06-04T08:00", 60, None),
    )
    .await;
    assert!(field_error(&body, "duration_minutes").starts_with("The project ends on 2027-05-31"));
    // Before the project starts (times the clocks skip are refused by `zone`'s tests).
    let body = refused(
        &owner,
        "create_activity",
        &create("Survey", "2027-03-28T02:30", 60, None),
    )
    .await;
    assert_eq!(
        field_error(&body, "starts_local"),
        "The project starts on 2027-05-01: start the activity then or later."
    );

    // A location of another account does not exist here.
    let other = verified_user(&app, "Nils", "nils@example.org", "Elsewhere").await;
    let (status, foreign) = other
        .call(
            "create_location",
            &[
                ("name", "Their depot"),
                ("address", ""),
                ("latitude", "52.1"),
                ("longitude", "5.1"),
            ],
        )
        .await;
    assert_eq!(status, 200, "{foreign}");
    let body = refused(
        &owner,
        "create_activity",
        &create("Survey", "2027-05-04T08:00", 60, Some(text(&foreign["id"]))),
    )
    .await;
    assert!(field_error(&body, "location_id").contains("does not exist in your organisation"));
    let (status, body) = owner
        .call(
            "create_location",
            &[
                ("name", "Gate"),
                ("address", ""),
                ("latitude", "95"),
                ("longitude", "5"),
            ],
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(field_error(&body, "latitude").contains("between -90 and 90"));

    let id = activity(&owner, &project, "Survey", "2027-05-04T08:00", 60, None).await;
    let role = text(&ok(&owner, "create_role", &[("name", "Surveyor")]).await["id"]);
    let (status, body) = owner.call("create_role", &[("name", " surveyor ")]).await;
    assert_eq!(
        status, 422,
        "a role name is unique, whatever its case: {body}"
    );
    let need = |count: &str, minutes: &str| {
        vec![
            ("project_id", project.clone()),
            ("activity_id", id.clone()),
            ("role_id", role.clone()),
            ("count", count.to_owned()),
            ("call_in_minutes", minutes.to_owned()),
            ("base_version", "1".to_owned()),
        ]
    };
    let form = need("0", "-5");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, body) = owner.call("set_need", &form).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(field_error(&body, "count"), "Ask for at least one person.");
    assert!(field_error(&body, "call_in_minutes").contains("cannot be negative"));
    let plan = plan(&owner, &project).await;
    assert_eq!(
        activity_in(&plan, &id)["needs"],
        json!([]),
        "a refused line is not stored"
    );
    assert_eq!(
        activity_in(&plan, &id)["version"],
        1,
        "nor does it take a version"
    );
    assert_eq!(plan["project"]["time_zone"], "Europe/Amsterdam");
    assert_eq!(
        plan["members"][0]["organiser"], true,
        "the creator organises the project"
    );
}

#[tokio::test]
async fn call_ins_go_out_once_at_their_time_and_move_with_the_activity() {
    let db = TestDatabase::create().await;
    let team = team(&db, &["Ann"]).await;
    let (ann, ann_id) = (&team.members[0].0, team.members[0].1.clone());
    let survey = activity(
        &team.owner,
        &team.project,
        "Survey",
        "2027-05-04T08:00",
        120,
        None,
    )
    .await;
    team.call(&survey, "90", &ann_id).await;
    let summon = start() - chrono::Duration::minutes(90);
    assert_eq!(
        team.call_ins(&survey).await,
        vec![(ann_id.clone(), "scheduled".to_owned(), summon)]
    );

    // Not yet: a minute early.
    assert_eq!(team.at(summon - chrono::Duration::minutes(1)).await, (0, 0));
    // Moving the activity two hours later moves its call-in with it.
    let moved = start() + chrono::Duration::hours(2);
    let version = activity_in(&plan(&team.owner, &team.project).await, &survey)["version"]
        .as_i64()
        .expect("version");
    ok_json(
        &team.owner,
        "reschedule_activity",
        json!({ "project_id": team.project, "activity_id": survey, "starts_at": moved, "duration_minutes": 120, "base_version": version }),
    )
    .await;
    let new_summon = moved - chrono::Duration::minutes(90);
    assert_eq!(team.call_ins(&survey).await[0].2, new_summon);
    assert_eq!(
        team.at(summon + chrono::Duration::minutes(5)).await,
        (0, 0),
        "the old time is stale"
    );
    assert_eq!(team.at(new_summon).await, (1, 0));
    assert_eq!(
        team.at(new_summon + chrono::Duration::minutes(1)).await,
        (0, 0),
        "sent once"
    );
    assert_eq!(team.call_ins(&survey).await[0].1, "sent");
    assert_eq!(team.notices(&ann_id, "call_in").await, 1);
    // Her reads include the call-in once a replica has it (the notice's event carries
    // its position to her open pages).
    let mine = ann
        .call_until("load_my_call_ins", &[], |mine| {
            mine["call_ins"].as_array().is_some_and(|l| !l.is_empty())
        })
        .await;
    let mine = &mine["call_ins"];
    assert_eq!(mine[0]["activity_name"], "Survey");
    assert!(
        text(&mine[0]["starts_local"]).contains("10:00"),
        "shown in the project's zone: {mine}"
    );
    // The mail with the link went out once, too (the job queue delivers it).
    let mails: i64 = wait_for("the call-in mail", Duration::from_secs(20), || async {
        let n: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM dev_outbox WHERE to_address = 'ann@example.org' AND subject LIKE 'You are called in%'",
        )
        .fetch_one(team.app.platform.db.primary())
        .await
        .ok()?;
        (n > 0).then_some(n)
    })
    .await;
    assert_eq!(mails, 1);

    // She accepts; the organiser's plan shows it.
    let call_in: String = text(&mine[0]["id"]);
    assert_eq!(
        ok(
            ann,
            "answer_call_in",
            &[("call_in_id", &call_in), ("accept", "true")]
        )
        .await,
        "accepted"
    );
    // Her write reaches the organiser's reads once a replica has it (their open page
    // hears of it at once, with its position).
    let accepted = |plan: &Value| {
        plan["activities"]
            .as_array()
            .is_some_and(|list| list.iter().any(|a| a["needs"][0]["slots"]["accepted"] == 1))
    };
    team.owner
        .call_until("load_plan", &[("project_id", &team.project)], accepted)
        .await;
    // Nobody else may answer it.
    let (status, _) = team
        .owner
        .call(
            "answer_call_in",
            &[("call_in_id", &call_in), ("accept", "false")],
        )
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_declined_or_unanswered_slot_goes_to_the_next_free_member_in_order_then_the_organiser_is_told(
) {
    let db = TestDatabase::create().await;
    let team = team(&db, &["Ann", "Bob", "Cy"]).await;
    let (organiser, _) = ids(&team.owner).await;
    let ids: Vec<String> = team.members.iter().map(|(_, id)| id.clone()).collect();
    // Bob is busy then: called to an overlapping activity.
    let other = activity(
        &team.owner,
        &team.project,
        "Other job",
        "2027-05-04T07:30",
        60,
        None,
    )
    .await;
    team.call(&other, "30", &ids[1]).await;

    let survey = activity(
        &team.owner,
        &team.project,
        "Survey",
        "2027-05-04T08:00",
        120,
        None,
    )
    .await;
    team.need(&survey, "1", "60").await;
    assert_eq!(
        ok(
            &team.owner,
            "fill_open_slots",
            &[("project_id", &team.project), ("activity_id", &survey)]
        )
        .await,
        1
    );
    assert_eq!(
        team.call_ins(&survey).await[0].0,
        ids[0],
        "Ann, first in the order, is called"
    );
    let plan_now = plan(&team.owner, &team.project).await;
    assert!(
        plan_now["conflicts"]
            .as_array()
            .expect("conflicts")
            .is_empty(),
        "{}",
        plan_now["conflicts"]
    );

    let summon = start() - chrono::Duration::minutes(60);
    team.at(summon).await;
    // Bob takes the other job.
    let bob_call = text(
        &team.members[1]
            .0
            .call_until("load_my_call_ins", &[], |mine| {
                mine["call_ins"].as_array().is_some_and(|l| !l.is_empty())
            })
            .await["call_ins"][0]["id"],
    );
    ok(
        &team.members[1].0,
        "answer_call_in",
        &[("call_in_id", &bob_call), ("accept", "true")],
    )
    .await;
    let ann_call = text(
        &team.members[0]
            .0
            .call_until("load_my_call_ins", &[], |mine| {
                mine["call_ins"].as_array().is_some_and(|l| !l.is_empty())
            })
            .await["call_ins"][0]["id"],
    );
    ok(
        &team.members[0].0,
        "answer_call_in",
        &[("call_in_id", &ann_call), ("accept", "false")],
    )
    .await;
    // Bob is busy: Cy is next.
    let calls = team.call_ins(&survey).await;
    assert_eq!(
        calls
            .iter()
            .map(|(u, s, _)| (u.as_str(), s.as_str()))
            .collect::<Vec<_>>(),
        vec![
            (ids[0].as_str(), "declined"),
            (ids[2].as_str(), "scheduled")
        ]
    );
    // Its summon time has passed: it goes out at once; Cy does not answer within the
    // project's answer time (4 hours).
    assert_eq!(team.at(summon + chrono::Duration::minutes(1)).await, (1, 0));
    assert_eq!(
        team.at(summon + chrono::Duration::minutes(1) + chrono::Duration::hours(4))
            .await,
        (0, 1)
    );
    let calls = team.call_ins(&survey).await;
    assert_eq!(calls[1].1, "expired");
    assert_eq!(
        calls.len(),
        2,
        "nobody is left: Ann declined, Bob is busy, Cy let it expire"
    );
    assert_eq!(
        team.notices(&organiser, "unfilled").await,
        1,
        "the organiser is told"
    );
    // Ann cannot take it back now.
    let (status, body) = team.members[0]
        .0
        .call(
            "answer_call_in",
            &[("call_in_id", &ann_call), ("accept", "true")],
        )
        .await;
    assert_eq!(status, 409, "{body}");
}

#[tokio::test]
async fn a_call_in_is_sent_once_whoever_runs_it_and_whenever() {
    let db = TestDatabase::create().await;
    let team = team(&db, &["Ann"]).await;
    let survey = activity(
        &team.owner,
        &team.project,
        "Survey",
        "2027-05-04T08:00",
        60,
        None,
    )
    .await;
    team.call(&survey, "60", &team.members[0].1).await;
    let id: Uuid = team
        .work()
        .read_latest(&Scope::account(team.account), |conn, _| {
            Box::pin(async move {
                sqlx::query_scalar("SELECT id FROM call_ins")
                    .fetch_one(conn)
                    .await
            })
        })
        .await
        .expect("call-in");
    // Eight workers (or one retried after a crash) at once, then again later.
    let summon = start() - chrono::Duration::hours(1);
    let runs = (0..8).map(|_| {
        let work = team.work();
        let account = team.account;
        tokio::spawn(
            async move { muster_plans::callins::send_due(&work, account, id, summon).await },
        )
    });
    let mut sent = 0;
    for run in runs {
        if run.await.expect("task").expect("send_due") {
            sent += 1;
        }
    }
    assert_eq!(sent, 1);
    // A second instance (a restarted worker) finds nothing to do.
    let restarted = accounts::app(&db).await;
    let work = Work::new(restarted.platform.clone(), Lsn(0));
    assert!(!muster_plans::callins::send_due(
        &work,
        team.account,
        id,
        summon + chrono::Duration::hours(1)
    )
    .await
    .expect("send_due"));
    assert_eq!(team.notices(&team.members[0].1, "call_in").await, 1);
}

#[tokio::test]
async fn a_save_based_on_an_older_version_is_refused_with_the_other_persons_values() {
    let db = TestDatabase::create().await;
    let team = team(&db, &[]).await;
    let survey = activity(
        &team.owner,
        &team.project,
        "Survey",
        "2027-05-04T08:00",
        60,
        None,
    )
    .await;
    let input = |name: &str| json!({ "name": name, "starts_local": "2027-05-04T08:00", "duration_minutes": 60 });
    let first = ok_json(
        &team.owner,
        "update_activity",
        json!({ "project_id": team.project, "activity_id": survey, "activity": input("Survey north"), "base_version": 1 }),
    )
    .await;
    assert_eq!(first["version"], 2);
    let (status, body) = team
        .owner
        .call_json(
            "update_activity",
            &json!({ "project_id": team.project, "activity_id": survey, "activity": input("Survey south"), "base_version": 1 }),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["ActivityChanged"]["current"]["name"], "Survey north");
    assert_eq!(body["ActivityChanged"]["current"]["version"], 2);
    assert_eq!(body["ActivityChanged"]["saved_by"], "Olga");
    assert_eq!(
        activity_in(&plan(&team.owner, &team.project).await, &survey)["name"],
        "Survey north"
    );
}

#[tokio::test]
async fn conflicts_show_a_person_called_to_overlapping_activities_or_to_places_too_far_apart() {
    let db = TestDatabase::create().await;
    let team = team(&db, &["Ann"]).await;
    let place = |name: &str, lat: &str, lon: &str| {
        let owner = &team.owner;
        let (name, lat, lon) = (name.to_owned(), lat.to_owned(), lon.to_owned());
        async move {
            text(
                &ok(
                    owner,
                    "create_location",
                    &[
                        ("name", &name),
                        ("address", ""),
                        ("latitude", &lat),
                        ("longitude", &lon),
                    ],
                )
                .await["id"],
            )
        }
    };
    let amsterdam = place("Amsterdam depot", "52.3676", "4.9041").await;
    let rotterdam = place("Rotterdam quay", "51.9244", "4.4777").await;
    // 57 km at the default 50 km/h: 69 minutes; there are 30 (and 60 to the third).
    let a = activity(
        &team.owner,
        &team.project,
        "Morning",
        "2027-05-04T08:00",
        60,
        Some(&amsterdam),
    )
    .await;
    let b = activity(
        &team.owner,
        &team.project,
        "Late morning",
        "2027-05-04T09:30",
        60,
        Some(&rotterdam),
    )
    .await;
    let c = activity(
        &team.owner,
        &team.project,
        "Overlapping",
        "2027-05-04T10:00",
        60,
        Some(&rotterdam),
    )
    .await;
    for activity in [&a, &b, &c] {
        team.call(activity, "30", &team.members[0].1).await;
    }
    let plan = plan(&team.owner, &team.project).await;
    let conflicts: Vec<(String, String, String)> = plan["conflicts"]
        .as_array()
        .expect("conflicts")
        .iter()
        .map(|c| {
            (
                text(&c["conflict"]["kind"]),
                text(&c["conflict"]["first"]),
                text(&c["conflict"]["second"]),
            )
        })
        .collect();
    assert!(
        conflicts.contains(&("too_far".to_owned(), a.clone(), b.clone())),
        "{conflicts:?}"
    );
    assert!(
        conflicts.contains(&("too_far".to_owned(), a.clone(), c.clone())),
        "{conflicts:?}"
    );
    assert!(
        conflicts.contains(&("overlap".to_owned(), b.clone(), c.clone())),
        "{conflicts:?}"
    );
    assert_eq!(conflicts.len(), 3, "{conflicts:?}");
}

#[tokio::test]
async fn plans_are_private_to_their_project_and_account() {
    let db = TestDatabase::create().await;
    let team = team(&db, &[]).await;
    // A member of the account who is not in the project, and someone of another account.
    let outsider = join(&team.app, &team.owner, "Otto", "otto@example.org", "member").await;
    let stranger = verified_user(&team.app, "Sam", "sam@example.org", "Elsewhere").await;
    for browser in [&outsider, &stranger] {
        let (status, body) = browser
            .call("load_plan", &[("project_id", &team.project)])
            .await;
        assert_eq!(status, 404, "{body}");
        let (status, _) = browser
            .call_json(
                "create_activity",
                &json!({ "project_id": team.project, "activity": {
                "name": "Sneaky", "starts_local": "2027-05-04T08:00", "duration_minutes": 60 } }),
            )
            .await;
        assert_eq!(status, 404);
    }
    assert_eq!(ok(&outsider, "load_projects", &[]).await, json!([]));
    // A plain member of the project sees it but cannot change it.
    let (outsider_id, _) = ids(&outsider).await;
    ok(
        &team.owner,
        "add_project_member",
        &[("project_id", &team.project), ("user_id", &outsider_id)],
    )
    .await;
    let plan = plan(&outsider, &team.project).await;
    assert_eq!(plan["viewer"]["organiser"], false);
    let (status, body) = outsider
        .call_json(
            "create_activity",
            &json!({ "project_id": team.project, "activity": {
            "name": "Sneaky", "starts_local": "2027-05-04T08:00", "duration_minutes": 60 } }),
        )
        .await;
    assert_eq!(status, 403, "{body}");
}

/// Two instances share Redis: a write through one is never followed by a stale plan
/// from the other's cache, for the writer and for everyone who heard of the write.
#[tokio::test]
async fn a_cached_plan_is_never_older_than_the_readers_last_write_on_any_instance() {
    let db = TestDatabase::create().await;
    let team = team(&db, &["Ann"]).await;
    let other = accounts::app(&db).await;
    let writer_elsewhere = Browser::with_jar(&other, team.owner.jar.clone());
    let survey = activity(
        &team.owner,
        &team.project,
        "Survey",
        "2027-05-04T08:00",
        60,
        None,
    )
    .await;
    // Warm the cache on both instances.
    plan(&writer_elsewhere, &team.project).await;
    plan(&team.members[0].0, &team.project).await;
    let before = team.app.platform.cache.stats().hits + other.platform.cache.stats().hits;
    for round in 0..30_i64 {
        let minutes = 30 + round;
        let version = activity_in(&plan(&team.owner, &team.project).await, &survey)["version"]
            .as_i64()
            .expect("version");
        ok_json(
            &team.owner,
            "reschedule_activity",
            json!({ "project_id": team.project, "activity_id": survey, "starts_at": start(), "duration_minutes": minutes, "base_version": version }),
        )
        .await;
        let seen = plan(&writer_elsewhere, &team.project).await;
        assert_eq!(
            activity_in(&seen, &survey)["duration_minutes"],
            minutes,
            "round {round}: the writer sees their write on the other instance"
        );
    }
    assert!(
        team.app.platform.cache.stats().hits + other.platform.cache.stats().hits > before,
        "reads between writes are served from the cache"
    );
}

#[tokio::test]
async fn moving_a_published_activity_tells_the_people_already_called_what_changed() {
    let db = TestDatabase::create().await;
    let team = team(&db, &["Ann"]).await;
    let ann = &team.members[0].1;
    let survey = activity(
        &team.owner,
        &team.project,
        "Survey",
        "2027-05-04T08:00",
        60,
        None,
    )
    .await;
    team.call(&survey, "60", ann).await;
    team.at(start()).await;
    ok(
        &team.owner,
        "publish_plan",
        &[("project_id", &team.project)],
    )
    .await;
    let version = activity_in(&plan(&team.owner, &team.project).await, &survey)["version"]
        .as_i64()
        .expect("version");
    ok_json(
        &team.owner,
        "reschedule_activity",
        json!({ "project_id": team.project, "activity_id": survey, "starts_at": start() + chrono::Duration::hours(1), "duration_minutes": 60, "base_version": version }),
    )
    .await;
    assert_eq!(team.notices(ann, "call_in_changed").await, 1);
    let body = team.notice_body("call_in_changed").await;
    assert!(
        body.contains("09:00"),
        "the new time in the project's zone: {body}"
    );
    // Deleting it tells her it is cancelled.
    let version =
        activity_in(&plan(&team.owner, &team.project).await, &survey)["version"].to_string();
    ok(
        &team.owner,
        "delete_activity",
        &[
            ("project_id", &team.project),
            ("activity_id", &survey),
            ("base_version", &version),
        ],
    )
    .await;
    assert_eq!(team.notices(ann, "call_in_cancelled").await, 1);
}

/// `plan:{id}` is followed by the project's members only, checked at each subscribe;
/// `inbox:{user}` by that user only. A member hears a change with its position.
#[tokio::test]
async fn only_members_follow_a_plan_live_and_only_its_owner_an_inbox() {
    use crate::support::socket::{connect, receive_json, subscribe};

    let db = TestDatabase::create().await;
    let team = team(&db, &["Ann"]).await;
    assert!(
        team.app
            .platform
            .hub
            .wait_until_relaying(Duration::from_secs(10))
            .await
    );
    let topic = format!("plan:{}", team.project);
    let outsider = join(&team.app, &team.owner, "Otto", "otto@example.org", "member").await;
    let stranger = verified_user(&team.app, "Sam", "sam@example.org", "Elsewhere").await;
    for browser in [None, Some(&outsider), Some(&stranger)] {
        let mut socket = connect(&team.app, browser).await;
        let answer = subscribe(&mut socket, &topic).await;
        assert_eq!(answer["type"], "denied", "{answer}");
        assert!(
            !answer.to_string().contains("Dyke survey"),
            "the project's name does not leak"
        );
    }
    let (ann, ann_id) = (&team.members[0].0, &team.members[0].1);
    let mut member = connect(&team.app, Some(ann)).await;
    assert_eq!(subscribe(&mut member, &topic).await["type"], "subscribed");
    let mut own_inbox = connect(&team.app, Some(ann)).await;
    assert_eq!(
        subscribe(&mut own_inbox, &format!("inbox:{ann_id}")).await["type"],
        "subscribed"
    );
    let mut other_inbox = connect(&team.app, Some(&outsider)).await;
    assert_eq!(
        subscribe(&mut other_inbox, &format!("inbox:{ann_id}")).await["type"],
        "denied"
    );

    activity(
        &team.owner,
        &team.project,
        "Survey",
        "2027-05-04T08:00",
        60,
        None,
    )
    .await;
    let event = receive_json(&mut member).await;
    assert_eq!(event["type"], "event", "{event}");
    assert_eq!(event["payload"]["event"], "changed");
    assert_eq!(event["payload"]["by"], "Olga");
    assert!(
        event["position"].as_str().is_some_and(|p| p.contains('/')),
        "{event}"
    );
    // Removed from the project, she may not follow it any more.
    ok(
        &team.owner,
        "remove_project_member",
        &[("project_id", &team.project), ("user_id", ann_id)],
    )
    .await;
    let mut again = connect(&team.app, Some(ann)).await;
    assert_eq!(subscribe(&mut again, &topic).await["type"], "denied");
}

/// An app asked for at an activity is offered to the people called to it while the
/// activity is near or under way; what they send records the activity, and the
/// activity lists it.
#[tokio::test]
async fn apps_due_at_an_activity_are_offered_and_their_submissions_recorded_there() {
    use crate::apps::{field, new_app, save};

    let db = TestDatabase::create().await;
    let team = team(&db, &["Ann"]).await;
    let (ann, ann_id) = (&team.members[0].0, team.members[0].1.clone());
    let app = new_app(&team.owner, "Dyke check").await;
    let form = json!({ "fields": [field("crack", "Crack", json!({ "type": "short_text" }))] });
    assert_eq!(save(&team.owner, &app, &form, 1).await.0, 200);
    ok(&team.owner, "publish_app", &[("app_id", &app)]).await;
    let survey = activity(
        &team.owner,
        &team.project,
        "Survey",
        "2027-05-04T08:00",
        120,
        None,
    )
    .await;
    ok(
        &team.owner,
        "link_app",
        &[
            ("project_id", &team.project),
            ("activity_id", &survey),
            ("app_id", &app),
            ("linked", "true"),
        ],
    )
    .await;
    team.call(&survey, "60", &ann_id).await;
    team.at(start()).await;

    let ann_uuid: Uuid = ann_id.parse().expect("id");
    let due = |now: DateTime<Utc>| {
        let platform = team.app.platform.clone();
        let account = team.account;
        async move {
            let work = Work::up_to_date(platform).await.expect("position");
            let actor = muster_accounts::members::actor(&work, ann_uuid, account)
                .await
                .expect("actor");
            muster_plans::mine::due_apps(&work, &actor, now)
                .await
                .expect("due apps")
        }
    };
    assert!(
        due(start() - chrono::Duration::hours(3)).await.is_empty(),
        "not yet, three hours before"
    );
    let now = due(start() + chrono::Duration::minutes(30)).await;
    assert_eq!(now.len(), 1);
    assert_eq!(now[0].activity_id, survey);
    assert_eq!(now[0].apps[0].app_id, app);
    assert!(
        due(start() + chrono::Duration::hours(3)).await.is_empty(),
        "not after it ended"
    );

    let submission = json!({
        "client_id": Uuid::new_v4().to_string(), "version": 1, "finished_at": "2027-05-04T08:30:00+02:00",
        "document": { "crack": "none" }, "activity_id": survey,
    });
    let (status, body) = ann
        .call_json(
            "submit",
            &json!({ "app_id": app, "submission": submission }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let made = team
        .owner
        .call_until(
            "load_activity_submissions",
            &[("project_id", &team.project), ("activity_id", &survey)],
            |list| list.as_array().is_some_and(|l| !l.is_empty()),
        )
        .await;
    assert_eq!(made[0]["app_name"], "Dyke check");
    assert_eq!(made[0]["submitted_by"], "Ann");
    // An activity that is not there is refused, nothing stored.
    let stray = json!({
        "client_id": Uuid::new_v4().to_string(), "version": 1, "finished_at": "2027-05-04T08:30:00+02:00",
        "document": { "crack": "none" }, "activity_id": Uuid::new_v4().to_string(),
    });
    let (status, body) = ann
        .call_json("submit", &json!({ "app_id": app, "submission": stray }))
        .await;
    assert_eq!(status, 400, "{body}");
}
