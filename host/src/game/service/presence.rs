//! Presence: which users have a socket open, on this node and (in a
//! cluster) anywhere.

use super::*;

impl GameService {
    /// Whether a user has a socket open on any node (on this one, outside a
    /// cluster). When the cluster cannot tell, assume online: a wrong
    /// forfeit is worse than a late one.
    pub async fn is_online_anywhere(&self, user_id: &str) -> bool {
        if self.is_online(user_id) {
            return true;
        }
        match &self.shared_presence {
            Some(presence) => presence.is_online(user_id).await.unwrap_or(true),
            None => false,
        }
    }

    /// Records a user's socket connecting; true when it is their first.
    pub fn socket_connected(&self, user_id: &str) -> bool {
        let mut online = self.online.lock().unwrap_or_else(|p| p.into_inner());
        let count = online.entry(user_id.to_string()).or_insert(0);
        *count += 1;
        if let Some(presence) = &self.shared_presence {
            let (presence, user) = (presence.clone(), user_id.to_string());
            tokio::spawn(async move { presence.connected(&user).await });
        }
        *count == 1
    }

    /// Records a user's socket closing; true when it was their last on
    /// this node (the cluster's count is updated before this returns, so
    /// [`Self::is_online_anywhere`] is current).
    pub async fn socket_disconnected(&self, user_id: &str) -> bool {
        if let Some(presence) = &self.shared_presence {
            presence.disconnected(user_id).await;
        }
        let mut online = self.online.lock().unwrap_or_else(|p| p.into_inner());
        match online.get_mut(user_id) {
            Some(count) if *count > 1 => {
                *count -= 1;
                false
            }
            Some(_) => {
                online.remove(user_id);
                true
            }
            None => false,
        }
    }

    /// How many users have a socket open.
    pub fn online_count(&self) -> usize {
        self.online.lock().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether a user has a socket open.
    pub fn is_online(&self, user_id: &str) -> bool {
        self.online
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(user_id)
    }
}
