//! A TCP proxy in front of MongoDB that a test can cut: after [`Proxy::cut`] returns, every
//! connection through it is closed and its port refuses new ones, as if the server had gone.

use std::net::SocketAddr;
use std::sync::Mutex;

use tokio::io::copy_bidirectional;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::{JoinHandle, JoinSet};

/// A running proxy.
pub struct Proxy {
    port: u16,
    cut: watch::Sender<bool>,
    acceptor: Mutex<Option<JoinHandle<()>>>,
}

impl Proxy {
    /// Starts forwarding a port of 127.0.0.1 to `target`.
    pub async fn start(target: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the proxy");
        let port = listener.local_addr().expect("proxy address").port();
        let (cut, cut_seen) = watch::channel(false);
        let acceptor = tokio::spawn(accept(listener, target, cut_seen));
        Self {
            port,
            cut,
            acceptor: Mutex::new(Some(acceptor)),
        }
    }

    /// The port to connect to instead of the server's.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Closes every connection and the listening port; returns once they are closed.
    pub async fn cut(&self) {
        self.cut.send_replace(true);
        let acceptor = self.acceptor.lock().expect("not poisoned").take();
        if let Some(acceptor) = acceptor {
            acceptor.await.expect("the proxy's acceptor");
        }
    }
}

/// Accepts and forwards until cut; then waits for every connection to close.
async fn accept(listener: TcpListener, target: SocketAddr, cut: watch::Receiver<bool>) {
    let mut connections = JoinSet::new();
    let mut stop = cut.clone();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((inbound, _)) = accepted else { break };
                connections.spawn(forward(inbound, target, cut.clone()));
            }
            _ = stop.wait_for(|cut| *cut) => break,
        }
    }
    drop(listener);
    while connections.join_next().await.is_some() {}
}

/// Copies both ways between a client and the server until either side closes or the proxy
/// is cut; dropping the streams closes both connections.
async fn forward(mut inbound: TcpStream, target: SocketAddr, mut cut: watch::Receiver<bool>) {
    let Ok(mut outbound) = TcpStream::connect(target).await else {
        return;
    };
    tokio::select! {
        _ = copy_bidirectional(&mut inbound, &mut outbound) => {}
        _ = cut.wait_for(|cut| *cut) => {}
    }
}
