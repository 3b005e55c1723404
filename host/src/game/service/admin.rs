//! What admins do to games: list the live ones, end one as aborted.

use super::*;

/// A live game, as admins list it.
#[derive(Clone, Debug, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveGame {
    /// Game id.
    pub game_id: String,
    /// Game type.
    pub game_type: String,
    /// The rules version it is pinned to.
    pub plugin_version: String,
    /// waiting or active.
    pub status: String,
    /// Players by seat (null while free).
    pub players: Vec<Option<Player>>,
    /// Spectators watching.
    pub spectators: usize,
    /// Whether spectators may watch.
    pub allow_spectators: bool,
    /// Moves played.
    pub ply: u64,
    /// Current version.
    pub version: u64,
    /// Created (ms since the epoch).
    pub created_at: u64,
}

impl GameService {
    /// Every unfinished game.
    pub async fn live_games(&self) -> Result<Vec<LiveGame>, GameError> {
        let mut games: Vec<LiveGame> = self
            .store
            .unfinished()
            .await?
            .into_iter()
            .map(|g| LiveGame {
                spectators: 0,
                allow_spectators: g.allow_spectators,
                game_id: g.id,
                game_type: g.game_type,
                plugin_version: g.plugin_version,
                status: g.status.as_str().to_string(),
                players: g.players,
                ply: g.ply,
                version: g.version,
                created_at: g.created_at,
            })
            .collect();
        for game in &mut games {
            game.spectators = self.spectator_count(&game.game_id).await;
        }
        games.sort_by_key(|g| std::cmp::Reverse(g.created_at));
        Ok(games)
    }

    /// Ends a game as aborted: nobody wins, the rules are not asked (they
    /// may be the reason), and everyone in the game is told.
    pub async fn abort(
        &self,
        game_id: &str,
        admin: &User,
        reason: &str,
    ) -> Result<Reply, GameError> {
        self.with_game(game_id, async |game| {
            if game.status == Status::Finished {
                return Err(GameError::new(ErrorCode::GameFinished, "the game is over"));
            }
            let why = format!("aborted by an administrator: {reason}");
            self.finish_without_result(game, why, ChangeKind::Abort, &admin.id)
                .await?;
            tracing::warn!(game = %game.id, admin = %admin.id, reason, "game aborted");
            let mut reply = Reply {
                deliveries: ended_without_result(game, "aborted").into(),
                ..Reply::default()
            };
            reply.ack.insert("gameId".into(), json!(game.id));
            reply.ack.insert("version".into(), json!(game.version));
            Ok(reply)
        })
        .await
    }
}
