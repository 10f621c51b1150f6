//! A realtime client as a page opens it: `/realtime`, with the browser's session
//! cookie when there is one.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::{client::IntoClientRequest, Message};

use super::{browser::Browser, TestApp};

const WAIT: Duration = Duration::from_secs(10);

pub type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

pub async fn connect(app: &TestApp, browser: Option<&Browser>) -> Socket {
    let mut request = format!("ws://{}/realtime", app.addr)
        .into_client_request()
        .expect("request");
    if let Some(cookie) = browser.and_then(Browser::session_cookie) {
        request.headers_mut().insert(
            "cookie",
            format!("muster_session={cookie}").parse().expect("header"),
        );
    }
    tokio_tungstenite::connect_async(request)
        .await
        .expect("websocket")
        .0
}

pub async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::Text(message.to_string().into()))
        .await
        .expect("send");
}

/// The next protocol message or close frame, skipping heartbeats.
pub async fn receive(socket: &mut Socket) -> Message {
    loop {
        let frame = tokio::time::timeout(WAIT, socket.next())
            .await
            .expect("a frame in time")
            .expect("open")
            .expect("frame");
        if !matches!(frame, Message::Ping(_) | Message::Pong(_)) {
            return frame;
        }
    }
}

pub async fn receive_json(socket: &mut Socket) -> Value {
    match receive(socket).await {
        Message::Text(text) => serde_json::from_str(text.as_str()).expect("json"),
        other => panic!("expected a text frame, got {other:?}"),
    }
}

/// Subscribes and returns the server's answer (`subscribed`, `denied`, ...).
pub async fn subscribe(socket: &mut Socket, topic: &str) -> Value {
    send(socket, json!({ "type": "subscribe", "topic": topic })).await;
    receive_json(socket).await
}
