//! Ratings in SQLite: one row per player and game type, and the games
//! already counted.

use super::*;

#[async_trait::async_trait]
impl RatingStore for SqliteStore {
    async fn ratings(
        &self,
        game_type: &str,
        user_ids: &[String],
    ) -> Result<Vec<RatingRecord>, StoreError> {
        let game_type = game_type.to_string();
        let user_ids = user_ids.to_vec();
        self.call(move |conn| {
            let mut found = Vec::with_capacity(user_ids.len());
            for user in &user_ids {
                found.extend(records::<RatingRecord>(
                    conn,
                    "SELECT record FROM ratings WHERE user_id = ?1 AND game_type = ?2",
                    params![user, game_type],
                )?);
            }
            Ok(found)
        })
        .await
    }

    async fn apply_rated_game(
        &self,
        game_id: &str,
        ratings: &[RatingRecord],
    ) -> Result<bool, StoreError> {
        let game_id = game_id.to_string();
        let rows: Vec<(RatingRecord, String)> = ratings
            .iter()
            .map(|r| to_json(r).map(|json| (r.clone(), json)))
            .collect::<Result<_, _>>()?;
        // One job, one savepoint: the claim and the ratings together.
        self.call(move |conn| {
            let claimed = exec(
                conn,
                "INSERT INTO rated_games (game_id) VALUES (?1) ON CONFLICT(game_id) DO NOTHING",
                params![game_id],
            )
            .map_err(backend)?;
            if claimed == 0 {
                return Ok(false);
            }
            for (r, json) in &rows {
                exec(
                    conn,
                    "INSERT INTO ratings (user_id, game_type, rating, record) VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT(user_id, game_type) DO UPDATE SET rating = ?3, record = ?4",
                    params![r.user_id, r.game_type, r.rating, json],
                )
                .map_err(backend)?;
            }
            Ok(true)
        })
        .await
    }

    async fn leaderboard(
        &self,
        game_type: &str,
        offset: u32,
        limit: u32,
    ) -> Result<(Vec<RatingRecord>, u64), StoreError> {
        let game_type = game_type.to_string();
        self.call(move |conn| {
            let page = records(
                conn,
                "SELECT record FROM ratings WHERE game_type = ?1
                 ORDER BY rating DESC, user_id LIMIT ?2 OFFSET ?3",
                params![game_type, limit, offset],
            )?;
            let total: i64 = conn
                .prepare_cached("SELECT COUNT(*) FROM ratings WHERE game_type = ?1")
                .and_then(|mut s| s.query_row(params![game_type], |row| row.get(0)))
                .map_err(backend)?;
            Ok((page, total as u64))
        })
        .await
    }
}
