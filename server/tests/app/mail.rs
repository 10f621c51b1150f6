//! Mail: sent by the job queue, through SMTP or into the development outbox at
//! `/dev/mail`, once per mail however often its job is delivered.

use std::time::Duration;

use muster_platform::{
    jobs::JobOptions,
    mail::{self, OutgoingMail, SendMail},
};

use crate::support::{
    first_dead_job, queued_jobs, smtp::SmtpSink, wait_for, TestApp, TestDatabase,
};

async fn outbox_count(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM dev_outbox")
        .fetch_one(app.platform.db.primary())
        .await
        .expect("count")
}

#[tokio::test]
async fn mail_sent_in_a_transaction_reaches_the_dev_outbox_page_once() {
    let db = TestDatabase::create().await;
    let mut env = db.env();
    env.insert("MUSTER_DEV_OUTBOX".into(), "1".into());
    let app = TestApp::spawn(env).await;

    let mail = OutgoingMail::new(
        "ada@example.org",
        Some("Ada Lovelace"),
        "Confirm your e-mail",
        "Welcome to Muster.\nConfirm here: http://localhost/verify?token=abc123.",
    )
    .expect("valid mail");
    let mut tx = app
        .platform
        .db
        .write(&muster_platform::tenancy::Scope::none())
        .await
        .expect("begin");
    mail::send(&app.platform.jobs, &mut tx, mail.clone())
        .await
        .expect("enqueue");
    // The same mail delivered twice (as a retried or re-run job would) is stored once.
    app.platform
        .jobs
        .enqueue(&mut tx, &SendMail(mail.clone()), JobOptions::default())
        .await
        .expect("enqueue duplicate");
    tx.commit().await.expect("commit");

    // Dead jobs stay in the queue: an empty queue means both deliveries succeeded.
    wait_for("both deliveries ran", Duration::from_secs(15), || async {
        (queued_jobs(&app.platform).await == 0).then_some(())
    })
    .await;
    assert_eq!(
        outbox_count(&app).await,
        1,
        "one mail, whatever the number of deliveries"
    );

    let page = app
        .http
        .get(app.url("/dev/mail"))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("Confirm your e-mail"), "{html}");
    assert!(
        html.contains("Ada Lovelace &lt;ada@example.org&gt;")
            || html.contains("Ada Lovelace <ada@example.org>")
    );
    assert!(
        html.contains(r#"href="http://localhost/verify?token=abc123""#),
        "the link is clickable"
    );
}

#[tokio::test]
async fn the_dev_outbox_does_not_exist_unless_enabled() {
    let db = TestDatabase::create().await;
    let app = TestApp::spawn(db.env()).await;
    let page = app
        .http
        .get(app.url("/dev/mail"))
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), 404);
    assert!(!page
        .text()
        .await
        .expect("html")
        .contains("Development outbox"));
}

#[tokio::test]
async fn mail_goes_through_smtp_when_configured_and_a_refusal_is_final() {
    let accepting = SmtpSink::start("250 OK").await;
    let db = TestDatabase::create().await;
    let mut env = db.env();
    env.insert(
        "MUSTER_SMTP_URL".into(),
        format!("smtp://{}", accepting.addr),
    );
    env.insert(
        "MUSTER_MAIL_FROM".into(),
        "Muster <noreply@muster.test>".into(),
    );
    let app = TestApp::spawn(env).await;

    let mail =
        OutgoingMail::new("grace@example.org", None, "Your invitation", "Join us.").expect("valid");
    let message_id = mail.message_id;
    app.platform
        .jobs
        .enqueue_standalone(&SendMail(mail.clone()), JobOptions::default())
        .await
        .expect("enqueue");
    let received = wait_for(
        "the SMTP server got the mail",
        Duration::from_secs(15),
        || async { accepting.received.lock().await.first().cloned() },
    )
    .await;
    assert!(received.contains("Subject: Your invitation"), "{received}");
    assert!(
        received.contains(&format!("Message-ID: <{message_id}@muster>")),
        "{received}"
    );
    assert!(
        received.contains("From: Muster <noreply@muster.test>"),
        "{received}"
    );

    // Delivered again (a re-run job): not sent a second time.
    app.platform
        .jobs
        .enqueue_standalone(&SendMail(mail), JobOptions::default())
        .await
        .expect("enqueue");
    wait_for(
        "the second delivery finished",
        Duration::from_secs(15),
        || async { (queued_jobs(&app.platform).await == 0).then_some(()) },
    )
    .await;
    assert_eq!(accepting.received.lock().await.len(), 1);

    // A server that refuses the recipient for good: dead at once, with its reason.
    let refusing = SmtpSink::start("550 5.1.1 no such user").await;
    let db = TestDatabase::create().await;
    let mut env = db.env();
    env.insert(
        "MUSTER_SMTP_URL".into(),
        format!("smtp://{}", refusing.addr),
    );
    let app = TestApp::spawn(env).await;
    let mail = OutgoingMail::new("nobody@example.org", None, "Hello", "Hi").expect("valid");
    app.platform
        .jobs
        .enqueue_standalone(&SendMail(mail), JobOptions::default())
        .await
        .expect("enqueue");
    let dead = first_dead_job(&app.platform).await;
    assert_eq!(dead.attempts, 1);
    assert!(dead.last_error.unwrap_or_default().contains("refused"));
}

#[tokio::test]
async fn invalid_addresses_are_refused_before_anything_is_stored() {
    let error = OutgoingMail::new("not an address", None, "s", "b").unwrap_err();
    assert_eq!(
        error.to_string(),
        "`not an address` is not a valid e-mail address"
    );
}
