//! A TCP relay on loopback that a test can cut and restore, to take a backing service
//! "down" for one application instance without touching the shared service.

use std::{net::SocketAddr, sync::Arc};

use tokio::{
    net::{TcpSocket, TcpStream},
    sync::watch,
    task::JoinHandle,
};

pub struct TcpProxy {
    pub addr: SocketAddr,
    target: SocketAddr,
    cut: Arc<watch::Sender<bool>>,
    acceptor: Option<JoinHandle<()>>,
}

impl TcpProxy {
    pub async fn start(target: SocketAddr) -> Self {
        let (cut, _) = watch::channel(false);
        let mut proxy = Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            target,
            cut: Arc::new(cut),
            acceptor: None,
        };
        proxy.listen();
        proxy
    }

    pub fn target_of(url: &url::Url) -> SocketAddr {
        let host = url.host_str().expect("host");
        let port = url.port().unwrap_or(5432);
        format!("{host}:{port}")
            .parse()
            .expect("a numeric loopback address")
    }

    fn listen(&mut self) {
        let socket = TcpSocket::new_v4().expect("socket");
        socket.set_reuseaddr(true).expect("reuseaddr");
        socket.bind(self.addr).expect("bind proxy");
        let listener = socket.listen(128).expect("listen");
        self.addr = listener.local_addr().expect("addr");
        let target = self.target;
        let cut = Arc::clone(&self.cut);
        self.acceptor = Some(tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let mut cut_rx = cut.subscribe();
                tokio::spawn(async move {
                    let Ok(server) = TcpStream::connect(target).await else {
                        return;
                    };
                    let (mut client, mut server) = (client, server);
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
                        _ = cut_rx.wait_for(|cut| *cut) => {}
                    }
                });
            }
        }));
    }

    /// Drops every relayed connection and stops listening: new connections are refused.
    pub fn cut(&mut self) {
        if let Some(acceptor) = &self.acceptor {
            acceptor.abort();
        }
        self.cut.send_replace(true);
    }

    /// Listens again on the same address.
    pub async fn restore(&mut self) {
        if let Some(acceptor) = self.acceptor.take() {
            acceptor.abort();
            let _ = acceptor.await; // the old listener is closed once the task is gone
        }
        self.cut.send_replace(false);
        self.listen();
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.cut();
    }
}
