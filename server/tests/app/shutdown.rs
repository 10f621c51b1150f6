use std::time::Duration;

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
};

use crate::support::{TestApp, TestDatabase};

/// A request whose body is still arriving when shutdown begins is completed, and
/// no new connection is accepted after that.
#[tokio::test]
async fn shutdown_finishes_in_flight_requests_and_refuses_new_ones() {
    let db = TestDatabase::create().await;
    let mut app = TestApp::spawn(db.env()).await;

    let mut in_flight = TcpStream::connect(app.addr).await.expect("connect");
    let body = "a=1";
    // `expect: 100-continue` makes the server answer "100 Continue" once the handler
    // starts reading the body: proof that the request is in flight before shutdown.
    let head = format!(
        "POST /api/load_status HTTP/1.1\r\nhost: {}\r\ncontent-type: application/x-www-form-urlencoded\r\ncontent-length: {}\r\norigin: http://{}\r\nexpect: 100-continue\r\nconnection: close\r\n\r\n",
        app.addr,
        body.len(),
        app.addr
    );
    in_flight
        .write_all(head.as_bytes())
        .await
        .expect("send head");
    let mut interim = [0u8; 25];
    tokio::time::timeout(Duration::from_secs(20), in_flight.read_exact(&mut interim))
        .await
        .expect("interim response arrives")
        .expect("read interim response");
    assert!(
        interim.starts_with(b"HTTP/1.1 100 Continue\r\n\r\n"),
        "{}",
        String::from_utf8_lossy(&interim)
    );
    in_flight
        .write_all(&body.as_bytes()[..1])
        .await
        .expect("send part of the body");
    in_flight.flush().await.expect("flush");

    app.begin_shutdown();
    // New connections are refused once the listener is closed.
    let addr = app.addr;
    app.eventually("the listener is closed", || async move {
        TcpStream::connect(addr).await.is_err()
    })
    .await;

    in_flight
        .write_all(&body.as_bytes()[1..])
        .await
        .expect("send the rest of the body");
    let mut response = String::new();
    tokio::time::timeout(
        Duration::from_secs(20),
        in_flight.read_to_string(&mut response),
    )
    .await
    .expect("response arrives")
    .expect("read response");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("served_by"), "{response}");

    let result = tokio::time::timeout(Duration::from_secs(20), &mut app.server)
        .await
        .expect("server stops");
    assert!(matches!(result, Ok(Ok(()))), "clean exit: {result:?}");
}
