//! Tournaments in SQLite: one row each, the record as JSON.

use super::*;

#[async_trait::async_trait]
impl TournamentStore for SqliteStore {
    async fn save_tournament(
        &self,
        tournament: &TournamentRecord,
        expected: Option<u64>,
    ) -> Result<(), StoreError> {
        let record = to_json(tournament)?;
        let id = tournament.id.clone();
        let version = tournament.version as i64;
        let finished = i64::from(tournament.status == TournamentStatus::Finished);
        let created_at = tournament.created_at as i64;
        self.call(move |conn| {
            let written = match expected {
                None => exec(
                    conn,
                    "INSERT INTO tournaments (id, version, finished, created_at, record)
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(id) DO NOTHING",
                    params![id, version, finished, created_at, record],
                ),
                Some(v) => exec(
                    conn,
                    "UPDATE tournaments SET version = ?1, finished = ?2, record = ?3
                     WHERE id = ?4 AND version = ?5",
                    params![version, finished, record, id, v as i64],
                ),
            }
            .map_err(backend)?;
            if written == 0 {
                return Err(StoreError::Conflict {
                    expected: expected.unwrap_or(0),
                });
            }
            Ok(())
        })
        .await
    }

    async fn tournament(&self, id: &str) -> Result<Option<TournamentRecord>, StoreError> {
        let id = id.to_string();
        self.call(move |conn| {
            Ok(records(
                conn,
                "SELECT record FROM tournaments WHERE id = ?1",
                params![id],
            )?
            .pop())
        })
        .await
    }

    async fn tournaments(
        &self,
        unfinished_only: bool,
        limit: u32,
    ) -> Result<Vec<TournamentRecord>, StoreError> {
        self.call(move |conn| {
            records(
                conn,
                "SELECT record FROM tournaments WHERE finished = 0 OR ?1 = 0
                 ORDER BY created_at DESC LIMIT ?2",
                params![i64::from(unfinished_only), limit],
            )
        })
        .await
    }
}
