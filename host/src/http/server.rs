//! The accept loop: every TCP connection passes admission first, then is
//! served by hyper with a timer, so a client that sends its headers too
//! slowly (or sits idle between requests) is cut off. The connection's
//! place in the caps lives with its socket, through an upgrade to
//! websocket, until it closes.

use super::Timeouts;
use super::admission::{Admission, Crowded, Ticket};
use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt as _, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt as _;

/// Serves `app` on `listener` until `shutdown` resolves, then gives open
/// requests a moment to finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    admission: Arc<Admission>,
    timeouts: Timeouts,
    shutdown: impl Future<Output = ()>,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut http = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
    http.http1()
        .timer(TokioTimer::new())
        .header_read_timeout(timeouts.header_read);
    http.http2().timer(TokioTimer::new());
    let http = Arc::new(http);
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, usually: wait instead of spinning.
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // A move answers with two small writes (broadcast, then ack):
        // without TCP_NODELAY, Nagle and delayed ACKs stall each by tens of ms.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
        let ticket = match admission.admit(peer.ip()) {
            Ok(ticket) => ticket,
            Err(crowded) => {
                tokio::spawn(turn_away(tcp, peer, crowded));
                continue;
            }
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(request)
        });
        let io = TokioIo::new(Admitted {
            tcp,
            _ticket: ticket,
        });
        let (http, watcher) = (http.clone(), graceful.watcher());
        tokio::spawn(async move {
            let connection = http.serve_connection_with_upgrades(io, service);
            if let Err(e) = watcher.watch(connection).await {
                tracing::debug!(peer = %peer, error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(3)) => {
            tracing::info!("closing the connections still open");
        }
    }
}

/// Answers a connection that was not let in with a 503 and closes it.
async fn turn_away(mut tcp: TcpStream, peer: SocketAddr, crowded: Crowded) {
    tracing::info!(peer = %peer, reason = crowded.message(), "connection refused");
    let body = serde_json::json!({"error": {"code": "TOO_MANY_CONNECTIONS", "message": crowded.message()}}).to_string();
    let response = format!(
        "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\nretry-after: 5\r\nconnection: close\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let write = async {
        tcp.write_all(response.as_bytes()).await?;
        tcp.shutdown().await
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), write).await;
}

/// A TCP stream that holds its place in the caps for as long as it lives.
struct Admitted {
    tcp: TcpStream,
    _ticket: Ticket,
}

impl AsyncRead for Admitted {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for Admitted {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().tcp).poll_write(cx, buf)
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_flush(cx)
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_shutdown(cx)
    }
    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.get_mut().tcp).poll_write_vectored(cx, bufs)
    }
    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }
}
