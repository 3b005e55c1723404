//! The `/admin` namespace: live events for admins only.
//!
//! Sent here: `plugin:uploaded`, `plugin:activated`, `plugin:rolled-back`,
//! `plugin:tripped` (also to the `role:admin` room of the main namespace),
//! `game:started`, `game:ended`, and `users:online` `{count}` (on connect
//! and whenever a user comes or goes).

use super::NodeAdapter;
use super::Realtime;
use super::connection::{Handshake, authenticate};
use crate::plugin::catalog::CatalogEvent;
use serde_json::{Value, json};
use socketioxide::extract::SocketRef;
use socketioxide::handler::ConnectHandler;
use socketioxide_core::adapter::Spawnable as _;
use std::sync::Arc;
use tokio::sync::broadcast;

/// The namespace's path.
pub const ADMIN_NAMESPACE: &str = "/admin";

pub(super) fn register<A: NodeAdapter>(realtime: &Arc<Realtime<A>>) {
    let auth = realtime.clone();
    let middleware = move |socket: SocketRef<A>, handshake: Handshake| {
        let realtime = auth.clone();
        async move { authenticate(&realtime, &socket, &handshake, true) }
    };
    let on_connect = {
        let realtime = realtime.clone();
        move |socket: SocketRef<A>| {
            let realtime = realtime.clone();
            async move {
                let count = realtime.games.online_count();
                tracing::info!(socket = %socket.id, "admin connected");
                let _ = socket.emit("users:online", &json!({"count": count}));
            }
        }
    };
    realtime
        .io
        .ns(ADMIN_NAMESPACE, on_connect.with(middleware))
        .spawn();
}

/// Relays every plugin catalog change to the admins, until the catalog goes.
pub(super) fn relay_catalog<A: NodeAdapter>(
    realtime: Arc<Realtime<A>>,
    mut events: broadcast::Receiver<CatalogEvent>,
) {
    tokio::spawn(async move {
        loop {
            let event = match events.recv().await {
                Ok(event) => event,
                Err(broadcast::error::RecvError::Lagged(missed)) => {
                    tracing::warn!(missed, "admin relay fell behind on plugin events");
                    continue;
                }
                Err(broadcast::error::RecvError::Closed) => break,
            };
            if let CatalogEvent::Reloaded = event {
                // The node that made the change told the admins already.
                continue;
            }
            let payload = event.payload();
            realtime.tell_admins(event.name(), &payload).await;
            if let CatalogEvent::Tripped { .. } = event {
                let _ = realtime
                    .io
                    .to("role:admin")
                    .emit(event.name(), &payload)
                    .await;
            }
        }
    });
}

impl<A: NodeAdapter> Realtime<A> {
    /// Sends an event to every socket of the `/admin` namespace.
    pub async fn tell_admins(&self, event: &'static str, payload: &Value) {
        if let Some(admins) = self.io.of(ADMIN_NAMESPACE)
            && let Err(e) = admins.emit(event, payload).await
        {
            tracing::warn!(event, error = %e, "admin broadcast failed");
        }
    }

    /// Tells admins how many users are online.
    pub async fn tell_admins_online(&self) {
        let count = self.games.online_count();
        self.tell_admins("users:online", &json!({"count": count}))
            .await;
    }
}
