//! The realtime hub against the real Redis: two hubs stand for two app instances.

use std::time::Duration;

use muster_platform::{
    db::Lsn,
    realtime::{Delivery, Hub, HubSettings},
    RedisStore,
};
use serde_json::json;

use crate::support::{proxy::TcpProxy, redis_config, unique_prefix, Services};

const WAIT: Duration = Duration::from_secs(10);

fn hub_at(url: &str, prefix: &str, buffer: usize) -> Hub {
    let redis = RedisStore::connect(&redis_config(url)).expect("redis handle");
    Hub::start(
        redis,
        HubSettings {
            prefix: prefix.to_owned(),
            buffer,
        },
    )
}

async fn next(subscription: &mut muster_platform::realtime::Subscription) -> Option<Delivery> {
    tokio::time::timeout(WAIT, subscription.next())
        .await
        .expect("a delivery arrives in time")
}

#[tokio::test]
async fn events_published_on_one_instance_reach_subscribers_on_another_in_order() {
    let redis = Services::from_env().redis;
    let prefix = unique_prefix();
    let (a, b) = (hub_at(&redis, &prefix, 64), hub_at(&redis, &prefix, 64));
    assert!(a.wait_until_relaying(WAIT).await && b.wait_until_relaying(WAIT).await);

    let mut on_b = b.subscribe("plan:1");
    let mut on_a = a.subscribe("plan:1");
    let mut other_topic = b.subscribe("plan:2");
    for n in 1..=3 {
        assert_eq!(
            a.publish("plan:1", json!({ "n": n }), None)
                .await
                .expect("publish"),
            n
        );
    }
    for subscriber in [&mut on_b, &mut on_a] {
        for n in 1..=3u64 {
            match next(subscriber).await {
                Some(Delivery::Event(event)) => {
                    assert_eq!((event.topic.as_str(), event.seq), ("plan:1", n));
                    assert_eq!(event.payload, json!({ "n": n }));
                }
                other => panic!("expected event {n}, got {other:?}"),
            }
        }
    }
    assert_eq!(b.current("plan:1").await.expect("current").seq, 3);
    b.publish("plan:2", json!("only for plan 2"), None)
        .await
        .expect("publish");
    match next(&mut other_topic).await {
        Some(Delivery::Event(event)) => {
            assert_eq!((event.topic.as_str(), event.seq), ("plan:2", 1))
        }
        other => panic!("expected the plan:2 event first, got {other:?}"),
    }
}

#[tokio::test]
async fn a_topic_keeps_the_newest_position_its_events_announced() {
    let redis = Services::from_env().redis;
    let prefix = unique_prefix();
    let (a, b) = (hub_at(&redis, &prefix, 64), hub_at(&redis, &prefix, 64));
    let nothing_yet = a.current("export:1").await.expect("current");
    assert_eq!((nothing_yet.seq, nothing_yet.position), (0, None));
    // Two instances publishing at once may arrive out of log order: the older position
    // and an event with none leave the newest in place.
    for (instance, position) in [
        (&a, Some(Lsn(0x1_0000_0040))),
        (&b, Some(Lsn(0x40))),
        (&a, None),
    ] {
        instance
            .publish("export:1", json!({ "rows_done": 1 }), position)
            .await
            .expect("publish");
    }
    let current = b.current("export:1").await.expect("current");
    assert_eq!(
        (current.seq, current.position),
        (3, Some(Lsn(0x1_0000_0040)))
    );
    assert_eq!(
        a.current("export:2").await.expect("current").position,
        None,
        "per topic"
    );
}

#[tokio::test]
async fn a_slow_subscriber_is_dropped_without_holding_up_the_others() {
    let redis = Services::from_env().redis;
    let hub = hub_at(&redis, &unique_prefix(), 4);
    assert!(hub.wait_until_relaying(WAIT).await);
    let mut slow = hub.subscribe("draft:9");
    let mut fast = hub.subscribe("draft:9");

    // The fast subscriber acknowledges each event before the next is published, so it
    // never has more than one waiting; the slow one never reads.
    let (ack, mut acks) = tokio::sync::mpsc::unbounded_channel();
    let reader = tokio::spawn(async move {
        let mut seen = Vec::new();
        while seen.len() < 20 {
            match next(&mut fast).await {
                Some(Delivery::Event(event)) => {
                    seen.push(event.seq);
                    ack.send(()).expect("publisher listening");
                }
                other => panic!("fast subscriber got {other:?}"),
            }
        }
        seen
    });
    for _ in 0..20 {
        hub.publish("draft:9", json!({}), None)
            .await
            .expect("publish");
        tokio::time::timeout(WAIT, acks.recv())
            .await
            .expect("fast subscriber keeps up")
            .expect("ack");
    }
    assert_eq!(
        reader.await.expect("reader"),
        (1..=20).collect::<Vec<u64>>(),
        "the fast subscriber got everything"
    );

    // The slow one kept its buffer's worth, then was cut off: it must resynchronise.
    let mut kept = 0;
    while let Some(delivery) = next(&mut slow).await {
        assert!(matches!(delivery, Delivery::Event(_)));
        kept += 1;
    }
    assert_eq!(
        kept, 4,
        "exactly the buffered deliveries, then the end of the subscription"
    );
}

#[tokio::test]
async fn after_a_redis_outage_subscribers_are_told_to_resynchronise() {
    let redis = Services::from_env().redis;
    let mut url = url::Url::parse(&redis).expect("url");
    let mut proxy = TcpProxy::start(TcpProxy::target_of(&url)).await;
    url.set_port(Some(proxy.addr.port())).expect("port");
    let hub = hub_at(url.as_str(), &unique_prefix(), 64);
    assert!(hub.wait_until_relaying(WAIT).await);
    let mut subscriber = hub.subscribe("inbox:ana");

    proxy.cut();
    let deadline = tokio::time::Instant::now() + WAIT;
    while hub.is_relaying() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the relay never noticed the outage"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    proxy.restore().await;

    assert_eq!(
        next(&mut subscriber).await,
        Some(Delivery::Resync {
            topic: "inbox:ana".into()
        })
    );
    assert!(hub.wait_until_relaying(WAIT).await);
}

#[tokio::test]
async fn dropping_a_subscription_unsubscribes_it() {
    let hub = hub_at(&Services::from_env().redis, &unique_prefix(), 8);
    let first = hub.subscribe("plan:5");
    let _second = hub.subscribe("plan:5");
    assert_eq!(hub.local_subscribers(), 2);
    drop(first);
    assert_eq!(hub.local_subscribers(), 1);
}

mod websocket {
    use serde_json::json;
    use tokio_tungstenite::tungstenite::{protocol::frame::coding::CloseCode, Message};

    use super::{Lsn, WAIT};
    use crate::support::{
        browser::{verified_user, Browser},
        socket::{connect, receive, receive_json, send, subscribe, Socket},
        TestApp, TestDatabase,
    };

    async fn expect_close(socket: &mut Socket, code: CloseCode, reason_part: &str) {
        match receive(socket).await {
            Message::Close(Some(frame)) => {
                assert_eq!(frame.code, code);
                assert!(
                    frame.reason.as_str().contains(reason_part),
                    "reason: {}",
                    frame.reason
                );
            }
            other => panic!("expected a close frame, got {other:?}"),
        }
    }

    async fn two_instances() -> (TestDatabase, TestApp, TestApp) {
        let db = TestDatabase::create().await;
        let env = crate::accounts::env(&db);
        let a = TestApp::spawn(env.clone()).await;
        let b = TestApp::spawn(env).await;
        assert!(
            a.platform.hub.wait_until_relaying(WAIT).await
                && b.platform.hub.wait_until_relaying(WAIT).await
        );
        (db, a, b)
    }

    /// A signed-in builder and a topic they may follow: their own app's draft.
    async fn builder_and_draft_topic(app: &TestApp, email: &str) -> (Browser, String) {
        let builder = verified_user(app, "Bea", email, "Acme").await;
        let (status, id) = builder.call("create_app", &[("name", "Inspections")]).await;
        assert_eq!(status, 200, "{id}");
        (builder, format!("draft:{}", id.as_str().expect("app id")))
    }

    #[tokio::test]
    async fn a_browser_on_one_instance_gets_events_published_on_another() {
        let (_db, a, b) = two_instances().await;
        let (builder, topic) = builder_and_draft_topic(&a, "bea@example.org").await;
        let mut socket = connect(&a, Some(&builder)).await;
        assert_eq!(
            subscribe(&mut socket, &topic).await,
            json!({ "type": "subscribed", "topic": topic, "seq": 0 })
        );

        b.platform
            .hub
            .publish(
                &topic,
                json!({ "moved": "field-3" }),
                Some(Lsn(0x16_B374_D848)),
            )
            .await
            .expect("publish");
        assert_eq!(
            receive_json(&mut socket).await,
            json!({ "type": "event", "topic": topic, "seq": 1, "payload": { "moved": "field-3" }, "position": "16/B374D848" })
        );

        // A second subscriber learns the current number, so it can detect gaps from there,
        // and the position of the event it missed, so its first read reaches that write.
        let mut late = connect(&b, Some(&builder)).await;
        assert_eq!(
            subscribe(&mut late, &topic).await,
            json!({ "type": "subscribed", "topic": topic, "seq": 1, "position": "16/B374D848" })
        );

        send(&mut socket, json!({ "type": "ping" })).await;
        assert_eq!(receive_json(&mut socket).await, json!({ "type": "pong" }));
    }

    #[tokio::test]
    async fn topics_without_a_check_are_denied_to_everyone() {
        let (_db, a, _b) = two_instances().await;
        let (builder, _) = builder_and_draft_topic(&a, "bea@example.org").await;
        let stranger = verified_user(&a, "Eve", "eve@example.org", "Other Org").await;
        for who in [None, Some(&stranger), Some(&builder)] {
            let mut socket = connect(&a, who).await;
            for topic in ["plan:x", "inbox:x"] {
                let answer = subscribe(&mut socket, topic).await;
                assert_eq!(answer["type"], "denied", "{topic}: {answer}");
                assert_eq!(answer["topic"], topic);
            }
        }
    }

    #[tokio::test]
    async fn a_frame_outside_the_protocol_closes_only_that_connection_with_the_reason() {
        let (_db, a, _b) = two_instances().await;
        let (builder, topic) = builder_and_draft_topic(&a, "bea@example.org").await;
        let mut healthy = connect(&a, Some(&builder)).await;
        assert_eq!(subscribe(&mut healthy, &topic).await["type"], "subscribed");

        let mut garbled = connect(&a, None).await;
        futures::SinkExt::send(&mut garbled, Message::Text("not json".into()))
            .await
            .expect("send");
        expect_close(&mut garbled, CloseCode::Policy, "invalid message").await;

        let mut nosy = connect(&a, None).await;
        send(
            &mut nosy,
            json!({ "type": "subscribe", "topic": "secrets:1" }),
        )
        .await;
        expect_close(&mut nosy, CloseCode::Policy, "unknown topic kind").await;

        let mut binary = connect(&a, None).await;
        futures::SinkExt::send(&mut binary, Message::Binary(vec![1, 2, 3].into()))
            .await
            .expect("send");
        expect_close(&mut binary, CloseCode::Unsupported, "binary").await;

        // The well-behaved connection is unaffected.
        a.platform
            .hub
            .publish(&topic, json!("still here"), None)
            .await
            .expect("publish");
        assert_eq!(receive_json(&mut healthy).await["payload"], "still here");
    }

    #[tokio::test]
    async fn a_page_of_another_site_cannot_open_the_socket() {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let (_db, a, _b) = two_instances().await;
        let mut request = format!("ws://{}/realtime", a.addr)
            .into_client_request()
            .expect("request");
        request
            .headers_mut()
            .insert("origin", "https://evil.example".parse().expect("header"));
        let refused = tokio_tungstenite::connect_async(request).await;
        match refused {
            Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
                assert_eq!(response.status(), 403)
            }
            other => panic!("expected 403, got {:?}", other.map(|(_, r)| r.status())),
        }
        let mut own = format!("ws://{}/realtime", a.addr)
            .into_client_request()
            .expect("request");
        own.headers_mut()
            .insert("origin", a.origin().parse().expect("header"));
        assert!(
            tokio_tungstenite::connect_async(own).await.is_ok(),
            "our own pages may"
        );
    }
}
