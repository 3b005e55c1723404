//! What admins decide, apart from plugins (see [`crate::plugin::catalog`]):
//! bans, announcements, and the audit log of every admin action. Knows
//! nothing of transport: announcements leave as [`Delivery`]s and the
//! HTTP and Socket.IO layers disconnect banned or kicked users.

use crate::auth::User;
use crate::base::clock::now_ms;
use crate::base::error::{ErrorCode, GameError};
use crate::base::outbox::{Audience, Delivery};
use crate::base::scheduler::{Deadline, Scheduler};
use crate::store::{AdminStore, GameStore, Store, StoreError};
use serde::Deserialize;
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::{Arc, RwLock};
use tokio::sync::mpsc;

pub use crate::records::admin::{Announcement, AnnouncementTarget, AuditEntry, Ban};

impl Announcement {
    /// The `announcement` event for its audience; a game's is its seated
    /// players (as stored now) and its spectators.
    async fn delivery(&self, games: &dyn GameStore) -> Delivery {
        let to = match &self.target {
            AnnouncementTarget::All => Audience::Everyone,
            AnnouncementTarget::Lobby(game_type) => {
                Audience::Room(crate::lobby::lobby_room(game_type))
            }
            AnnouncementTarget::Game(id) => match games.get(id).await {
                Ok(Some(game)) => crate::game::everyone_in(&game),
                Ok(None) => Audience::Spectators(id.clone()),
                Err(e) => {
                    tracing::warn!(game = %id, error = %e, "cannot read the game an announcement is for; its spectators only");
                    Audience::Spectators(id.clone())
                }
            },
            AnnouncementTarget::User(id) => Audience::User(id.clone()),
            AnnouncementTarget::Tournament(id) => {
                Audience::Room(crate::tournament::tournament_room(id))
            }
        };
        Delivery {
            to,
            event: "announcement",
            payload: json!({
                "id": self.id,
                "message": self.message,
                "from": self.from,
                "target": self.target,
                "sentAt": self.sent_at,
            }),
        }
    }
}

/// An `announce` request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AnnounceRequest {
    /// The text (1-500 characters).
    pub message: String,
    /// Who it is for.
    pub target: AnnouncementTarget,
    /// When to send it (ms since the epoch); now when absent or past.
    #[serde(default)]
    pub at: Option<u64>,
}

/// Longest announcement, in characters.
const MAX_ANNOUNCEMENT_CHARS: usize = 500;

/// Bans, announcements and the audit log.
pub struct AdminService {
    store: Arc<dyn AdminStore>,
    /// Games, to address an announcement to one.
    games: Arc<dyn GameStore>,
    scheduler: Arc<dyn Scheduler>,
    outbox: mpsc::UnboundedSender<Vec<Delivery>>,
    banned: RwLock<HashSet<String>>,
}

impl AdminService {
    /// The service, with the stored bans loaded and the pending
    /// announcements scheduled again.
    pub async fn load(
        store: Arc<dyn Store>,
        scheduler: Arc<dyn Scheduler>,
        outbox: mpsc::UnboundedSender<Vec<Delivery>>,
    ) -> Result<Self, StoreError> {
        let banned = store.bans().await?.into_iter().map(|b| b.user_id).collect();
        let pending = store.pending_announcements().await?;
        for a in &pending {
            scheduler.schedule(Deadline::Announcement { id: a.id.clone() }, a.due_at);
        }
        Ok(AdminService {
            games: store.clone(),
            store,
            scheduler,
            outbox,
            banned: RwLock::new(banned),
        })
    }

    /// Whether `user_id` is banned.
    pub fn is_banned(&self, user_id: &str) -> bool {
        self.banned
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .contains(user_id)
    }

    /// Writes an admin action to the audit log. A failure to write is
    /// logged, not returned: the action already happened.
    pub async fn audit(&self, admin: &User, action: &str, target: &str, details: Value) {
        let entry = AuditEntry {
            id: 0,
            at: now_ms(),
            actor_id: admin.id.clone(),
            actor_name: admin.name.clone(),
            action: action.to_string(),
            target: target.to_string(),
            details,
        };
        tracing::info!(admin = %admin.id, action, target, "admin action");
        if let Err(e) = self.store.append_audit(&entry).await {
            tracing::error!(error = %e, action, target, "could not write the audit log");
        }
    }

    /// The newest audit entries.
    pub async fn audit_log(&self, limit: u32) -> Result<Vec<AuditEntry>, GameError> {
        Ok(self.store.audit(limit.clamp(1, 1000)).await?)
    }

    /// Bans `user_id`; their tokens are refused at connect from now on.
    pub async fn ban(&self, admin: &User, user_id: &str, reason: &str) -> Result<Ban, GameError> {
        if user_id == admin.id {
            return Err(GameError::new(
                ErrorCode::Malformed,
                "admins cannot ban themselves",
            ));
        }
        let ban = Ban {
            user_id: user_id.to_string(),
            reason: reason.to_string(),
            banned_by: admin.id.clone(),
            at: now_ms(),
        };
        self.store.save_ban(&ban).await?;
        self.banned
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(user_id.to_string());
        self.audit(admin, "user.ban", user_id, json!({"reason": reason}))
            .await;
        Ok(ban)
    }

    /// Lifts a ban; false when there was none.
    pub async fn unban(&self, admin: &User, user_id: &str) -> Result<bool, GameError> {
        let lifted = self.store.delete_ban(user_id).await?;
        self.banned
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .remove(user_id);
        if lifted {
            self.audit(admin, "user.unban", user_id, json!({})).await;
        }
        Ok(lifted)
    }

    /// Every ban.
    pub async fn bans(&self) -> Result<Vec<Ban>, GameError> {
        Ok(self.store.bans().await?)
    }

    /// Sends an announcement now, or stores and schedules it.
    pub async fn announce(
        &self,
        admin: &User,
        request: AnnounceRequest,
    ) -> Result<Announcement, GameError> {
        let message = request.message.trim();
        if message.is_empty() || message.chars().count() > MAX_ANNOUNCEMENT_CHARS {
            return Err(GameError::new(
                ErrorCode::Malformed,
                format!("an announcement is 1-{MAX_ANNOUNCEMENT_CHARS} characters"),
            ));
        }
        let now = now_ms();
        let due_at = request.at.unwrap_or(now).max(now);
        let mut announcement = Announcement {
            id: uuid::Uuid::new_v4().simple().to_string(),
            message: message.to_string(),
            target: request.target,
            due_at,
            from: admin.name.clone(),
            sent_at: None,
        };
        if due_at > now {
            self.store.save_announcement(&announcement).await?;
            self.scheduler.schedule(
                Deadline::Announcement {
                    id: announcement.id.clone(),
                },
                due_at,
            );
        } else {
            announcement.sent_at = Some(now);
            let delivery = announcement.delivery(self.games.as_ref()).await;
            let _ = self.outbox.send(vec![delivery]);
        }
        self.audit(
            admin,
            "announcement.create",
            &announcement.id,
            json!({"message": announcement.message, "target": announcement.target, "dueAt": due_at}),
        )
        .await;
        Ok(announcement)
    }

    /// Sends a scheduled announcement that is due, once.
    pub async fn fire_announcement(&self, id: &str) {
        let pending = match self.store.pending_announcements().await {
            Ok(pending) => pending,
            Err(e) => {
                tracing::error!(error = %e, "cannot read the scheduled announcements");
                return;
            }
        };
        let Some(mut announcement) = pending.into_iter().find(|a| a.id == id) else {
            return;
        };
        announcement.sent_at = Some(now_ms());
        // Marked sent before it goes: a crash in between loses one
        // announcement rather than sending it twice.
        if let Err(e) = self.store.save_announcement(&announcement).await {
            tracing::error!(error = %e, id, "cannot mark an announcement sent");
            return;
        }
        tracing::info!(id, "scheduled announcement sent");
        let delivery = announcement.delivery(self.games.as_ref()).await;
        let _ = self.outbox.send(vec![delivery]);
    }
}
