//! Minimal Engine.IO v4 / Socket.IO v5 client over a raw websocket (default namespace only).
//!
//! Wire format handled here (one Engine.IO packet per websocket text frame):
//!   server -> `0{"sid":..,"pingInterval":..}`   Engine.IO open
//!   client -> `40{auth json}`                    Socket.IO CONNECT with auth
//!   server -> `40{"sid":..}` | `44{"message":..}` CONNECT ok | CONNECT_ERROR
//!   server -> `2` (ping), client -> `3` (pong)
//!   either -> `42["name",payload]`               EVENT (no ack)
//!   client -> `42<id>["name",payload]`           EVENT expecting an ack
//!   server -> `43<id>[args...]`                  ACK
//! Nothing here knows about games: event names and payloads live in `protocol.rs`.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::{self, Message, protocol::WebSocketConfig};

pub type Ws = WebSocketStream<TcpStream>;

/// One decoded incoming packet.
#[derive(Debug)]
pub enum Incoming {
    /// `42["name", args...]`: name and the first argument (Null when absent).
    Event { name: String, payload: Value },
    /// `43<id>[args...]`: the ack id and the whole argument array.
    Ack { id: u64, args: Value },
    /// Engine.IO ping (already answered with a pong), pong, noop, or a packet we ignore.
    Control,
    /// The server closed the connection or the namespace (`41`, `1`, websocket close, I/O error).
    Closed(String),
}

pub struct Conn {
    pub ws: Ws,
    next_id: u64,
    pub sid: String,
}

pub fn ws_url(host: &str) -> String {
    format!("ws://{host}/socket.io/?EIO=4&transport=websocket")
}

impl Conn {
    /// TCP connect (TCP_NODELAY), websocket upgrade, Engine.IO open, Socket.IO CONNECT with `auth`.
    /// Errors carry the server's connect_error message where there is one.
    /// `source` binds the local address first (to spread many connections
    /// over several loopback addresses).
    pub async fn connect(
        host: &str,
        auth: &Value,
        source: Option<IpAddr>,
        timeout: Duration,
    ) -> Result<Conn, String> {
        tokio::time::timeout(timeout, Self::connect_inner(host, auth, source))
            .await
            .map_err(|_| "connect timeout".to_string())?
    }

    async fn connect_inner(
        host: &str,
        auth: &Value,
        source: Option<IpAddr>,
    ) -> Result<Conn, String> {
        let tcp = match source {
            None => TcpStream::connect(host).await,
            Some(ip) => {
                let server: SocketAddr = host.parse().map_err(|e| format!("{host}: {e}"))?;
                let socket = if server.is_ipv4() {
                    TcpSocket::new_v4()
                } else {
                    TcpSocket::new_v6()
                }
                .map_err(|e| e.to_string())?;
                socket
                    .bind(SocketAddr::new(ip, 0))
                    .map_err(|e| format!("bind {ip}: {e}"))?;
                socket.connect(server).await
            }
        }
        .map_err(|e| format!("tcp connect {host}: {e}"))?;
        tcp.set_nodelay(true).map_err(|e| e.to_string())?;
        // tungstenite zero-fills its whole read buffer on every read (128 KiB by default), which costs
        // more than everything else the client does; game packets are small, so read 4 KiB at a time.
        let config = WebSocketConfig::default().read_buffer_size(4096);
        let (ws, _resp) =
            tokio_tungstenite::client_async_with_config(ws_url(host), tcp, Some(config))
                .await
                .map_err(|e| format!("websocket upgrade: {e}"))?;
        let mut conn = Conn {
            ws,
            next_id: 0,
            sid: String::new(),
        };
        // Engine.IO open packet
        let open = conn.next_text().await?;
        if !open.starts_with('0') {
            return Err(format!("expected Engine.IO open packet, got {open:?}"));
        }
        conn.send_raw(format!("40{}", auth)).await?;
        loop {
            let t = conn.next_text().await?;
            if t == "2" {
                conn.send_raw("3".to_string()).await?;
            } else if let Some(rest) = t.strip_prefix("40") {
                let v: Value = serde_json::from_str(rest).unwrap_or(Value::Null);
                conn.sid = v
                    .get("sid")
                    .and_then(|s| s.as_str())
                    .unwrap_or("")
                    .to_string();
                return Ok(conn);
            } else if let Some(rest) = t.strip_prefix("44") {
                let v: Value = serde_json::from_str(rest).unwrap_or(Value::Null);
                let msg = v.get("message").and_then(|m| m.as_str()).unwrap_or(rest);
                return Err(format!("connect_error: {msg}"));
            } else if t.starts_with("42") {
                // an event before the CONNECT ack would be a protocol error; ignore it
                continue;
            } else {
                return Err(format!("unexpected packet during connect: {t:?}"));
            }
        }
    }

    async fn next_text(&mut self) -> Result<String, String> {
        loop {
            match self.ws.next().await {
                None => return Err("connection closed".into()),
                Some(Err(e)) => return Err(format!("websocket: {e}")),
                Some(Ok(Message::Text(t))) => return Ok(t.as_str().to_string()),
                Some(Ok(Message::Close(_))) => return Err("connection closed by server".into()),
                Some(Ok(_)) => continue,
            }
        }
    }

    pub async fn send_raw(&mut self, text: String) -> Result<(), String> {
        self.ws
            .send(Message::text(text))
            .await
            .map_err(|e| format!("send: {e}"))
    }

    /// Emit an event that expects an ack; returns the ack id.
    pub async fn emit_with_ack(&mut self, name: &str, payload: &Value) -> Result<u64, String> {
        let id = self.next_id;
        self.next_id += 1;
        let frame = format!("42{id}[{},{}]", Value::from(name), payload);
        self.send_raw(frame).await?;
        Ok(id)
    }

    /// Read until the named event arrives (answering pings); returns its payload.
    pub async fn wait_event(&mut self, name: &str, timeout: Duration) -> Result<Value, String> {
        let fut = async {
            loop {
                let msg = self.ws.next().await;
                match self.on_frame(msg).await {
                    Incoming::Event { name: n, payload } if n == name => return Ok(payload),
                    Incoming::Closed(why) => return Err(why),
                    _ => continue,
                }
            }
        };
        tokio::time::timeout(timeout, fut)
            .await
            .map_err(|_| format!("timeout waiting for {name}"))?
    }

    /// Decode one frame returned by `ws.next()` (which is cancel-safe, so callers may `select!` on it),
    /// answering Engine.IO pings.
    pub async fn on_frame(&mut self, msg: Option<Result<Message, tungstenite::Error>>) -> Incoming {
        let text = match msg {
            None => return Incoming::Closed("connection closed".into()),
            Some(Err(e)) => return Incoming::Closed(format!("websocket: {e}")),
            Some(Ok(Message::Text(t))) => t,
            Some(Ok(Message::Close(_))) => return Incoming::Closed("closed by server".into()),
            Some(Ok(_)) => return Incoming::Control,
        };
        let t = text.as_str();
        if t == "2" {
            if let Err(e) = self.send_raw("3".to_string()).await {
                return Incoming::Closed(e);
            }
            return Incoming::Control;
        }
        decode_packet(t)
    }
}

/// Decode an Engine.IO packet (as text) into an `Incoming`. Pings are reported as `Control`.
pub fn decode_packet(t: &str) -> Incoming {
    let b = t.as_bytes();
    match b.first() {
        Some(b'4') => {}
        Some(b'1') => return Incoming::Closed("engine.io close".into()),
        _ => return Incoming::Control,
    }
    let kind = b.get(1).copied();
    let mut rest = &t[2.min(t.len())..];
    match kind {
        Some(b'2') | Some(b'3') => {}
        Some(b'1') => return Incoming::Closed("namespace disconnect".into()),
        _ => return Incoming::Control,
    }
    // optional namespace "/nsp," (only for non-default namespaces)
    if rest.starts_with('/') {
        match rest.find(',') {
            Some(i) => rest = &rest[i + 1..],
            None => return Incoming::Control,
        }
    }
    let digits = rest.bytes().take_while(|c| c.is_ascii_digit()).count();
    let id: Option<u64> = if digits > 0 {
        rest[..digits].parse().ok()
    } else {
        None
    };
    let body = &rest[digits..];
    let v: Value = match serde_json::from_str(body) {
        Ok(v) => v,
        Err(_) => return Incoming::Control,
    };
    match kind {
        Some(b'2') => {
            let mut arr = match v {
                Value::Array(a) => a,
                _ => return Incoming::Control,
            };
            if arr.is_empty() {
                return Incoming::Control;
            }
            let payload = if arr.len() > 1 {
                arr.swap_remove(1)
            } else {
                Value::Null
            };
            match arr.swap_remove(0) {
                Value::String(name) => Incoming::Event { name, payload },
                _ => Incoming::Control,
            }
        }
        _ => match id {
            Some(id) => Incoming::Ack { id, args: v },
            None => Incoming::Control,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_event() {
        match decode_packet(r#"42["game:move-made",{"gameId":"g","seat":0}]"#) {
            Incoming::Event { name, payload } => {
                assert_eq!(name, "game:move-made");
                assert_eq!(payload["seat"], 0);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn decodes_ack_and_namespace() {
        match decode_packet(r#"4312[{"ok":true,"version":3}]"#) {
            Incoming::Ack { id, args } => {
                assert_eq!(id, 12);
                assert_eq!(args[0]["version"], 3);
            }
            other => panic!("{other:?}"),
        }
        match decode_packet(r#"43/admin,7[{"ok":false}]"#) {
            Incoming::Ack { id, .. } => assert_eq!(id, 7),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn control_and_close() {
        assert!(matches!(decode_packet("3"), Incoming::Control));
        assert!(matches!(decode_packet("41"), Incoming::Closed(_)));
        assert!(matches!(decode_packet("1"), Incoming::Closed(_)));
        assert!(matches!(decode_packet("42garbage"), Incoming::Control));
    }
}
