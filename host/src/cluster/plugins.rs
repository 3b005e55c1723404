//! Plugin changes announced to every node: a node that publishes,
//! activates or rolls back (or whose breaker trips) says so on a Redis
//! channel, and every other node reloads the catalog from the store, so
//! they all serve the same versions within a moment.

use super::{PREFIX, Redis};
use crate::plugin::PluginCatalog;
use crate::plugin::catalog::CatalogEvent;
use futures_util::StreamExt as _;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;

fn channel() -> String {
    format!("{PREFIX}:plugins")
}

/// Publishes this node's catalog changes and applies the other nodes'.
pub fn share(redis: Redis, catalog: Arc<PluginCatalog>, node_id: String) {
    let mut events = catalog.subscribe();
    let publisher = redis.clone();
    let me = node_id.clone();
    tokio::spawn(async move {
        loop {
            match events.recv().await {
                // Changes made here by a reload are not announced again.
                Ok(event) if !matches!(event, CatalogEvent::Reloaded) => {
                    let sent = publisher
                        .query::<i64>(redis::cmd("PUBLISH").arg(channel()).arg(&me))
                        .await;
                    if let Err(e) = sent {
                        tracing::warn!(error = %e, "could not announce a plugin change to the other nodes");
                    }
                }
                Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => break,
            }
        }
    });
    tokio::spawn(async move {
        loop {
            if let Err(e) = listen(&redis, &catalog, &node_id).await {
                tracing::warn!(error = %e, "plugin announcements interrupted; resubscribing");
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
            // Anything missed while away is read from the store.
            if let Err(e) = catalog.reload().await {
                tracing::warn!(error = %e, "could not reload the plugin catalog");
            }
        }
    });
}

async fn listen(redis: &Redis, catalog: &PluginCatalog, node_id: &str) -> anyhow::Result<()> {
    let mut pubsub = redis.client.get_async_pubsub().await?;
    pubsub.subscribe(channel()).await?;
    let mut messages = pubsub.on_message();
    while let Some(message) = messages.next().await {
        let from: String = message.get_payload().unwrap_or_default();
        if from == node_id {
            continue;
        }
        tracing::info!(from = %from, "another node changed the plugins; reloading");
        if let Err(e) = catalog.reload().await {
            tracing::warn!(error = %e, "could not reload the plugin catalog");
        }
    }
    Ok(())
}
