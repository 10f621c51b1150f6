//! `GET /realtime`: the browser's one websocket. It subscribes to topics and receives
//! their events from the [`Hub`]; the protocol is in `muster_app::realtime::protocol`.
//!
//! Every connection has a small outgoing queue. A connection that cannot keep up loses
//! its hub subscription and is told to resynchronise that topic, so it never slows the
//! others. A frame that is not valid protocol closes the connection with the reason.
//! The server pings every [`HEARTBEAT`]; a connection silent for two heartbeats is
//! closed.

use std::{collections::HashMap, time::Duration};

use axum::{
    extract::{
        ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade},
        State,
    },
    http::{header, HeaderMap, StatusCode},
    response::{IntoResponse, Response},
};
use futures::{SinkExt, StreamExt};
use muster_app::realtime::protocol::{
    parse_topic, ClientMessage, ServerMessage, TopicKind, MAX_CLIENT_FRAME_BYTES, MAX_SUBSCRIPTIONS,
};
use muster_context::RequestContext;
use muster_platform::{
    realtime::{Delivery, Hub, Subscription},
    Platform,
};
use tokio::{sync::mpsc, task::JoinHandle};
use tracing::Instrument;

pub const HEARTBEAT: Duration = Duration::from_secs(20);
const OUTGOING_QUEUE: usize = 64;
/// Socket buffers sized for small protocol frames (the library defaults are 128 KiB
/// each way, which dominated the memory of an idle connection).
const READ_BUFFER: usize = 8 * 1024;
const WRITE_BUFFER: usize = 8 * 1024;
/// A client that stops reading is disconnected once this much is waiting for it.
const MAX_WRITE_BACKLOG: usize = 256 * 1024;

/// RFC 6455 close codes used here.
const POLICY_VIOLATION: u16 = 1008;
const UNSUPPORTED_DATA: u16 = 1003;
const GOING_AWAY: u16 = 1001;

enum Outgoing {
    Message(ServerMessage),
    Close(u16, String),
}

pub async fn upgrade(
    ws: WebSocketUpgrade,
    headers: HeaderMap,
    axum::Extension(context): axum::Extension<RequestContext>,
    State(platform): State<Platform>,
) -> Response {
    // A page of another site must not open a socket in the user's name (the upgrade is
    // a GET, so the general same-origin check does not cover it). Non-browser clients
    // send no Origin.
    if headers.contains_key(header::ORIGIN) && !super::same_origin::is_same_origin(&headers) {
        return (StatusCode::FORBIDDEN, "cross-site websocket refused").into_response();
    }
    ws.max_message_size(MAX_CLIENT_FRAME_BYTES)
        .max_frame_size(MAX_CLIENT_FRAME_BYTES)
        .read_buffer_size(READ_BUFFER)
        .write_buffer_size(WRITE_BUFFER)
        .max_write_buffer_size(MAX_WRITE_BACKLOG)
        .on_upgrade(move |socket| {
            // The socket outlives the upgrade request: it gets a span of its own, with the
            // upgrade's request id.
            let span = tracing::info_span!(
                "realtime",
                request_id = %context.request_id(),
                user = tracing::field::Empty,
                account = tracing::field::Empty,
            );
            serve(socket, platform, context).instrument(span)
        })
}

async fn serve(socket: WebSocket, platform: Platform, context: RequestContext) {
    let hub = platform.hub.clone();
    let (mut sink, mut stream) = socket.split();
    let (out, mut outgoing) = mpsc::channel::<Outgoing>(OUTGOING_QUEUE);

    let writer = tokio::spawn(async move {
        let mut heartbeat = tokio::time::interval(HEARTBEAT);
        heartbeat.tick().await;
        loop {
            let frame = tokio::select! {
                next = outgoing.recv() => match next {
                    Some(Outgoing::Message(message)) => match serde_json::to_string(&message) {
                        Ok(text) => Message::Text(text.into()),
                        Err(_) => continue,
                    },
                    Some(Outgoing::Close(code, reason)) => {
                        let _ = sink.send(Message::Close(Some(CloseFrame { code, reason: Utf8Bytes::from(reason) }))).await;
                        break;
                    }
                    None => break,
                },
                _ = heartbeat.tick() => Message::Ping(Default::default()),
            };
            if sink.send(frame).await.is_err() {
                break;
            }
        }
    });

    let mut forwarders: HashMap<String, JoinHandle<()>> = HashMap::new();
    loop {
        let frame = match tokio::time::timeout(HEARTBEAT * 2, stream.next()).await {
            Err(_) => {
                let _ = out
                    .send(Outgoing::Close(GOING_AWAY, "no heartbeat".into()))
                    .await;
                break;
            }
            Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => break,
            Ok(Some(Ok(frame))) => frame,
        };
        let text = match frame {
            Message::Text(text) => text,
            Message::Binary(_) => {
                let _ = out
                    .send(Outgoing::Close(
                        UNSUPPORTED_DATA,
                        "binary frames are not part of the protocol".into(),
                    ))
                    .await;
                break;
            }
            _ => continue, // ping/pong: the connection is alive
        };
        let message = match serde_json::from_str::<ClientMessage>(text.as_str()) {
            Ok(message) => message,
            Err(error) => {
                let _ = out
                    .send(Outgoing::Close(
                        POLICY_VIOLATION,
                        format!("invalid message: {error}"),
                    ))
                    .await;
                break;
            }
        };
        let span = tracing::info_span!(
            "realtime_message",
            message = message.kind(),
            topic = message.topic().unwrap_or(""),
            user = tracing::field::Empty,
            account = tracing::field::Empty,
        );
        let started = std::time::Instant::now();
        let handled = handle(message, &context, &hub, &out, &mut forwarders)
            .instrument(span.clone())
            .await;
        let took = started.elapsed();
        if took >= platform.config.log.slow {
            span.in_scope(|| {
                tracing::warn!(took_ms = took.as_secs_f64() * 1e3, "slow websocket message")
            });
        }
        if let Err(reason) = handled {
            let _ = out.send(Outgoing::Close(POLICY_VIOLATION, reason)).await;
            break;
        }
    }
    for forwarder in forwarders.values() {
        forwarder.abort();
    }
    drop(out);
    let _ = writer.await;
}

async fn handle(
    message: ClientMessage,
    context: &RequestContext,
    hub: &Hub,
    out: &mpsc::Sender<Outgoing>,
    forwarders: &mut HashMap<String, JoinHandle<()>>,
) -> Result<(), String> {
    match message {
        ClientMessage::Ping => {
            let _ = out.send(Outgoing::Message(ServerMessage::Pong)).await;
        }
        ClientMessage::Unsubscribe { topic } => {
            if let Some(forwarder) = forwarders.remove(&topic) {
                forwarder.abort();
            }
        }
        ClientMessage::Subscribe { topic } => {
            let kind = parse_topic(&topic).map_err(|e| e.to_string())?;
            if let Err(reason) = authorize(context, kind, &topic).await {
                let _ = out
                    .send(Outgoing::Message(ServerMessage::Denied { topic, reason }))
                    .await;
                return Ok(());
            }
            forwarders.retain(|_, f| !f.is_finished());
            if let Some(running) = forwarders.remove(&topic) {
                running.abort();
            } else if forwarders.len() >= MAX_SUBSCRIPTIONS {
                return Err(format!(
                    "at most {MAX_SUBSCRIPTIONS} subscriptions per connection"
                ));
            }
            // Subscribe before reading the sequence number: an event in between is then
            // delivered with a number the client already knows (a duplicate), never lost.
            let subscription = hub.subscribe(&topic);
            let current = match hub.current(&topic).await {
                Ok(current) => current,
                Err(error) => {
                    tracing::warn!(%error, topic, "realtime unavailable; client told to resynchronise");
                    let _ = out
                        .send(Outgoing::Message(ServerMessage::Resync { topic }))
                        .await;
                    return Ok(());
                }
            };
            let _ = out
                .send(Outgoing::Message(ServerMessage::Subscribed {
                    topic: topic.clone(),
                    seq: current.seq,
                    position: current.position.map(|position| position.to_string()),
                }))
                .await;
            forwarders.insert(topic, tokio::spawn(forward(subscription, out.clone())));
        }
    }
    Ok(())
}

/// Whether this connection's user may follow `topic`, checked at each subscription (the
/// role and memberships are read afresh, like on every request): a draft by its app's
/// builders, a plan by its project's members, an export by its account's builders, an
/// inbox by its own user only.
async fn authorize(context: &RequestContext, kind: TopicKind, topic: &str) -> Result<(), String> {
    use muster_app::error::AppError;
    let refusal = |error: AppError| error.to_string();
    let id = topic
        .split_once(':')
        .and_then(|(_, id)| id.parse::<uuid::Uuid>().ok())
        .ok_or_else(|| "not found".to_owned())?;
    let actor = context
        .actor()
        .await
        .map_err(|e| refusal(AppError::from(e)))?;
    let work = context
        .work()
        .await
        .map_err(|e| refusal(AppError::from(e)))?;
    match kind {
        TopicKind::Draft => muster_apps::may_follow(work, &actor, id)
            .await
            .map(|_| ())
            .map_err(|e| refusal(AppError::from(e))),
        TopicKind::Plan => muster_plans::access::may_follow(work, &actor, id)
            .await
            .map_err(|e| refusal(AppError::from(e))),
        TopicKind::Export => muster_submissions::export::prepared::may_follow(work, &actor, id)
            .await
            .map_err(|e| refusal(AppError::from(e))),
        TopicKind::Inbox if id == actor.user_id => Ok(()),
        TopicKind::Inbox => Err(refusal(AppError::NotFound)),
    }
}

async fn forward(mut subscription: Subscription, out: mpsc::Sender<Outgoing>) {
    let topic = subscription.topic.clone();
    loop {
        let message = match subscription.next().await {
            Some(Delivery::Event(event)) => ServerMessage::Event {
                topic: event.topic,
                seq: event.seq,
                payload: event.payload,
                position: event.position.map(|position| position.to_string()),
            },
            Some(Delivery::Resync { topic }) => ServerMessage::Resync { topic },
            None => {
                // Dropped by the hub for not keeping up: the client must refetch and
                // subscribe again.
                let _ = out
                    .send(Outgoing::Message(ServerMessage::Resync { topic }))
                    .await;
                return;
            }
        };
        if out.send(Outgoing::Message(message)).await.is_err() {
            return;
        }
    }
}
