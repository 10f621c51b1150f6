//! What every accepted connection gets before HTTP starts on it.

use axum::serve::{ListenerExt, TapIo};
use tokio::net::{TcpListener, TcpStream};

/// The listener `Application` serves: plain TCP with [`set_nodelay`] on each socket.
pub type Connections = TapIo<TcpListener, fn(&mut TcpStream)>;

pub fn accept_without_nagle(listener: TcpListener) -> Connections {
    listener.tap_io(set_nodelay as fn(&mut TcpStream))
}

/// Without `TCP_NODELAY` a response written in more than one piece (head, then body)
/// waits under Nagle's algorithm for the client's delayed ACK: about 40 ms for every
/// response after the first on a keep-alive connection, and browsers reuse connections
/// for every asset and server-function call.
fn set_nodelay(stream: &mut TcpStream) {
    if let Err(error) = stream.set_nodelay(true) {
        tracing::warn!(%error, "could not set TCP_NODELAY on an accepted connection");
    }
}
